"""The home's names from Home Assistant: areas, floors and the entities exposed to Assist, with their
aliases and domains, read over HA's websocket API and written as the agent's `home_file`. The agent
reloads the file when it changes, so `--watch` keeps a running agent's names in step with HA's.

HA's websocket API: `auth_required` -> `auth` (a long-lived access token) -> `auth_ok`, then commands
by id. An entity's name is what HA's own matcher uses: its friendly name (state attributes); aliases
come from the entity registry's extended entries; "exposed" is HA's per-entity Assist setting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
REGISTRY_EVENTS = ("area_registry_updated", "floor_registry_updated", "entity_registry_updated")
DEBOUNCE_S = 1.0  # one rewrite for a burst of registry edits


class SyncError(RuntimeError):
    """Home Assistant refused, or answered something that is not its websocket API."""


def websocket_url(ha_url: str) -> str:
    """http(s)://host:8123 -> ws(s)://host:8123/api/websocket; a ws(s):// URL is taken as it is."""
    from edge_agent.home.ha_states import websocket_url as agents

    try:
        return agents(ha_url)
    except ValueError as exc:
        raise SyncError(str(exc).replace("Home Assistant URL", "--ha-url")) from exc


def read_token(token_file: Path | None, env: dict[str, str] | None = None) -> str:
    """From the file, else $HA_TOKEN; never from the command line, where `ps` and shell history show it."""
    if token_file is not None:
        try:
            token = token_file.read_text().strip()
        except OSError as exc:
            raise SyncError(f"cannot read the token file {token_file}: {exc.strerror}") from exc
    else:
        token = (os.environ if env is None else env).get("HA_TOKEN", "").strip()
    if not token:
        raise SyncError("no Home Assistant token: give --token-file FILE or set HA_TOKEN")
    return token


class Session:
    """One authenticated websocket connection; `call` sends a command and returns its result."""

    def __init__(self, ws):
        self.ws = ws
        self._next_id = 0
        self.ha_version: str | None = None  # from auth_ok: which intents and slots that HA handles

    @classmethod
    async def open(cls, url: str, token: str, timeout: float = 10.0) -> tuple[Session, Any]:
        try:
            import websockets
        except ImportError as exc:
            raise ImportError("edgelm home sync needs `websockets`: pip install 'edgelm[assist]'") from exc
        ws = await websockets.connect(url, open_timeout=timeout, max_size=64 * 2**20)
        session = cls(ws)
        hello = await session.receive(timeout)
        if hello.get("type") != "auth_required":
            raise SyncError(f"{url} is not Home Assistant's websocket API (first message {hello.get('type')!r})")
        await ws.send(json.dumps({"type": "auth", "access_token": token}))
        answer = await session.receive(timeout)
        if answer.get("type") != "auth_ok":
            raise SyncError(f"Home Assistant refused the token: {answer.get('message', answer.get('type'))}")
        session.ha_version = answer.get("ha_version") if isinstance(answer.get("ha_version"), str) else None
        return session, ws

    async def receive(self, timeout: float) -> dict:
        message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        if not isinstance(message, dict):
            raise SyncError("Home Assistant sent a message that is not a JSON object")
        return message

    async def call(self, command: str, timeout: float = 30.0, **fields: Any) -> Any:
        self._next_id += 1
        msg_id = self._next_id
        await self.ws.send(json.dumps({"id": msg_id, "type": command, **fields}))
        while True:
            message = await self.receive(timeout)
            if message.get("id") != msg_id or message.get("type") != "result":
                continue  # an event of a subscription; the caller reads those separately
            if not message.get("success"):
                error = message.get("error") or {}
                raise SyncError(f"{command}: {error.get('code', 'error')}: {error.get('message', '')}".rstrip(": "))
            return message.get("result")


@dataclass
class Registries:
    areas: list[dict]
    floors: list[dict]
    entities: list[dict]  # entity registry entries, extended (aliases)
    states: list[dict]
    exposed: dict[str, dict] | None  # None: this HA cannot say (every entity counts as exposed)
    version: str | None = None  # HA's own
    devices: list[dict] = field(default_factory=list)  # device registry: where most entities get their area


async def fetch(session: Session) -> Registries:
    areas = await session.call("config/area_registry/list")
    floors = await session.call("config/floor_registry/list")
    listed = await session.call("config/entity_registry/list")
    ids = [e["entity_id"] for e in listed if isinstance(e, dict) and "entity_id" in e]
    extended = await session.call("config/entity_registry/get_entries", entity_ids=ids) if ids else {}
    states = await session.call("get_states")
    try:
        exposed = (await session.call("homeassistant/expose_entity/list")).get("exposed_entities", {})
    except SyncError:  # an HA without Assist exposure settings
        exposed = None
    entities = [extended.get(e["entity_id"]) or e for e in listed if isinstance(e, dict) and "entity_id" in e]
    devices = await session.call("config/device_registry/list")
    return Registries(areas, floors, entities, states, exposed, version=session.ha_version, devices=devices)


