"""Exactly one run per request id: a bounded cache of recent answers and of requests in flight.

A QoS 1 redelivery or a client retry either joins the run already queued or is answered from the
cache. Only finished entries are evicted; a pending one lives until it is answered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Seen(Enum):
    NEW = "new"  # caller must run it
    JOINED = "joined"  # already queued or running; caller's target will be answered with it
    DONE = "done"  # answered before; caller re-sends the cached payload


@dataclass
class _Entry:
    payload: bytes | None = None
    waiters: list[Any] = field(default_factory=list)


class RequestCache:
    def __init__(self, size: int = 2048):
        self.size = size
        self._done: OrderedDict[str, bytes] = OrderedDict()
        self._pending: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def begin(self, request_id: str, target: Any) -> tuple[Seen, bytes | None]:
        with self._lock:
            if request_id in self._done:
                self._done.move_to_end(request_id)
                return Seen.DONE, self._done[request_id]
            if request_id in self._pending:
                self._pending[request_id].waiters.append(target)
                return Seen.JOINED, None
            self._pending[request_id] = _Entry(waiters=[target])
            return Seen.NEW, None

    def finish(self, request_id: str, payload: bytes, remember: bool = True) -> list[Any]:
        """Record the answer; return every target waiting for it (the first asker included).

        remember=False (for 'overloaded') lets a later retry run for real.
        """
        with self._lock:
            entry = self._pending.pop(request_id, None)
            if remember:
                self._done[request_id] = payload
                self._done.move_to_end(request_id)
                while len(self._done) > self.size:
                    self._done.popitem(last=False)
            return entry.waiters if entry else []

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)


class RecentIds:
    """The last `size` ids seen, oldest forgotten first: bounded memory for "have I had this one?"."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, request_id: str) -> bool:
        """Remember the id; False when it was already remembered."""
        if request_id in self._ids:
            self._ids.move_to_end(request_id)
            return False
        self._ids[request_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def discard(self, request_id: str) -> None:
        self._ids.pop(request_id, None)

    def __len__(self) -> int:
        return len(self._ids)
