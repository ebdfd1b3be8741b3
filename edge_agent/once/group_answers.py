"""Answers shared within a group, so that a retry which lands on another member is answered, not run again.

De-duplication is per agent (its request cache and answer store). In a group the broker may hand a
client's retry (same id) to another member: after the first member died with the answer unsent, or
when a bridge cut lost the answer. So every member publishes each answer it commits to
`<prefix>/group/<G>/answers` (QoS 1, acknowledged by the broker) *before* it stores and sends it. Every
member keeps the others' answers in its request cache. A member killed after publishing is covered:
the others have its answer. A member killed before publishing never committed the run; the retry runs
it once, elsewhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from edge_agent.once.request_cache import Remembered, RequestCache
from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)
SHARE_ACK_TIMEOUT_S = 2.0


class GroupAnswers:
    def __init__(self, conn: Connection, topic: str, device_id: str, cache: RequestCache,
                 on_bad: Callable[[], None] = lambda: None):
        self.conn = conn
        self.topic = topic
        self.device_id = device_id
        self.cache = cache
        self.on_bad = on_bad
        self.received = 0

    def subscribe(self) -> Callable[[], None]:
        return self.conn.subscribe(self.topic, self._on_answer, qos=1)

    def share(self, answers: list[Remembered]) -> None:
        """Publish each answer and wait for the broker's acknowledgements: only then is it committed."""
        waits = []
        for answer in answers:
            body = {"from": self.device_id, "key": answer.key, "digest": answer.digest,
                    "payload": answer.payload.decode("utf-8", "replace")}
            waits.append(self.conn.publish(self.topic, json.dumps(body).encode(), qos=1))
        for wait in waits:
            try:
                wait(SHARE_ACK_TIMEOUT_S)
            except Exception as exc:  # the group connection is down: the answer still goes to its asker
                log.warning("could not share an answer with the group: %s", exc)

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
