"""A websocket server on loopback that speaks Home Assistant's websocket API as far as `edgelm home sync`
uses it: auth_required -> auth -> auth_ok/auth_invalid, then result messages for the registry commands,
get_states, expose_entity/list and subscribe_events (with events pushed by the test)."""

from __future__ import annotations

import asyncio
import json
import threading

AREAS = [("kitchen", "Kitchen", ["cocina"], "ground"), ("living_room", "Living Room", ["lounge", "salón"], "ground"),
         ("bedroom", "Bedroom", ["dormitorio"], "first"), ("office", "Office", ["study"], "first"),
         ("garage", "Garage", [], "ground")]
FLOORS = [("ground", "Ground Floor", ["downstairs", "planta baja"], 0), ("first", "First Floor", ["upstairs"], 1)]


def entities() -> list[dict]:
    """20 exposed entities with aliases, one disabled and one not exposed to Assist."""
    rows = [("light.kitchen_ceiling", "Kitchen Ceiling", ["big light"], "kitchen"),
            ("light.sofa_lamp", "Sofa Lamp", ["reading light", "lámpara del sofá"], "living_room"),
            ("light.bedside", "Bedside Lamp", ["night light"], "bedroom"),
            ("switch.coffee", "Coffee Machine", ["espresso maker", "cafetera"], "kitchen"),
            ("fan.office", "Office Fan", ["desk fan"], "office"),
            ("cover.garage_door", "Garage Door", ["big door"], "garage"),
            ("climate.thermostat", "Thermostat", ["heating"], "living_room"),
            ("media_player.tv", "Living Room TV", ["telly"], "living_room"),
            ("vacuum.rover", "Rover", ["robot vacuum"], None),
            ("lock.front", "Front Door Lock", ["front lock"], None)]
    rows += [(f"light.strip_{i}", f"LED Strip {i}", [f"strip number {i}"], "office") for i in range(10)]
    out = [{"entity_id": e, "name": None, "original_name": n, "aliases": a, "area_id": area, "disabled_by": None,
            "device_id": f"device-{e}"} for e, n, a, area in rows]
    for entry in out:  # as in most homes: these take their area from their device (devices())
        if entry["entity_id"] in DEVICE_AREAS:
            entry["area_id"] = None
    out.append({"entity_id": "light.broken", "name": "Broken", "aliases": [], "area_id": None, "disabled_by": "user"})
    out.append({"entity_id": "switch.secret", "name": "Secret Switch", "aliases": [], "area_id": None,
                "disabled_by": None})
    return out


# entity -> its device's area, where the entity has none of its own
DEVICE_AREAS = {"light.kitchen_ceiling": "kitchen", "cover.garage_door": "garage", "lock.front": "garage"}
DEVICE_CLASSES = {"cover.garage_door": "garage", "lock.front": None}


def devices(entities: list[dict]) -> list[dict]:
    return [{"id": e["device_id"], "area_id": DEVICE_AREAS.get(e["entity_id"], "office" if e["area_id"] else None)}
            for e in entities if e.get("device_id")]


class FakeHomeAssistant:
    def __init__(self, token: str = "good-token"):
        self.token = token
        self.areas = [{"area_id": i, "name": n, "aliases": a, "floor_id": f} for i, n, a, f in AREAS]
        self.floors = [{"floor_id": i, "name": n, "aliases": a, "level": lv} for i, n, a, lv in FLOORS]
        self.entities = entities()
        self.commands: list[str] = []
        self.states: dict[str, str] = {}  # entity id -> state, where not "off"
        self._subscribers: list = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def __enter__(self) -> FakeHomeAssistant:
        self._thread.start()
        if not self._ready.wait(10):
            raise AssertionError("the fake Home Assistant did not start listening within 10 s")
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        import websockets

        self._stop = asyncio.Event()
        async with websockets.serve(self._client, "127.0.0.1", 0) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def fire(self, event_type: str, data: dict | None = None) -> None:
        """Announce a change to every subscriber (as HA does after an edit, or a state change)."""
        def send() -> None:
            for ws, msg_id in list(self._subscribers):
                asyncio.ensure_future(ws.send(json.dumps({"id": msg_id, "type": "event",
                                                          "event": {"event_type": event_type, "data": data or {}}})))
        self._loop.call_soon_threadsafe(send)

    def set_state(self, entity_id: str, state: str, **attributes) -> None:
        """Change a state, and tell the subscribers (state_changed)."""
        self.states[entity_id] = state
        self.fire("state_changed", {"entity_id": entity_id, "new_state": {"entity_id": entity_id, "state": state,
                                                                         "attributes": attributes}})

    async def _client(self, ws) -> None:
        await ws.send(json.dumps({"type": "auth_required", "ha_version": "2025.4.4"}))
        auth = json.loads(await ws.recv())
        if auth.get("type") != "auth" or auth.get("access_token") != self.token:
            await ws.send(json.dumps({"type": "auth_invalid", "message": "Invalid access token or password"}))
            return
        await ws.send(json.dumps({"type": "auth_ok", "ha_version": "2025.4.4"}))
        async for raw in ws:
            message = json.loads(raw)
            self.commands.append(message["type"])
            await ws.send(json.dumps(self._answer(ws, message)))

    def _answer(self, ws, message: dict) -> dict:
        kind, msg_id = message["type"], message["id"]
        by_id = {e["entity_id"]: e for e in self.entities}
        results = {
            "config/area_registry/list": lambda: self.areas,
            "config/floor_registry/list": lambda: self.floors,
            "config/entity_registry/list": lambda: [{k: v for k, v in e.items() if k != "aliases"}
                                                    for e in self.entities],
            "config/entity_registry/get_entries": lambda: {i: by_id.get(i) for i in message["entity_ids"]},
            "config/device_registry/list": lambda: devices(self.entities),
            "get_states": lambda: [{"entity_id": e["entity_id"], "state": self.states.get(e["entity_id"], "off"),
                                    "attributes": {"friendly_name": e["name"] or e["original_name"],
                                                   **({"device_class": DEVICE_CLASSES[e["entity_id"]]}
                                                      if DEVICE_CLASSES.get(e["entity_id"]) else {})}}
                                   for e in self.entities if not e["disabled_by"]],
            "homeassistant/expose_entity/list": lambda: {"exposed_entities": {
                e["entity_id"]: {"conversation": e["entity_id"] != "switch.secret"} for e in self.entities}},
        }
        if kind == "subscribe_events":
            self._subscribers.append((ws, msg_id))
            return {"id": msg_id, "type": "result", "success": True, "result": None}
        if kind not in results:
            return {"id": msg_id, "type": "result", "success": False,
                    "error": {"code": "unknown_command", "message": "Unknown command."}}
        return {"id": msg_id, "type": "result", "success": True, "result": results[kind]()}
