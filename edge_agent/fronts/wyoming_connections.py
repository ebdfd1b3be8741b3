"""How many Wyoming connections may be open, and which one gives way. HA opens one per sentence and
closes it after the answer; a client that connects and stays silent (or sends half an event) must not
hold a file descriptor forever, nor lock HA out. So: at most `cap` connections; a new one past the cap
closes the one that has waited longest for its next event (idle, or in the middle of a header), telling
it why; only when every open connection awaits an answer is the new one refused. Each connection's
silence is bounded by `idle_s` (WyomingServer)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
LOG_EVERY_S = 60.0  # refusals, evictions and accept errors are logged at most this often


@dataclass(frozen=True)
class WyomingLimits:
    idle_s: float = 60.0  # silence (or half an event) this long closes a connection
    max_connections: int = 256


def error_bytes(text: str, code: str) -> bytes:
    """An `error` event, its data inline in the header: written without waiting on a peer that may never
    read (a drain would)."""
    return json.dumps({"type": "error", "data": {"text": text, "code": code}}).encode() + b"\n"


@dataclass
class _Open:
    idle_since: float
    busy: bool = False  # awaiting an answer from the worker


@dataclass
class Connections:
    cap: int
    opened: dict[asyncio.StreamWriter, _Open] = field(default_factory=dict)
    evicted: int = 0
    refused: int = 0
    _last_log: float = 0.0
    _unlogged: int = 0

    def admit(self, writer: asyncio.StreamWriter) -> bool:
        """Room for `writer` (closing the longest-idle connection when full); False when every one is busy."""
        if len(self.opened) >= self.cap:
            idle = [(state.idle_since, other) for other, state in self.opened.items() if not state.busy]
            if not idle:
                self.refused += 1
                self.note("refused a Wyoming connection: all %d are awaiting answers", self.cap)
                writer.write(error_bytes(f"all {self.cap} connections are busy; try again", "too-many-connections"))
                return False
            _, oldest = min(idle, key=lambda pair: pair[0])
            self.evicted += 1
            self.note("closed the longest-idle Wyoming connection for a new one (%d open)", self.cap)
            oldest.write(error_bytes("closed for a new connection: this one was idle longest", "too-many-connections"))
            oldest.close()
            self.opened.pop(oldest, None)
        self.opened[writer] = _Open(time.monotonic())
        return True

    def busy(self, writer: asyncio.StreamWriter, busy: bool) -> None:
        state = self.opened.get(writer)
        if state is not None:
            state.busy = busy
            state.idle_since = time.monotonic()

    def close(self, writer: asyncio.StreamWriter) -> None:
        self.opened.pop(writer, None)

    def note(self, message: str, *args: object) -> None:
        """Log once per LOG_EVERY_S, with how many were not logged since: a flood must not flood the log."""
        now = time.monotonic()
        if now - self._last_log < LOG_EVERY_S:
            self._unlogged += 1
            return
        suffix = f" (and {self._unlogged} more like it since)" if self._unlogged else ""
        log.warning(message + suffix, *args)
        self._last_log, self._unlogged = now, 0
