"""The inference worker: drains the request queue in micro-batches and turns results into messages.

It reads the model registry once per batch, so a model swapped in between two batches serves the next
one while the batch in flight finishes on the model it started with."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.inference.jobs import Answer, Clock, Delivery, Job, Replies, ReplyTarget
from edge_agent.inference.reading import agent_reading
from edge_agent.inference.serving import ModelRegistry, ServingModel
from edge_agent.protocol.messages import Chunk, ErrorCode, ErrorResponse, Latency, Response

log = logging.getLogger(__name__)
DEFAULT_MAX_NEW_TOKENS = 32
IDLE_POLL_S = 0.1


def _nothing(*args: object) -> None:
    pass


@dataclass(frozen=True)
class WorkerHooks:
    on_batch: Callable[[int], None] = _nothing  # each batch's size (telemetry)
    # each batch's answers with the model that gave them (the OTA health gate)
    on_result: Callable[[ServingModel, list[Delivery]], None] = _nothing
    on_exit: Callable[[], None] = _nothing  # the thread ended without being stopped: the agent must restart


@dataclass(frozen=True)
class WorkerSettings:
    device_id: str  # named in error answers
    max_wait_s: float = 0.002  # how long a batch waits to fill once its first request is in
    clock: Clock = Clock()


class Worker(threading.Thread):
    def __init__(self, models: ModelRegistry, jobs: queue.Queue[Job], replies: Replies, settings: WorkerSettings,
                 hooks: WorkerHooks | None = None):
        super().__init__(name="edgelm-worker", daemon=True)
        self.models = models
        self.jobs = jobs
        self.device_id = settings.device_id
        self.replies = replies
        self.max_wait_s = settings.max_wait_s
        self.clock = settings.clock
        self.hooks = hooks or WorkerHooks()
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def _collect(self, max_batch: int) -> list[Job]:
        try:
            first = self.jobs.get(timeout=IDLE_POLL_S)
        except queue.Empty:
            return []
        batch = [first]
        until = time.monotonic() + self.max_wait_s
        while len(batch) < max_batch:
            remaining = until - time.monotonic()
            try:  # take what is already queued without waiting, then wait out the window
                batch.append(self.jobs.get_nowait() if remaining <= 0 else self.jobs.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self._step()
        finally:
            if not self.stopping.is_set():
                self.hooks.on_exit()

    def _step(self) -> None:
        batch = self._collect(self.models.max_batch)
        if not batch:
            return
        # Read once the batch is in, not before the wait for it: a model swapped in while the worker was
        # idle serves the very next request. The whole batch runs on the model read here.
        with self.models.batch() as model:
            for start in range(0, len(batch), model.max_batch):
                part = batch[start:start + model.max_batch]
                try:
                    self.process(part, model)
                except Exception:  # the loop never dies of one batch: whatever is unanswered gets 'internal'
                    log.exception("batch failed outside inference")
                    self._safe_deliver([Delivery(job, self._error(job, ErrorCode.INTERNAL,
                                                                  "the agent failed on this request"), False)
                                        for job in part])

    def process(self, batch: list[Job], model: ServingModel) -> None:
        now_mono, now_wall = self.clock.monotonic(), self.clock.wall()
        deliveries, live = [], []
        for job in batch:
            if job.expired(now_mono, now_wall):
                deliveries.append(Delivery(job, self._error(job, ErrorCode.EXPIRED, "request expired before it could run"),
                                           True))
            else:
                live.append(job)
        if live:
            self.hooks.on_batch(len(live))
            answered = [Delivery(job, answer, not isinstance(answer, ErrorResponse))
                        for job, answer in self._answers(live, model)]
            self.hooks.on_result(model, answered)
            deliveries += answered
        self._safe_deliver(deliveries)  # one hand-over per batch: its answers are stored with one fsync

    def _answers(self, jobs: list[Job], model: ServingModel) -> list[tuple[Job, Answer]]:
        """Answers for a batch; when the batch fails, each request alone, so only a bad one gets 'internal'."""
        try:
            if model.is_generator:
                return [(job, self._generate(job, model)) for job in jobs]
            return list(zip(jobs, self._classify(jobs, model)))
        except Exception as exc:
            if len(jobs) > 1:
                log.warning("batch of %d failed (%s); running each request alone", len(jobs), type(exc).__name__)
                return [pair for job in jobs for pair in self._answers([job], model)]
            log.exception("inference failed")
            return [(jobs[0], self._error(jobs[0], ErrorCode.INTERNAL, f"inference failed: {type(exc).__name__}"))]

    def _safe_deliver(self, deliveries: list[Delivery]) -> None:
        if not deliveries:
            return
        try:
            self.replies.deliver(deliveries)
        except Exception:  # the answers could not leave: acknowledge, so they are not redelivered forever
            log.exception("could not deliver %d answers", len(deliveries))
            for delivery in deliveries:
                target = delivery.job.target
                if isinstance(target, ReplyTarget):
                    target.conn.ack(target.mid, target.qos)

    def _error(self, job: Job, code: ErrorCode, message: str) -> ErrorResponse:
        return ErrorResponse(job.request.id, code, message, device_id=self.device_id)

    def _classify(self, jobs: list[Job], model: ServingModel) -> list[Response]:
        classifier = model.classifier
        assert classifier is not None
        ood_threshold, margin = model.ood_threshold, model.opposite_margin
        start = self.clock.monotonic()
        predictions = classifier.predict([j.request.text for j in jobs])
        done = self.clock.monotonic()
        out = []
        for job, pred in zip(jobs, predictions):
            ranked = pred.top(classifier.labels, job.request.top_k)
            # an out-of-domain sentence (its class, or too unsure) has no intent and no slots; nor has one
            # where acting could be the opposite of what was asked, or was not asked at all (reading.py)
            reading = agent_reading(job.request.text, pred, classifier, ood_threshold, margin)
            intent = {"name": reading.intent, "confidence": round(pred.confidence, 6)} if reading.known else None
            out.append(Response(
                id=job.request.id, device_id=self.device_id, model=model.reply_info,
                intent=intent, slots=reading.slots, alternatives=ranked,
                latency_ms=_latency(job.arrived, start, done), abstained=reading.abstained,
                source="template" if pred.source == "template" and reading.known else None))
        return out

    def _generate(self, job: Job, model: ServingModel) -> Response:
        generator = model.generator
        assert generator is not None
        req = job.request
        start = self.clock.monotonic()

        def stream(index: int, delta: str) -> None:
            self.replies.send_chunk(job, Chunk(req.id, index, delta))

        result = generator.generate(req.text, max_new_tokens=req.max_new_tokens or DEFAULT_MAX_NEW_TOKENS,
                                    temperature=req.temperature, sample_top_k=req.sample_top_k, seed=req.seed,
                                    on_token=stream if req.stream else None)
        if req.stream:
            self.replies.send_chunk(job, Chunk(req.id, len(result.tokens), "", done=True))
        done = self.clock.monotonic()
        return Response(id=req.id, device_id=self.device_id, model=model.reply_info, text=result.text,
                        tokens=result.tokens, latency_ms=_latency(job.arrived, start, done))


def _latency(arrived: float, start: float, done: float) -> Latency:
    return Latency(queue=round((start - arrived) * 1000, 3), inference=round((done - start) * 1000, 3),
                   total=round((done - arrived) * 1000, 3))
