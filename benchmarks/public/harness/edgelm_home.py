"""A pytest plugin for the public Assist benchmark's harness (`-p edgelm_home`, for every agent):

- with EDGELM_HOME_FILE set (EdgeLM is the agent), before each sentence EdgeLM gets the synthetic home's
  names the way `edgelm home sync` gives them: the same `home_document`, built from Home Assistant's own
  registries (in-process here, where sync reads them over the websocket API), written where the agent's
  `home_file` points;
- every state change during the test goes to EDGELM_EVENTS_DIR/<task id>.json, from which the report
  counts wrong actions (the harness records only whether the expected state was reached), and every
  service call HA made (and the shopping list's items) to <task id>.calls.json;
- EDGELM_HA_PORT: HA's states served as its websocket API serves them, for the agent's state channel;
- EDGELM_ALIASES and EDGELM_SHOPPING_LIST complete a home the synthetic-home format cannot say
  (benchmarks/ha_assist.py: Spanish aliases, HA's shopping list).

It runs inside the harness's Python (Home Assistant's venv), so edgelm/home_sync.py (standard library only)
is loaded from the repository by path (EDGELM_REPO)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

_API: list[Any] = []  # the one states server of the run


def _states_api() -> Any:
    """EDGELM_HA_PORT: HA's states for the agent's state channel (ha_states_api.py), started once."""
    if not _API:
        from ha_states_api import StatesApi
        from homeassistant.const import __version__

        _API.append(StatesApi(int(os.environ["EDGELM_HA_PORT"]), __version__))
    return _API[0]


def _home_sync() -> Any:
    if "edgelm_home_sync" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "edgelm_home_sync", Path(os.environ["EDGELM_REPO"]) / "edgelm" / "home_sync.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["edgelm_home_sync"]


def registries(hass: Any) -> Any:
    """What `home sync` fetches (config/*_registry/list, get_states, expose_entity/list, auth_ok's
    ha_version), read from the running Home Assistant."""
    from homeassistant.components.homeassistant.exposed_entities import async_should_expose
    from homeassistant.const import __version__
    from homeassistant.helpers import area_registry, device_registry, entity_registry, floor_registry

    areas = [{"area_id": a.id, "name": a.name, "aliases": sorted(a.aliases), "floor_id": a.floor_id}
             for a in area_registry.async_get(hass).async_list_areas()]
    floors = [{"floor_id": f.floor_id, "name": f.name, "aliases": sorted(f.aliases)}
              for f in floor_registry.async_get(hass).async_list_floors()]
    entities = [{"entity_id": e.entity_id, "name": e.name, "original_name": e.original_name,
                 "aliases": sorted(e.aliases), "device_class": e.device_class,
                 "original_device_class": e.original_device_class, "area_id": e.area_id,
                 "device_id": e.device_id, "disabled_by": e.disabled_by}
                for e in entity_registry.async_get(hass).entities.values()]
    states = [{"entity_id": s.entity_id, "attributes": dict(s.attributes)} for s in hass.states.async_all()]
    exposed = {e["entity_id"]: {"conversation": async_should_expose(hass, "conversation", e["entity_id"])}
               for e in entities}
    devices = [{"id": d.id, "area_id": d.area_id} for d in device_registry.async_get(hass).devices.values()]
    return _home_sync().Registries(areas, floors, entities, states, exposed, version=__version__, devices=devices)


@pytest.fixture(autouse=True)
async def edgelm_home(socket_enabled: None, verify_cleanup: None, hass: Any, auto_enable_custom_integrations: None,
                      mock_default_components: None, synthetic_home_config_entry: Any,
                      request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Asks for what the harness's own autouse fixtures set up before it, in their order: loaded with -p,
    this plugin's fixture would otherwise start `hass` before custom integrations are enabled, stop it after
    the cleanup check, and open the states server's sockets while pytest-socket still blocks them."""
    if synthetic_home_config_entry is None:
        yield
        return
    await _extras(hass)
    if os.environ.get("EDGELM_HOME_FILE"):
        sync = _home_sync()
        document = sync.home_document(registries(hass), "in-process://home-assistant-datasets")
        if sync.write_if_changed(Path(os.environ["EDGELM_HOME_FILE"]), document):
            await asyncio.sleep(float(os.environ.get("EDGELM_HOME_SETTLE_S", "1.0")))  # the agent's reload
    changes: list[dict] = []
    calls: list[dict] = []
    stops = [hass.bus.async_listen("state_changed", lambda event: changes.append(_change(event))),
             hass.bus.async_listen("call_service", lambda event: calls.append(_call(event)))]
    if os.environ.get("EDGELM_HA_PORT"):
        stops.append(_states_api().follow(hass))
    yield
    for stop in stops:
        stop()
    if os.environ.get("EDGELM_EVENTS_DIR") and "eval_task" in request.fixturenames:
        task_id = request.getfixturevalue("eval_task").task_id
        events = Path(os.environ["EDGELM_EVENTS_DIR"])
        (events / f"{task_id}.json").write_text(json.dumps(changes))
        shopping = hass.data.get("shopping_list")
        items = [item.get("name") for item in getattr(shopping, "items", [])] if shopping is not None else None
        (events / f"{task_id}.calls.json").write_text(json.dumps({"calls": calls, "shopping_list": items}))


async def _extras(hass: Any) -> None:
    """EDGELM_ALIASES: a JSON file of aliases ({"entities": {id: [...]}, "areas" and "floors": {name: [...]}}) set in
    HA's registries as a user sets them; EDGELM_SHOPPING_LIST=1: HA's shopping list integration (its
    intents and todo.shopping_list)."""
    from homeassistant.helpers import area_registry, entity_registry, floor_registry

    if os.environ.get("EDGELM_ALIASES"):
        aliases = json.loads(Path(os.environ["EDGELM_ALIASES"]).read_text())
        entities, areas = entity_registry.async_get(hass), area_registry.async_get(hass)
        for entity_id, said in aliases.get("entities", {}).items():
            if entities.async_get(entity_id) is not None:
                entities.async_update_entity(entity_id, aliases=set(said))
        for name, said in aliases.get("areas", {}).items():
            if (area := areas.async_get_area_by_name(name)) is not None:
                areas.async_update(area.id, aliases=set(said))
        floors = floor_registry.async_get(hass)
        for name, said in aliases.get("floors", {}).items():
            if (floor := floors.async_get_floor_by_name(name)) is not None:
                floors.async_update(floor.floor_id, aliases=set(said))
    if os.environ.get("EDGELM_SHOPPING_LIST") and "shopping_list" not in hass.config.components:
        from pytest_homeassistant_custom_component.common import MockConfigEntry

        Path(hass.config.path(".shopping_list.json")).unlink(missing_ok=True)  # a list of its own per sentence

        entry = MockConfigEntry(domain="shopping_list")
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


def _call(event: Any) -> dict:
    data = dict(event.data.get("service_data") or {})
    target = data.pop("entity_id", None)
    ids = [target] if isinstance(target, str) else list(target or [])
    return {"service": f"{event.data.get('domain')}.{event.data.get('service')}", "entities": ids,
            "data": {k: _plain(v) for k, v in data.items()}, "time": event.time_fired.isoformat()}


def _change(event: Any) -> dict:
    old, new = event.data.get("old_state"), event.data.get("new_state")
    return {"entity_id": event.data.get("entity_id"), "time": event.time_fired.isoformat(),
            "old": old.state if old else None, "new": new.state if new else None,
            "old_attributes": {k: _plain(v) for k, v in (old.attributes if old else {}).items()},
            "new_attributes": {k: _plain(v) for k, v in (new.attributes if new else {}).items()}}


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
