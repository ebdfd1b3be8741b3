"""From the MQTT boundary to the queue: native requests, Hermes queries and local askers (Wyoming) are
decoded, de-duplicated and queued here; refusals and cached repeats are answered at once. Answers leave
through the outbox (edge_agent.fronts.outbox)."""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable

from edge_agent.fronts.outbox import Counters, Limits, Outbox, send
from edge_agent.inference.jobs import Answer, Clock, Delivery, Job, LocalTarget, ReplyTarget
from edge_agent.inference.serving import ModelRegistry
from edge_agent.once.request_cache import Seen
from edge_agent.protocol import hermes, strict
from edge_agent.protocol.messages import (
    NO_ID_WARNING,
    ErrorCode,
    ErrorResponse,
    Request,
    RequestError,
    content_digest,
    decode_request,
    dumps,
)
from edge_agent.protocol.reply_policy import ReplyPolicy
from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)


class Router:
    """outbox: where answers leave (the worker's too); its request cache de-duplicates here."""

    def __init__(self, limits: Limits, models: ModelRegistry, stats: Counters, replies: ReplyPolicy, outbox: Outbox,
                 clock: Clock | None = None):
        self.config = limits
        self.models = models
        self.stats = stats
        self.replies = replies
        self.outbox = outbox
        self.cache = outbox.cache
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
        if not send(ReplyTarget(conn, topic, msg.correlation_data, msg.mid, msg.qos), dumps(error), refusal=True):
            self.stats.error("shed")

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
                send(target, dumps(self._error(request.id, ErrorCode.CONFLICT,
                                               "this id was used for a request with other content; use a new id")),
                     refusal=True)
                return
            if seen is not Seen.NEW:
                self.stats.duplicate()
                if seen is Seen.DONE and not send(target, cached or b"", repeat=True):
                    self.stats.error("shed")
                return
        job = Job(request, arrived, target, cache_key=key, digest=digest,
                  expires_at=arrived + msg.expiry_s if msg.expiry_s is not None else None,
                  deadline=request.deadline_epoch(), warning=None if key else NO_ID_WARNING)
        if job.expired(arrived, self.clock.wall()):
            self.outbox.deliver([Delivery(job, self._error(request.id, ErrorCode.EXPIRED, "request expired before it could run"),
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
            self.outbox.deliver([Delivery(job, self._error(job.request.id, ErrorCode.OVERLOADED,
                                                    f"queue full ({self.config.max_queue}); retry later"), False)])

    def _error(self, request_id: str | None, code: ErrorCode, message: str) -> ErrorResponse:
        return ErrorResponse(request_id, code, message, self.config.device_id)

    # -- askers inside the process (Wyoming) ----------------------------------------------------
    def submit_local(self, text: str, answer: Callable[[Answer], None]) -> None:
        """Queue one classification for the same worker, batches and telemetry as MQTT requests; `answer`
        gets the Response or ErrorResponse (from the worker's thread, or at once when refused). The text is
        checked as an MQTT request's is: too long is `too_large`, never cut."""
        try:
            checked = Request.from_dict({"text": text}, max_text_chars=self.config.max_text_chars)
        except RequestError as exc:
            self.stats.error()
            answer(self._error(None, exc.code, exc.message))
            return
        # every label's score: past the 20 a client may ask for, as Hermes queries get them
        request = Request(id=f"local:{uuid.uuid4().hex}", text=checked.text,
                          top_k=max(1, len(self.models.current().labels)))
        job = Job(request, self.clock.monotonic(), LocalTarget(answer), cache_key=None)
        if not self.accepting.is_set():
            self.outbox.deliver([Delivery(job, self._error(request.id, ErrorCode.OVERLOADED, "the agent is stopping"),
                                          False)])
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
            checked = Request.from_dict({"text": query.input}, max_text_chars=self.config.max_text_chars)
        except hermes.HermesError as exc:  # answered on hermes/error/nlu, as Rhasspy's own NLU does
            self._hermes_error(target, b"" if too_big else msg.payload, str(exc))
            return
        except RequestError as exc:  # the same text rules as every other door
            self._hermes_error(target, msg.payload, exc.message)
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
        request = Request(id=key or f"hermes:{uuid.uuid4().hex}", text=checked.text,
                          top_k=max(1, len(self.models.current().labels)))
        self._enqueue(Job(request, self.clock.monotonic(), target, cache_key=key, digest=digest, hermes=query))

    def _hermes_error(self, target: ReplyTarget, payload: bytes, error: str) -> None:
        log.info("refused hermes query: %s", error)
        self.stats.error()
        target.topic = hermes.ERROR_TOPIC
        send(target, dumps(hermes.nlu_error(payload, error)))

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
        self.outbox.deliver(local)


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
