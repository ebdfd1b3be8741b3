"""The part of Home Assistant's websocket API that EdgeLM's state channel reads (edge_agent/home/ha_states.py:
auth, `subscribe_events` state_changed, `get_states`), served from inside the harness's pytest process: the
harness runs HA in-process, with no HTTP server an agent could reach.

One server for the whole run, on a thread of its own (each test has its own HA and event loop): each test
points it at its HA (`follow`), which sends every entity's state to the agent as a state_changed event,
then relays HA's own state_changed events. EDGELM_HA_PORT sets the port."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any


class StatesApi:
    def __init__(self, port: int, version: str):
        self.port, self.version = port, version
        self.states: dict[str, dict[str, Any]] = {}
        self.clients: set[Any] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), name="ha-states-api", daemon=True).start()
        ready.wait(10)

    def _serve(self, ready: threading.Event) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/api/websocket", self._websocket)
        runner = web.AppRunner(app)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        ready.set()
        self.loop.run_forever()

    async def _websocket(self, request: Any) -> Any:
        from aiohttp import WSMsgType, web

        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "auth_required", "ha_version": self.version})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if data.get("type") == "auth":
                await ws.send_json({"type": "auth_ok", "ha_version": self.version})
            elif data.get("type") == "subscribe_events":
                self.clients.add((ws, data["id"]))
                await ws.send_json({"id": data["id"], "type": "result", "success": True, "result": None})
            elif data.get("type") == "get_states":
                await ws.send_json({"id": data["id"], "type": "result", "success": True,
                                    "result": list(self.states.values())})
        self.clients = {(w, i) for w, i in self.clients if w is not ws}
        return ws

    async def _broadcast(self, entity_id: str, new: dict[str, Any] | None) -> None:
        for ws, sub in list(self.clients):
            event = {"event_type": "state_changed", "data": {"entity_id": entity_id, "new_state": new}}
            try:
                await ws.send_json({"id": sub, "type": "event", "event": event})
            except ConnectionError:
                self.clients.discard((ws, sub))

    def changed(self, entity_id: str, new: Any) -> None:
        """Called on HA's loop: record and relay one state."""
        raw = {"entity_id": entity_id, "state": new.state,
               "attributes": json.loads(json.dumps(dict(new.attributes), default=str))} if new else None
        if raw is None:
            self.states.pop(entity_id, None)
        else:
            self.states[entity_id] = raw
        asyncio.run_coroutine_threadsafe(self._broadcast(entity_id, raw), self.loop)

    def follow(self, hass: Any) -> Any:
        """Serve this test's HA: all its states now, its changes from now on; returns the unsubscribe."""
        for entity_id in list(self.states):
            if hass.states.get(entity_id) is None:
                self.changed(entity_id, None)
        for state in hass.states.async_all():
            self.changed(state.entity_id, state)
        return hass.bus.async_listen(
            "state_changed", lambda event: self.changed(event.data["entity_id"], event.data.get("new_state")))
