"""Exactly one run per request: a bounded cache of recent answers and of requests in flight.

A request is known by its key (sender and id) and by a digest of its content. A QoS 1 redelivery or a
client retry (same key, same digest) either joins the run already queued or is answered from the cache;
the same key with another digest is a conflict, never another request's answer. Only finished entries
are evicted; a pending one lives until it is answered.
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
    CONFLICT = "conflict"  # the key was used for a request with other content; caller refuses it


@dataclass
class _Entry:
    digest: str
    waiters: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Remembered:
    """One answer as kept in the cache and in the answer store."""

    key: str
    digest: str
    payload: bytes


class RequestCache:
    def __init__(self, size: int = 2048):
        self.size = size
        self._done: OrderedDict[str, Remembered] = OrderedDict()
        self._pending: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def begin(self, key: str, digest: str, target: Any) -> tuple[Seen, bytes | None]:
        with self._lock:
            done = self._done.get(key)
            if done is not None:
                if done.digest != digest:
                    return Seen.CONFLICT, None
                self._done.move_to_end(key)
                return Seen.DONE, done.payload
            pending = self._pending.get(key)
            if pending is not None:
                if pending.digest != digest:
                    return Seen.CONFLICT, None
                pending.waiters.append(target)
                return Seen.JOINED, None
            self._pending[key] = _Entry(digest, [target])
            return Seen.NEW, None

    def finish(self, key: str, payload: bytes, remember: bool = True) -> list[Any]:
        """Record the answer; return every target waiting for it (the first asker included).

        remember=False (for 'overloaded') lets a later retry run for real.
        """
        with self._lock:
            entry = self._pending.pop(key, None)
            if remember and entry is not None:
                self._keep(Remembered(key, entry.digest, payload))
            return entry.waiters if entry else []

    def restore(self, answers: list[Remembered]) -> None:
        """Answers kept from before a restart, oldest first."""
        with self._lock:
            for answer in answers:
                self._keep(answer)

    def remembered(self) -> list[Remembered]:
        with self._lock:
            return list(self._done.values())

    def _keep(self, answer: Remembered) -> None:
        self._done[answer.key] = answer
        self._done.move_to_end(answer.key)
        while len(self._done) > self.size:
            self._done.popitem(last=False)

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
