"""Answers shared within a group, so that a retry which lands on another member is answered, not run again.

De-duplication is per agent (its request cache and answer store). In a group the broker may hand a
client's retry (same id) to another member: after the first member died with the answer unsent, or
when a bridge cut lost the answer. So every member publishes each answer it commits to
`<prefix>/group/<G>/answers` (QoS 1, acknowledged by the broker) *before* it stores and sends it. Every
member keeps the others' answers in its request cache. A member killed after publishing is covered:
the others have its answer. A member killed before publishing never committed the run; the retry runs
it once, elsewhere.

The wait for the broker's acknowledgements is not the worker's: `share` publishes and returns, and a
thread of its own runs `then` (store and send) once every acknowledgement is in, in the order the batches
came, while the worker runs the next batch. An acknowledgement that has not come within
SHARE_ACK_TIMEOUT_S (the group connection is down, the broker stalls) does not hold the asker: `then` runs
anyway, the answer leaves uncommitted to the group, and `share` is counted under errors_by_kind. A retry
that then lands on another member runs again there: availability over a second run, as before."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable

from edge_agent.once.request_cache import Remembered, RequestCache
from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)
SHARE_ACK_TIMEOUT_S = 2.0


class GroupAnswers:
    """on_bad: a malformed answer was dropped; on_unshared: an answer left without the group's ack."""

    def __init__(self, conn: Connection, topic: str, device_id: str, cache: RequestCache,
                 on_bad: Callable[[], None] = lambda: None, on_unshared: Callable[[], None] = lambda: None):
        self.conn = conn
        self.topic = topic
        self.device_id = device_id
        self.cache = cache
        self.on_bad = on_bad
        self.on_unshared = on_unshared
        self.received = 0
        self.in_flight = 0  # batches whose acknowledgements are awaited
        self._committing: queue.Queue[tuple[list[Callable[[float], None]], Callable[[], None]] | None] = queue.Queue()
        self._committer = threading.Thread(target=self._commit_loop, name="edgelm-group-commit", daemon=True)
        self._lock = threading.Lock()

    def subscribe(self) -> Callable[[], None]:
        if self._committer.ident is None:
            self._committer.start()
        return self.conn.subscribe(self.topic, self._on_answer, qos=1)

    def share(self, answers: list[Remembered], then: Callable[[], None]) -> None:
        """Publish each answer; `then` runs on the commit thread once the broker acknowledged them all."""
        waits = []
        for answer in answers:
            body = {"from": self.device_id, "key": answer.key, "digest": answer.digest,
                    "payload": answer.payload.decode("utf-8", "replace")}
            try:
                waits.append(self.conn.publish(self.topic, json.dumps(body).encode(), qos=1))
            except Exception as exc:  # not even queued (the connection refuses it): the wait fails at once
                log.warning("could not share an answer with the group: %s", exc)
                waits.append(_failed(exc))
        with self._lock:
            self.in_flight += 1
        self._committing.put((waits, then))

    def close(self) -> None:
        """Run what is still waiting (each up to its timeout), then end the commit thread."""
        if self._committer.ident is None:
            return
        self._committing.put(None)
        self._committer.join()

    def _commit_loop(self) -> None:
        while (item := self._committing.get()) is not None:
            waits, then = item
            deadline = time.monotonic() + SHARE_ACK_TIMEOUT_S
            for wait in waits:
                try:
                    wait(max(0.0, deadline - time.monotonic()))
                except Exception as exc:  # no ack in time, or the connection dropped: the asker still gets it
                    log.warning("an answer goes out without the group's acknowledgement: %s", exc)
                    self.on_unshared()
            try:
                then()
            except Exception:  # a bug in storing or sending: logged; the commit thread goes on
                log.exception("committing shared answers failed")
            with self._lock:
                self.in_flight -= 1

    def _on_answer(self, msg: Message) -> None:
        try:
            body = json.loads(msg.payload)
            if not isinstance(body, dict):
                raise ValueError("a shared answer is a JSON object")
            if body.get("from") == self.device_id:
                return
            key, digest, payload = body.get("key"), body.get("digest"), body.get("payload")
            if not (isinstance(key, str) and isinstance(digest, str) and isinstance(payload, str)):
                raise ValueError("a shared answer needs string key, digest and payload")
            self.cache.restore([Remembered(key, digest, payload.encode())])
            self.received += 1
        except (ValueError, UnicodeDecodeError) as exc:  # anyone may publish here: drop it, keep serving
            log.info("ignored a malformed group answer on %s: %s", msg.topic, exc)
            self.on_bad()
        finally:
            self.conn.ack(msg.mid, msg.qos)


def _failed(exc: Exception) -> Callable[[float], None]:
    def wait(timeout: float) -> None:
        raise exc
    return wait
