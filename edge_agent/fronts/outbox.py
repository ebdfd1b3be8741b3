"""Where the worker hands its answers: each batch is committed (executions log, the answer store, in a group
first shared with the other members) and sent to every asker waiting for it, then its requests are
acknowledged once the answers are on disk (answer_store.py: store_sync). The router's refusals and cached
repeats leave through `send` too."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from edge_agent.inference.jobs import Answer, Delivery, Job, LocalTarget, ReplyTarget
from edge_agent.inference.serving import ModelRegistry
from edge_agent.once.answer_store import AnswerStore, MemoryOnly
from edge_agent.once.executions_log import ExecutionsLog
from edge_agent.once.group_answers import GroupAnswers
from edge_agent.once.request_cache import Remembered, RequestCache
from edge_agent.protocol import hermes
from edge_agent.protocol.labels import OUT_OF_DOMAIN
from edge_agent.protocol.messages import Chunk, ErrorCode, ErrorResponse, dumps
from edge_agent.transport.mqtt import PublishProps

log = logging.getLogger(__name__)
JSON = "application/json"  # MQTT 5 Content Type of every answer
HERMES_DEFAULT_THRESHOLD = 0.5  # where the bundle has no calibrated out-of-domain threshold
SHED_BACKLOG = 256  # unacknowledged answers past which refusals are not sent (the asker's retry covers it)


class Counters(Protocol):
    """What the router counts (the agent's telemetry)."""

    def error(self, kind: str = "request") -> None: ...

    def duplicate(self) -> None: ...

    def record(self, total_ms: float) -> None: ...


@dataclass(frozen=True)
class Limits:
    """The agent's settings the router applies to each request."""

    device_id: str
    max_queue: int = 64
    max_payload_bytes: int = 16384
    max_text_chars: int = 2000
    accept_plain_text: bool = True
    hermes_min_confidence: float = -1.0  # < 0: the bundle's calibrated threshold
    store_sync: str = "ack"  # answers on disk before their requests are acknowledged ("answer": before sent)


@dataclass
class Once:
    """The exactly-once state the router commits each answer to."""

    cache: RequestCache  # answers in memory: repeats are answered, joined or refused
    store: AnswerStore | MemoryOnly  # answers across restarts (MemoryOnly without state_dir)
    group: GroupAnswers | None  # answers shared with the other members (None alone)
    executions: ExecutionsLog  # one line per committed run


class Outbox:
    def __init__(self, limits: Limits, models: ModelRegistry, stats: Counters, once: Once):
        self.limits = limits
        self.models = models
        self.stats = stats
        self.cache = once.cache
        self.store = once.store
        self.group = once.group
        self.executions = once.executions
        self._commit_lock = threading.Lock()

    def deliver(self, deliveries: list[Delivery]) -> None:
        """Commit the batch's answers (executions log, one fsync), then send each to every asker waiting for
        it. In a group the answers to group requests are shared first: they are committed and sent by the
        group's commit thread once the broker acknowledged them, while the worker goes on (group_answers)."""
        local = [d for d in deliveries if isinstance(d.job.target, LocalTarget)]
        for delivery in local:
            self._count(delivery)
            assert isinstance(delivery.job.target, LocalTarget)
            delivery.job.target.answer(delivery.answer)
        outgoing = [(d, *self._payload(d)) for d in deliveries if not isinstance(d.job.target, LocalTarget)]
        group = self.group
        shared = [item for item in outgoing if group is not None and self._shared(item[0], group)]
        if group is not None and shared:
            group.share([_remembered(d, payload) for d, _, payload in shared],
                         then=lambda: self._commit_and_send(shared))
        held = {id(item) for item in shared}
        self._commit_and_send([item for item in outgoing if id(item) not in held])

    @staticmethod
    def _shared(delivery: Delivery, group: GroupAnswers) -> bool:
        target = delivery.job.target
        return (delivery.remember and bool(delivery.job.cache_key) and isinstance(target, ReplyTarget)
                and target.conn is group.conn and not delivery.job.hermes)

    def _commit_and_send(self, outgoing: list[tuple[Delivery, str | None, bytes]]) -> None:
        committed = [_remembered(d, payload) for d, _, payload in outgoing if d.remember and d.job.cache_key]
        with self._commit_lock:  # the worker and the group's commit thread both commit
            self.executions.write([r.key for r in committed])
            stored = self._store(committed)
        answered: list[ReplyTarget] = []
        for delivery, topic, payload in outgoing:
            job = delivery.job
            targets = self.cache.finish(job.cache_key, payload, delivery.remember) if job.cache_key else [job.target]
            refusal = isinstance(delivery.answer, ErrorResponse) and delivery.answer.code is ErrorCode.OVERLOADED
            for index, target in enumerate(targets):
                answered.append(target)
                if topic is None:
                    if not send(target, payload, refusal, ack=False):
                        self.stats.error("shed")
                elif index == 0:  # a Hermes answer goes to its intent topic once; joined duplicates get none
                    target.topic = topic
                    send(target, payload, ack=False)
        if stored:  # acknowledged once on disk: a request whose answer a power cut loses is redelivered
            self.store.when_synced(lambda ok: self._acknowledge(answered, ok))
        else:
            self._acknowledge(answered, True)
        if self.store.needs_compacting():
            self.store.compact(self.cache.remembered())

    def _acknowledge(self, targets: list[ReplyTarget], synced: bool) -> None:
        if not synced:
            self.stats.error("state")
        for target in targets:
            try:
                target.conn.ack(target.mid, target.qos)
            except Exception:  # e.g. the connection went away: the broker redelivers, the store answers
                log.exception("could not acknowledge a request")

    def _count(self, delivery: Delivery) -> None:
        answer = delivery.answer
        if isinstance(answer, ErrorResponse):
            self.stats.error("inference" if answer.code is ErrorCode.INTERNAL else "request")
        else:
            self.stats.record(answer.latency_ms.total)
            answer.warning = delivery.job.warning

    def _payload(self, delivery: Delivery) -> tuple[str | None, bytes]:
        """(Hermes topic or None, payload) for one answer; counts it."""
        self._count(delivery)
        answer = delivery.answer
        hermes_query = delivery.job.hermes
        return self._hermes_payload(hermes_query, answer) if hermes_query else (None, dumps(answer))

    def drain(self) -> None:
        """At shutdown, once the worker ended and before disconnecting: answers awaiting the group's
        acknowledgement are committed and sent (each within its timeout), and every answered request is
        acknowledged once its answer is on disk."""
        if self.group is not None:
            self.group.close()
        self.store.flush()

    def close(self) -> None:
        """At shutdown, after drain: the answer store and the executions log."""
        self.store.close()
        self.executions.close()

    def _store(self, answers: list[Remembered]) -> bool:
        """True: written, to be synced before the requests are acknowledged."""
        if not answers:
            return False
        try:
            if self.limits.store_sync == "answer":
                self.store.append(answers)
                return False
            self.store.write(answers)
            return True
        except OSError:  # a full disk: keep answering (the store closes only after the worker ended)
            log.exception("could not store %d answers", len(answers))
            self.stats.error("state")
            return False

    def send_chunk(self, job: Job, chunk: Chunk) -> None:
        target = job.target
        if isinstance(target, LocalTarget):  # local askers take the whole answer only
            return
        target.conn.publish(target.topic, dumps(chunk), qos=1, props=PublishProps(target.correlation,
                                                                                  content_type=JSON))

    def hermes_threshold(self) -> float:
        if self.limits.hermes_min_confidence >= 0:
            return self.limits.hermes_min_confidence
        ood = self.models.current().ood_threshold
        return ood if ood is not None else HERMES_DEFAULT_THRESHOLD

    def _hermes_payload(self, query: hermes.NluQuery, answer: Answer) -> tuple[str, bytes]:
        scores: dict[str, float] = {}
        slots: list[dict] = []
        threshold = self.hermes_threshold()
        if not isinstance(answer, ErrorResponse) and answer.intent is not None:  # null: out of domain
            scores = {a["name"]: a["confidence"] for a in answer.alternatives if a["name"] != OUT_OF_DOMAIN}
            slots = answer.slots
            read = answer.alternatives[0]["name"] if answer.alternatives else None
            if answer.intent["name"] != read:  # the agent asked another intent than the model read (a state
                # question asked as one): that one or nothing, never the action the model read
                scores, threshold = {answer.intent["name"]: answer.intent["confidence"]}, 0.0
        result = hermes.resolve(query, scores, threshold, slots)
        return result.topic(), dumps(result.to_dict())



def send(target: ReplyTarget, payload: bytes, refusal: bool = False, repeat: bool = False, ack: bool = True) -> bool:
    """Publish an answer, then acknowledge its request: only now, so that a request whose answer never left
    is redelivered after a crash. A refusal made at the door (bad request, overloaded) goes at QoS 0.

    While over SHED_BACKLOG QoS 1 answers await the broker's acknowledgement, each held in memory until
    then: a refusal or a repeat answered from the cache is not sent at all (the asker's retry gets its
    answer later), and a real answer goes at QoS 0, written at once and held nowhere (remembered, so a
    retry is answered from the cache). Under a flood the broker's acknowledgements queue behind the
    flood's own messages on the agent's connection, so without this the memory grows with the flood's
    length. False: shed. ack=False: the caller acknowledges."""
    sent = True
    try:
        crowded = target.conn.backlog() > SHED_BACKLOG
        sent = not ((refusal or repeat) and crowded)
        if sent:
            target.conn.publish(target.topic, payload, qos=0 if refusal or crowded else 1,
                                props=PublishProps(target.correlation, content_type=JSON))
    except Exception:  # e.g. an invalid reply topic from the client: log, keep serving
        log.exception("cannot publish reply to %r", target.topic)
    finally:
        if ack:  # whatever happened above: never left unacknowledged
            target.conn.ack(target.mid, target.qos)
    return sent


def _remembered(delivery: Delivery, payload: bytes) -> Remembered:
    return Remembered(delivery.job.cache_key or "", delivery.job.digest, payload)