def home_document(reg: Registries, ha_url: str) -> dict:
    """The home_file: areas and floors with aliases, and every exposed, enabled entity with its name
    (HA's friendly name), aliases, domain, device class and area: its own, else its device's (as HA
    resolves it: most entities have none of their own)."""
    floor_names = {f["floor_id"]: f["name"] for f in reg.floors}
    area_names = {a["area_id"]: a["name"] for a in reg.areas}
    device_areas = {d["id"]: d.get("area_id") for d in reg.devices if isinstance(d, dict) and "id" in d}
    attributes = {s["entity_id"]: s.get("attributes") or {} for s in reg.states}
    friendly = {entity_id: attrs.get("friendly_name") for entity_id, attrs in attributes.items()}
    names = []
    for entry in sorted(reg.entities, key=lambda e: e["entity_id"]):
        entity_id = entry["entity_id"]
        if entry.get("disabled_by") or (reg.exposed is not None
                                        and not (reg.exposed.get(entity_id) or {}).get("conversation")):
            continue
        name = friendly.get(entity_id) or entry.get("name") or entry.get("original_name")
        if not name:
            continue
        item = {"name": name, "aliases": sorted(a for a in entry.get("aliases") or [] if a and a != name),
                "domain": entity_id.split(".", 1)[0], "entity_id": entity_id}
        device_class = (entry.get("device_class") or entry.get("original_device_class")
                        or attributes.get(entity_id, {}).get("device_class"))
        if isinstance(device_class, str) and device_class:
            item["device_class"] = device_class
        area_id = entry.get("area_id") or device_areas.get(entry.get("device_id") or "")
        if area_id in area_names:
            item["area"] = area_names[area_id]
        names.append(item)
    areas = [{"name": a["name"], "aliases": sorted(a.get("aliases") or []),
              **({"floor": floor_names[a["floor_id"]]} if a.get("floor_id") in floor_names else {})}
             for a in sorted(reg.areas, key=lambda a: a["name"])]
    floors = [{"name": f["name"], "aliases": sorted(f.get("aliases") or [])}
              for f in sorted(reg.floors, key=lambda f: f["name"])]
    source = {"home_assistant": ha_url, **({"version": reg.version} if reg.version else {})}
    return {"source": source, "areas": areas, "floors": floors, "names": names}


def write_if_changed(path: Path, document: dict) -> bool:
    """Atomically (the agent may read it at any moment); False when the content is the same."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return True


async def sync_once(ha_url: str, token: str, out: Path) -> tuple[dict, bool]:
    session, ws = await Session.open(websocket_url(ha_url), token)
    try:
        document = home_document(await fetch(session), ha_url)
    finally:
        await ws.close()
    return document, write_if_changed(out, document)


async def watch(ha_url: str, token: str, out: Path, on_sync: Callable[[dict, bool], None],
                stop: asyncio.Event | None = None, retry_s: float = 5.0) -> None:
    """Sync, then again after every registry change HA announces; reconnect when the connection drops."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await _watch_connection(ha_url, token, out, on_sync, stop)
        except SyncError:
            raise  # a refused token does not get better by retrying
        except Exception as exc:  # the connection dropped or HA restarted: reconnect
            log.warning("Home Assistant connection lost (%s); retrying in %.0f s", exc, retry_s)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), retry_s)


async def _watch_connection(ha_url: str, token: str, out: Path, on_sync, stop: asyncio.Event) -> None:
    session, ws = await Session.open(websocket_url(ha_url), token)
    try:
        for event_type in REGISTRY_EVENTS:
            await session.call("subscribe_events", event_type=event_type)
        document = home_document(await fetch(session), ha_url)
        on_sync(document, write_if_changed(out, document))
        while not stop.is_set():
            try:
                message = await session.receive(timeout=1.0)
            except asyncio.TimeoutError:
                continue
            if message.get("type") != "event":
                continue
            deadline = time.monotonic() + DEBOUNCE_S
            while time.monotonic() < deadline:  # let a burst of edits settle
                try:
                    await session.receive(timeout=max(0.01, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    break
            document = home_document(await fetch(session), ha_url)
            on_sync(document, write_if_changed(out, document))
    finally:
        await ws.close()
