"""/etc/edgelm/agent.toml for a flashed board: the user's config (when given) with the flash's settings
on top, written as TOML (a small writer: the agent's config is one flat table)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from edge_agent.config import ConfigError, load_config
from edgelm.flash import FlashError, units

if TYPE_CHECKING:
    from edgelm.flash.rootfs import FlashOptions
    from edgelm.flash.target import Target

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def agent_toml(opts: FlashOptions, bundle_path: str, target: Target) -> str:
    settings: dict[str, Any] = {}
    if opts.config_file is not None:
        try:
            data = tomllib.loads(opts.config_file.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise FlashError(f"cannot read --config {opts.config_file}: {exc}") from exc
        settings.update(data.get("agent", data))
    settings.update(bundle=bundle_path, broker=opts.broker, device_id=opts.device_id, device=opts.profile.name)
    if opts.group:
        settings["group"] = opts.group
    if opts.trust_key is not None:
        settings["trust_key"] = f"{units.ETC}/trust.pub"
    try:  # the agent must accept it: check with its own loader
        load_config(None, env={}, **settings)
    except (ConfigError, TypeError) as exc:
        raise FlashError(f"the agent would refuse this config: {exc}") from exc
    lines = [f"# written by `edgelm flash` for {target.os_name} ({target.arch}, Python {target.python})",
             "[agent]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string is a JSON string for what a config holds
