"""From the MQTT boundary to the queue and back: native requests and Hermes queries are decoded,
de-duplicated and queued here, and their answers delivered (to every joined asker) and acknowledged."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from edge_agent.inference.jobs import Answer, Clock, Delivery, Job, LocalTarget, ReplyTarget
from edge_agent.inference.serving import ModelRegistry
from edge_agent.once.answer_store import AnswerStore, MemoryOnly
from edge_agent.once.executions_log import ExecutionsLog
from edge_agent.once.group_answers import GroupAnswers
from edge_agent.once.request_cache import Remembered, RequestCache, Seen
from edge_agent.protocol import hermes, strict
from edge_agent.protocol.labels import OUT_OF_DOMAIN
from edge_agent.protocol.messages import (
    NO_ID_WARNING,
    Chunk,
    ErrorCode,
    ErrorResponse,
    Request,
    RequestError,
    content_digest,
    decode_request,
    dumps,
)
from edge_agent.protocol.reply_policy import ReplyPolicy
from edge_agent.transport.mqtt import Connection, Message, PublishProps

log = logging.getLogger(__name__)
JSON = "application/json"  # MQTT 5 Content Type of every answer
HERMES_DEFAULT_THRESHOLD = 0.5  # where the bundle has no calibrated out-of-domain threshold


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


@dataclass
class Once:
    """The exactly-once state the router commits each answer to."""

    cache: RequestCache  # answers in memory: repeats are answered, joined or refused
    store: AnswerStore | MemoryOnly  # answers across restarts (MemoryOnly without state_dir)
    group: GroupAnswers | None  # answers shared with the other members (None alone)
    executions: ExecutionsLog  # one line per committed run


class Router:
    def __init__(self, limits: Limits, models: ModelRegistry, stats: Counters, replies: ReplyPolicy, once: Once,
                 clock: Clock | None = None):
        self.config = limits
        self.models = models
        self.stats = stats
        self.replies = replies
        self.cache = once.cache
        self.store = once.store
        self.group = once.group
        self.executions = once.executions
        self._commit_lock = threading.Lock()
        self.clock = clock or Clock()
        self.jobs: queue.Queue[Job] = queue.Queue(maxsize=limits.max_queue)
        self.accepting = threading.Event()
        self._retained_seen: set[str] = set()  # topics whose retained request was logged once

    # -- native requests --------------------------------------------------------------------
    def on_request(self, conn: Connection, msg: Message, sender: str | None = None) -> None:
        """Every request gets one answer and one acknowledgement, whatever it holds.

        sender: the last level of `<prefix>/ID/request/<sender>`, None on the plain request topic."""
        if not self.accepting.is_set():
            return  # not acked: redelivered to the persistent session after restart
        try:
            self._on_request(conn, msg, sender)
        except Exception:  # a bug, not the request's fault: answer, acknowledge, keep serving
            log.exception("request handling failed")
            self.stats.error("callback")
            self._refuse(conn, msg, None, sender, RequestError(ErrorCode.INTERNAL, "the agent failed on this request"))

    def _refuse(self, conn: Connection, msg: Message, reply_to: str | None, sender: str | None,
                exc: RequestError) -> None:
        error = ErrorResponse(exc.request_id, exc.code, exc.message, self.config.device_id)
        topic = self.replies.topic(msg.response_topic or reply_to, sender)
        self._send(ReplyTarget(conn, topic, msg.correlation_data, msg.mid, msg.qos), dumps(error))

    def _on_request(self, conn: Connection, msg: Message, sender: str | None) -> None:
        arrived = self.clock.monotonic()
        if msg.retain:  # a retained request would be served again on every restart
            self._ignore_retained(conn, msg)
            return
        decoded = self._decode(conn, msg, sender)
        if decoded is None:
            return
        request, named = decoded
        target = ReplyTarget(conn, self.replies.topic(named, sender), msg.correlation_data, msg.mid, msg.qos)
        key, digest = _dedup_key(request, msg, sender), request.digest()
        if key is not None:
            seen, cached = self.cache.begin(key, digest, target)
            if seen is Seen.CONFLICT:
                self.stats.error()
                self._send(target, dumps(self._error(request.id, ErrorCode.CONFLICT,
                                                     "this id was used for a request with other content; use a new id")))
                return
            if seen is not Seen.NEW:
                self.stats.duplicate()
                if seen is Seen.DONE:
                    self._send(target, cached or b"")
                return
        job = Job(request, arrived, target, cache_key=key, digest=digest,
                  expires_at=arrived + msg.expiry_s if msg.expiry_s is not None else None,
                  deadline=request.deadline_epoch(), warning=None if key else NO_ID_WARNING)
        if job.expired(arrived, self.clock.wall()):
            self.deliver([Delivery(job, self._error(request.id, ErrorCode.EXPIRED, "request expired before it could run"),
                                   True)])
            return
        self._enqueue(job)

    def _decode(self, conn: Connection, msg: Message, sender: str | None) -> tuple[Request, str | None] | None:
        """The request and the reply topic it names; None once a refusal has been sent."""
        cfg = self.config
        try:
            request = decode_request(msg.payload, cfg.max_payload_bytes, cfg.max_text_chars, cfg.accept_plain_text)
            named = msg.response_topic or request.reply_to
            problem = self.replies.problem(named, sender)
            if problem:
                raise RequestError(ErrorCode.BAD_REQUEST, problem, request.id)
        except RequestError as exc:
            hint = exc.reply_to or (_reply_to_hint(msg) if len(msg.payload) <= cfg.max_payload_bytes else None)
            self.stats.error()
            log.info("rejected request %s: %s (%s)", exc.request_id, exc.code.value, exc.message)
            self._refuse(conn, msg, hint, sender, exc)
            return None
        return request, named

    def _ignore_retained(self, conn: Connection, msg: Message) -> None:
        if msg.topic not in self._retained_seen:
            self._retained_seen.add(msg.topic)
            log.warning("ignoring a retained request on %s (clear it: publish an empty retained message)", msg.topic)
        conn.ack(msg.mid, msg.qos)

    def _enqueue(self, job: Job) -> None:
        try:
            self.jobs.put_nowait(job)
        except queue.Full:  # not remembered: a later retry runs for real
            self.deliver([Delivery(job, self._error(job.request.id, ErrorCode.OVERLOADED,
                                                    f"queue full ({self.config.max_queue}); retry later"), False)])

    def _error(self, request_id: str | None, code: ErrorCode, message: str) -> ErrorResponse:
        return ErrorResponse(request_id, code, message, self.config.device_id)

    # -- askers inside the process (Wyoming) ----------------------------------------------------
    def submit_local(self, text: str, answer: Callable[[Answer], None]) -> None:
        """Queue one classification for the same worker, batches and telemetry as MQTT requests; `answer`
        gets the Response or ErrorResponse (from the worker's thread, or at once when refused)."""
        request = Request(id=f"local:{uuid.uuid4().hex}", text=text[: self.config.max_text_chars],
                          top_k=max(1, len(self.models.current().labels)))
        job = Job(request, self.clock.monotonic(), LocalTarget(answer), cache_key=None)
        if not self.accepting.is_set():
            self.deliver([Delivery(job, self._error(request.id, ErrorCode.OVERLOADED, "the agent is stopping"), False)])
            return
        self._enqueue(job)

    # -- Hermes -----------------------------------------------------------------------------
    def on_hermes(self, conn: Connection, msg: Message) -> None:
        if not self.accepting.is_set():
            return
        try:
            self._on_hermes(conn, msg)
        except Exception:  # a bug: no Hermes answer can be trusted, so acknowledge and keep serving
            log.exception("hermes query handling failed")
            self.stats.error("callback")
            conn.ack(msg.mid, msg.qos)

    def _on_hermes(self, conn: Connection, msg: Message) -> None:
        target = ReplyTarget(conn, hermes.NOT_RECOGNIZED_TOPIC, None, msg.mid, msg.qos)
        if msg.retain:
            self._ignore_retained(conn, msg)
            return
        too_big = len(msg.payload) > self.config.max_payload_bytes
        try:
            if too_big:
                raise hermes.HermesError(f"hermes query is over {self.config.max_payload_bytes} bytes")
            query = hermes.NluQuery.from_payload(msg.payload)
        except hermes.HermesError as exc:  # answered on hermes/error/nlu, as Rhasspy's own NLU does
            self._hermes_error(target, b"" if too_big else msg.payload, str(exc))
            return
        # Only a query's own id identifies a repeat: Rhasspy sends id-less follow-ups at QoS 0 in one
        # session, and the MQTT packet id of every QoS 0 message is 0.
        key = f"hermes:{query.id}:{query.session_id}" if query.id else None
        digest = content_digest({"input": query.input})
        if key is not None:
            seen, _ = self.cache.begin(key, digest, target)
            if seen is Seen.CONFLICT:
                self._hermes_error(target, msg.payload, f"query id {query.id} was used for another input")
                return
            if seen is not Seen.NEW:  # a repeated query is not answered twice
                self.stats.duplicate()
                if seen is Seen.DONE:
                    conn.ack(msg.mid, msg.qos)
                return
        request = Request(id=key or f"hermes:{uuid.uuid4().hex}", text=query.input[: self.config.max_text_chars],
                          top_k=max(1, len(self.models.current().labels)))
        self._enqueue(Job(request, self.clock.monotonic(), target, cache_key=key, digest=digest, hermes=query))

    def _hermes_error(self, target: ReplyTarget, payload: bytes, error: str) -> None:
        log.info("refused hermes query: %s", error)
        self.stats.error()
        target.topic = hermes.ERROR_TOPIC
        self._send(target, dumps(hermes.nlu_error(payload, error)))

    def hermes_threshold(self) -> float:
        if self.config.hermes_min_confidence >= 0:
            return self.config.hermes_min_confidence
        ood = self.models.current().ood_threshold
        return ood if ood is not None else HERMES_DEFAULT_THRESHOLD

    def _hermes_payload(self, query: hermes.NluQuery, answer: Answer) -> tuple[str, bytes]:
        scores: dict[str, float] = {}
        slots: list[dict] = []
        if not isinstance(answer, ErrorResponse) and answer.intent is not None:  # null: out of domain
            scores = {a["name"]: a["confidence"] for a in answer.alternatives if a["name"] != OUT_OF_DOMAIN}
            slots = answer.slots
        result = hermes.resolve(query, scores, self.hermes_threshold(), slots)
        return result.topic(), dumps(result.to_dict())

    # -- answers ----------------------------------------------------------------------------
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
            self._store(committed)
        for delivery, topic, payload in outgoing:
            job = delivery.job
            targets = self.cache.finish(job.cache_key, payload, delivery.remember) if job.cache_key else [job.target]
            for index, target in enumerate(targets):
                if topic is None:
                    self._send(target, payload)
                elif index == 0:  # a Hermes answer goes to its intent topic once
                    target.topic = topic
                    self._send(target, payload)
                else:  # joined Hermes duplicates: acknowledge, do not answer again
                    target.conn.ack(target.mid, target.qos)
        if self.store.needs_compacting():
            self.store.compact(self.cache.remembered())

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

    def fail_queued(self, why: str) -> None:
        """At shutdown, once the worker is done: askers inside the process get `overloaded`; MQTT requests
        stay unacknowledged, so the broker hands them to this agent's next run (or another member)."""
        local = []
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                break
            if isinstance(job.target, LocalTarget):
                local.append(Delivery(job, self._error(job.request.id, ErrorCode.OVERLOADED, why), False))
        self.deliver(local)

    def drain(self) -> None:
        """At shutdown, once the worker ended and before disconnecting: answers awaiting the group's
        acknowledgement are committed and sent (each within its timeout)."""
        if self.group is not None:
            self.group.close()

    def close(self) -> None:
        """At shutdown, after drain: the answer store and the executions log."""
        self.store.close()
        self.executions.close()

    def _store(self, answers: list[Remembered]) -> None:
        if not answers:
            return
        try:
            self.store.append(answers)
        except OSError:  # a full disk: keep answering (the store closes only after the worker ended)
            log.exception("could not store %d answers", len(answers))
            self.stats.error("state")

    def send_chunk(self, job: Job, chunk: Chunk) -> None:
        target = job.target
        if isinstance(target, LocalTarget):  # local askers take the whole answer only
            return
        target.conn.publish(target.topic, dumps(chunk), qos=1, props=PublishProps(target.correlation,
                                                                                  content_type=JSON))

    def _send(self, target: ReplyTarget, payload: bytes) -> None:
        try:
            target.conn.publish(target.topic, payload, qos=1, props=PublishProps(target.correlation, content_type=JSON))
        except Exception:  # e.g. an invalid reply topic from the client: log, keep serving
            log.exception("cannot publish reply to %r", target.topic)
        finally:
            # Ack only now: a request whose answer never left is redelivered after a crash.
            target.conn.ack(target.mid, target.qos)


def _remembered(delivery: Delivery, payload: bytes) -> Remembered:
    return Remembered(delivery.job.cache_key or "", delivery.job.digest, payload)


def _dedup_key(request: Request, msg: Message, sender: str | None) -> str | None:
    """sender + id; without an id, MQTT 5 Correlation Data identifies a request; else nothing does.
    The sender is part of the key: under require_sender one user cannot even collide with another's ids."""
    if request.id is not None:
        return f"{sender or ''}/{request.id}"
    if msg.correlation_data:
        return f"{sender or ''}#{msg.correlation_data.hex()}"
    return None


def _reply_to_hint(msg: Message) -> str | None:
    """The payload's reply_to, where one can be read, so that errors for bad requests still reach the asker."""
    try:
        data = strict.loads(msg.payload)
    except strict.PayloadError:
        return None
    return data.get("reply_to") if isinstance(data, dict) and isinstance(data.get("reply_to"), str) else None
