"""The home's own names, from `home_file` (JSON or TOML): `areas`, `floors` and `names`, each a list of
names or of entries {name, aliases, domain, area, floor, entity_id} as `edgelm home sync` writes them
from Home Assistant. Slot values snap to an entry's `name` whether the user said it or an alias, so
Home Assistant gets its own name back."""

from __future__ import annotations

import json
from pathlib import Path

from edge_agent.home.slots import HomeDevice, HomeEntities

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

LISTS = ("areas", "floors", "names")
ENTRY_KEYS = {"name", "aliases", "domain", "area", "floor", "entity_id", "device_class"}


class HomeFileError(ValueError):
    pass


def read_home_file(path: Path) -> tuple[dict[str, list[str]], dict[str, dict[str, str]], list[HomeDevice], str | None]:
    """({list: [names]}, {list: {alias: name}}, the `names` entries that say their domain, the version of
    the Home Assistant it was synced from)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise HomeFileError(f"cannot read home_file {path}: {exc.strerror}") from exc
    kind = "JSON" if path.suffix == ".json" else "TOML"
    try:
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise HomeFileError(f"home_file {path} is not valid {kind}: {exc}") from exc
    if not isinstance(data, dict):
        raise HomeFileError(f"home_file {path} must hold areas, floors and names lists")
    unknown = sorted(set(data) - set(LISTS) - {"source"})
    if unknown:
        raise HomeFileError(f"home_file {path}: unknown keys {', '.join(unknown)} (expected areas, floors, names)")
    names: dict[str, list[str]] = {}
    aliases: dict[str, dict[str, str]] = {}
    devices: list[HomeDevice] = []
    for key in LISTS:
        values = data.get(key, [])
        if not isinstance(values, list):
            raise HomeFileError(f"home_file {path}: {key} must be a list")
        names[key], aliases[key] = [], {}
        for entry in values:
            name, said = _entry(entry, f"home_file {path}: {key}")
            if name not in names[key]:
                names[key].append(name)
            aliases[key].update({alias: name for alias in said if alias != name})
            if key == "names" and isinstance(entry, dict) and isinstance(entry.get("domain"), str):
                devices.append(HomeDevice(name, entry["domain"], _text(entry.get("area")),
                                          _text(entry.get("device_class")), _text(entry.get("entity_id"))))
    source = data.get("source")
    source = source if isinstance(source, dict) else {}
    return names, {key: said for key, said in aliases.items() if said}, devices, _text(source.get("version"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _entry(entry: object, where: str) -> tuple[str, list[str]]:
    if isinstance(entry, str) and entry.strip():
        return entry, []
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise HomeFileError(f"{where}: each entry is a non-empty name or an object with a non-empty `name`")
    unknown = sorted(set(entry) - ENTRY_KEYS)
    if unknown:
        raise HomeFileError(f"{where}: entry {entry['name']!r} has unknown keys {', '.join(unknown)}")
    said = entry.get("aliases") or []
    if not isinstance(said, list) or not all(isinstance(a, str) and a.strip() for a in said):
        raise HomeFileError(f"{where}: the aliases of {entry['name']!r} must be non-empty strings")
    return entry["name"], said


def load_home(listed: dict[str, list[str]], home_file: Path | None, find_in_text: bool) -> HomeEntities:
    """The names listed inline (`home_areas`, ...) followed by those of `home_file`; HomeFileError when the
    file cannot be read or holds something else."""
    lists = {key: list(listed.get(key, [])) for key in LISTS}
    aliases: dict[str, dict[str, str]] = {}
    devices: list[HomeDevice] = []
    version = None
    if home_file is not None:
        from_file, aliases, devices, version = read_home_file(home_file)
        for key, values in from_file.items():
            lists[key] += [v for v in values if v not in lists[key]]
    return HomeEntities(areas=lists["areas"], floors=lists["floors"], names=lists["names"], aliases=aliases,
                        find_in_text=find_in_text, devices=devices, ha_version=version)
