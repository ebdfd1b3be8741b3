"""Home Assistant's states, live, for the replies that speak one ("is the kitchen light on?"). HA's
Wyoming conversation speaks the intent's text as it is, so the agent must know the state when it answers:
it keeps HA's states over HA's websocket API (`subscribe_events` state_changed, then `get_states`, so no
change falls between the two) on a thread of its own, reconnecting while HA is away.

A state is told only while it is current: while connected, or for `max_age_s` after the connection
dropped; after that the reply says it does not know. Not the home file: states change by the second, the
names by the week. Needs `websockets` (the `assist` extra)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger(__name__)
RETRY_S = (1, 2, 5)  # between reconnections: first quickly, then every 5 s


def websocket_url(ha_url: str) -> str:
    """http(s)://host:8123 -> ws(s)://host:8123/api/websocket; a ws(s):// URL is taken as it is."""
    parsed = urlparse(ha_url)
    if parsed.scheme in ("ws", "wss"):
        return ha_url
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"Home Assistant URL must be http(s)://HOST:PORT or ws(s)://..., not {ha_url!r}")
    scheme = "wss" if parsed.scheme == "https" else "ws"
    return f"{scheme}://{parsed.netloc}{parsed.path.rstrip('/')}/api/websocket"


class HaStates:
    def __init__(self, url: str, token_file: Path, max_age_s: float = 10.0):
        self.url = websocket_url(url)
        self.token_file = token_file
        self.max_age_s = max_age_s
        self._states: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._current_until: float | None = None  # None: connected (or never); else when states go stale
        self._connected = False
        self._loop = asyncio.new_event_loop()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="edgelm-ha-states", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)

    def get(self, entity_id: str) -> dict[str, Any] | None:
        """{"state", "attributes"} while current; None when unknown or stale."""
        with self._lock:
            current = self._connected or (self._current_until is not None and time.monotonic() < self._current_until)
            return self._states.get(entity_id) if current else None

    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                self._loop.run_until_complete(self._session())
                attempt = 0
            except Exception as exc:  # HA away, restarting, a refused token: keep trying, quietly
                if attempt == 0:
                    log.warning("Home Assistant states at %s: %s; retrying", self.url, exc)
            self._lost()
            self._stopping.wait(RETRY_S[min(attempt, len(RETRY_S) - 1)])
            attempt += 1

    def _lost(self) -> None:
        with self._lock:
            if self._connected:
                self._current_until = time.monotonic() + self.max_age_s
            self._connected = False

    async def _session(self) -> None:
        import websockets

        token = self.token_file.read_text().strip()
        async with websockets.connect(self.url, open_timeout=10, max_size=64 * 2**20) as ws:
            if json.loads(await ws.recv()).get("type") != "auth_required":
                raise ConnectionError("not Home Assistant's websocket API")
            await ws.send(json.dumps({"type": "auth", "access_token": token}))
            if json.loads(await ws.recv()).get("type") != "auth_ok":
                raise ConnectionError("Home Assistant refused the token")
            await ws.send(json.dumps({"id": 1, "type": "subscribe_events", "event_type": "state_changed"}))
            await ws.send(json.dumps({"id": 2, "type": "get_states"}))
            while not self._stopping.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 1.0)
                except asyncio.TimeoutError:
                    continue
                self._take(json.loads(raw))

    def _take(self, message: dict[str, Any]) -> None:
        if message.get("id") == 2 and message.get("type") == "result" and isinstance(message.get("result"), list):
            states = {s["entity_id"]: _state(s) for s in message["result"] if isinstance(s, dict) and "entity_id" in s}
            with self._lock:
                self._states, self._connected, self._current_until = states, True, None
        elif message.get("type") == "event":
            data = (message.get("event") or {}).get("data") or {}
            entity_id, new = data.get("entity_id"), data.get("new_state")
            if isinstance(entity_id, str):
                with self._lock:
                    if isinstance(new, dict):
                        self._states[entity_id] = _state(new)
                    else:  # removed
                        self._states.pop(entity_id, None)


def _state(raw: dict[str, Any]) -> dict[str, Any]:
    attributes = raw.get("attributes")
    return {"state": str(raw.get("state")), "attributes": attributes if isinstance(attributes, dict) else {}}
