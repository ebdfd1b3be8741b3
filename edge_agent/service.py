"""The agent: loads a bundle, answers requests over MQTT, publishes status and telemetry."""

from __future__ import annotations

import json
import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import devices
from edge_agent import __version__, discovery, hermes
from edge_agent.config import AgentConfig
from edge_agent.dedup import RequestCache, Seen
from edge_agent.messages import Chunk, ErrorResponse, Request, RequestError, decode_request, dumps
from edge_agent.model import LoadedModel, load_model
from edge_agent.mqtt import Connection, Message, Will
from edge_agent.telemetry import Stats
from edge_agent.worker import Job, Worker

log = logging.getLogger(__name__)
SHUTDOWN_DRAIN_S = 10.0


@dataclass
class ReplyTarget:
    conn: Connection
    topic: str
    correlation: bytes | None
    mid: int
    qos: int


class Topics:
    def __init__(self, prefix: str, device_id: str, group: str | None):
        self.request = f"{prefix}/{device_id}/request"
        self.response = f"{prefix}/{device_id}/response"
        self.status = f"{prefix}/{device_id}/status"
        self.telemetry = f"{prefix}/{device_id}/telemetry"
        self.group_request = f"{prefix}/group/{group}/request" if group else None
        self.group_share = f"$share/{group}/{prefix}/group/{group}/request" if group else None


class Agent:
    def __init__(self, config: AgentConfig, model: LoadedModel | None = None):
        self.config = config
        self.topics = Topics(config.prefix, config.device_id, config.group)
        self.profile = devices.get_profile(config.device) if config.device else devices.detect()
        self.model = model
        self.cache = RequestCache(config.dedup_size)
        self.stats = Stats()
        self.jobs: queue.Queue[Job] = queue.Queue(maxsize=config.max_queue)
        self.accepting = threading.Event()
        self.stopped = threading.Event()
        self.main: Connection | None = None
        self.group: Connection | None = None
        self.worker: Worker | None = None
        self._telemetry_thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, connect_timeout: float = 10.0) -> None:
        cfg = self.config
        if self.model is None:
            self.model = load_model(cfg.bundle, threads=cfg.threads or self.profile.threads,
                                    providers=self.profile.ort_providers,
                                    trust_key=Path(cfg.trust_key) if cfg.trust_key else None,
                                    spinning=cfg.ort_spinning)
        if self.model.classifier is not None:
            self.model.classifier.home = cfg.home_entities()
        url = cfg.broker_url()
        if cfg.username:
            url = type(url)(url.host, url.port, url.tls, cfg.username, cfg.password)
        tls: dict[str, Any] = {"ca_file": cfg.ca_file, "cert_file": cfg.cert_file, "key_file": cfg.key_file}
        will = Will(self.topics.status, dumps(self.status_payload("offline")))
        # The device topic keeps a persistent session: requests sent while we are away are served on return.
        self.main = Connection(url, f"edgelm-{cfg.device_id}", cfg.protocol, clean=False,
                               session_expiry_s=cfg.session_expiry_s, keepalive_s=cfg.keepalive_s, will=will,
                               manual_ack=True, **tls)
        self.main.add_handler(
            lambda m: self._on_request(self.main, m) if m.topic == self.topics.request else None)  # type: ignore[arg-type]
        self.main.subscribe(self.topics.request, qos=1)
        self.main.on_connected = lambda present: self._publish_status("online")
        self.worker = Worker(self.model, self.jobs, cfg.device_id, self._deliver, self._send_chunk,
                             max_batch=cfg.max_batch, max_wait_s=cfg.max_wait_ms / 1000.0,
                             on_batch=self.stats.batch)
        self.worker.start()
        self.accepting.set()
        self.main.connect(timeout=connect_timeout)
        if cfg.group:
            # Clean session for the shared subscription: Mosquitto keeps queueing shared messages for an
            # offline persistent member (eclipse/mosquitto#1747), which would stall part of the group.
            self.group = Connection(url, f"edgelm-{cfg.device_id}-group", cfg.protocol, clean=True,
                                    keepalive_s=cfg.keepalive_s, manual_ack=True, **tls)
            self.group.add_handler(
                lambda m: self._on_request(self.group, m) if m.topic == self.topics.group_request else None)  # type: ignore[arg-type]
            self.group.subscribe(self.topics.group_share or "", qos=1)
            self.group.connect(timeout=connect_timeout)
        if cfg.hermes and self.model.classifier is not None:
            # In a group, one member answers each query; alone, the agent takes them all.
            conn = self.group or self.main
            topic = f"$share/{cfg.group}/{hermes.QUERY_TOPIC}" if self.group else hermes.QUERY_TOPIC
            conn.add_handler(lambda m: self._on_hermes(conn, m) if m.topic == hermes.QUERY_TOPIC else None)
            conn.subscribe(topic, qos=1)
        if cfg.discovery:
            birth = f"{cfg.discovery_prefix}/{discovery.BIRTH_TOPIC_SUFFIX}"
            self.main.add_handler(lambda m: self.publish_discovery() if m.topic == birth and m.payload == b"online"
                                  else None)
            self.main.subscribe(birth, qos=0)  # QoS 0: nothing to ack under manual acks
            self.publish_discovery()
        if cfg.telemetry_interval_s > 0:
            self._telemetry_thread = threading.Thread(target=self._telemetry_loop, name="edgelm-telemetry",
                                                      daemon=True)
            self._telemetry_thread.start()
        log.info("agent %s online: %s %s on %s", cfg.device_id, self.model.manifest.name,
                 self.model.manifest.version, self.model.runtime.name)

    def stop(self) -> None:
        """Stop taking requests, finish the batch in flight, publish offline, disconnect."""
        if self.stopped.is_set():
            return
        self.accepting.clear()
        if self.group is not None:
            self.group.unsubscribe(self.topics.group_share or "")
        if self.worker is not None:
            self.worker.stop()
            self.worker.join(SHUTDOWN_DRAIN_S)
        # Requests still queued were never acked: the broker redelivers them to our persistent session.
        if self.main is not None:
            try:
                self.main.publish(self.topics.status, dumps(self.status_payload("offline")), retain=True, wait=True)
            except Exception as exc:  # shutting down anyway
                log.warning("could not publish offline status: %s", exc)
            self.main.disconnect()
        if self.group is not None:
            self.group.disconnect()
        self.stopped.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT stop gracefully. Call before start(): a signal right after `online` must not kill."""
        def handle(signum, frame):
            log.info("signal %s: shutting down", signum)
            threading.Thread(target=self.stop, daemon=True).start()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def serve_forever(self) -> None:
        self.stopped.wait()

    # -- status and telemetry -------------------------------------------------------------
    def model_info(self) -> dict[str, Any]:
        if self.model is None:
            return {}
        m = self.model.manifest
        return {"name": m.name, "version": m.version, "task": m.task, "runtime": self.model.runtime.name,
                "quantization": m.quantization.get("mode")}

    def status_payload(self, state: str) -> dict[str, Any]:
        return {"v": 1, "state": state, "device_id": self.config.device_id, "group": self.config.group,
                "model": self.model_info(), "version": __version__, "ts": round(time.time(), 3)}

    def _publish_status(self, state: str) -> None:
        if self.main is not None:
            self.main.publish(self.topics.status, dumps(self.status_payload(state)), retain=True)

    def discovery_configs(self) -> dict[str, dict]:
        return discovery.sensor_configs(self.config.discovery_prefix, self.config.device_id, self.topics,
                                        self.model_info())

    def publish_discovery(self) -> None:
        if self.main is None:
            return
        for topic, payload in self.discovery_configs().items():
            self.main.publish(topic, dumps(payload), retain=True)
        if self.main.connected.is_set():  # give HA a state at once rather than after one interval
            self.main.publish(self.topics.telemetry, dumps(self.telemetry_payload()), qos=0)

    def telemetry_payload(self) -> dict[str, Any]:
        return self.stats.snapshot(self.jobs.qsize(), self.model_info())

    def _telemetry_loop(self) -> None:
        while not self.stopped.wait(self.config.telemetry_interval_s):
            if self.main is not None and self.main.connected.is_set():
                self.main.publish(self.topics.telemetry, dumps(self.telemetry_payload()), qos=0)

    # -- requests ---------------------------------------------------------------------------
    def _reply_target(self, conn: Connection, msg: Message, reply_to: str | None) -> ReplyTarget:
        topic = msg.response_topic or reply_to or self.topics.response
        return ReplyTarget(conn, topic, msg.correlation_data, msg.mid, msg.qos)

    def _reply_to_hint(self, msg: Message) -> str | None:
        """The payload's reply_to, read leniently so that errors for bad requests still reach the asker."""
        try:
            data = json.loads(msg.payload)
            return data.get("reply_to") if isinstance(data, dict) and isinstance(data.get("reply_to"), str) else None
        except (ValueError, RecursionError):
            return None

    def _on_hermes(self, conn: Connection, msg: Message) -> None:
        if not self.accepting.is_set():
            return
        target = ReplyTarget(conn, hermes.NOT_RECOGNIZED_TOPIC, None, msg.mid, msg.qos)
        try:
            query = hermes.NluQuery.from_payload(msg.payload)
        except hermes.HermesError as exc:
            log.info("ignored hermes query: %s", exc)
            self.stats.error()
            conn.ack(msg.mid, msg.qos)
            return
        key = f"hermes:{query.id or msg.mid}:{query.session_id}"
        seen, _ = self.cache.begin(key, target)
        if seen is not Seen.NEW:  # a repeated query is not answered twice
            self.stats.duplicate()
            if seen is Seen.DONE:
                conn.ack(msg.mid, msg.qos)
            return
        labels = self.model.manifest.labels if self.model else []
        job = Job(Request(id=key, text=query.input[: self.config.max_text_chars], top_k=max(1, len(labels))),
                  time.monotonic(), target=target, hermes=query)
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            self._deliver(job, ErrorResponse(key, "overloaded", "queue full", self.config.device_id), False)

    def hermes_threshold(self) -> float:
        if self.config.hermes_min_confidence >= 0:
            return self.config.hermes_min_confidence
        ood = self.model.manifest.thresholds.get("ood") if self.model else None
        return float(ood) if ood is not None else 0.5

    def _deliver_hermes(self, job: Job, message: Any, remember: bool) -> None:
        scores: dict[str, float] = {}
        slots: list[dict] = []
        if not isinstance(message, ErrorResponse):
            scores = {a["name"]: a["confidence"] for a in message.alternatives}
            slots = message.slots
            self.stats.record(message.latency_ms.total)
        else:
            self.stats.error()
        result = hermes.resolve(job.hermes, scores, self.hermes_threshold(), slots)
        payload = dumps(result.to_dict())
        targets = self.cache.finish(job.request.id, payload, remember=remember)
        for index, target in enumerate(targets):
            if index == 0:
                target.topic = result.topic()
                self._send(target, payload)
            else:  # joined duplicates: acknowledge, do not answer again
                target.conn.ack(target.mid, target.qos)

    def _on_request(self, conn: Connection, msg: Message) -> None:
        if not self.accepting.is_set():
            return  # not acked: redelivered to the persistent session after restart
        arrived = time.monotonic()
        cfg = self.config
        try:
            request = decode_request(msg.payload, cfg.max_payload_bytes, cfg.max_text_chars)
        except RequestError as exc:
            hint = exc.reply_to or (self._reply_to_hint(msg) if len(msg.payload) <= cfg.max_payload_bytes else None)
            target = self._reply_target(conn, msg, hint)
            self.stats.error()
            log.info("rejected request %s: %s (%s)", exc.request_id, exc.code, exc.message)
            self._send(target, dumps(ErrorResponse(exc.request_id, exc.code, exc.message, cfg.device_id)))
            return
        target = self._reply_target(conn, msg, request.reply_to)
        seen, cached = self.cache.begin(request.id, target)
        if seen is Seen.DONE:
            self.stats.duplicate()
            self._send(target, cached or b"")
            return
        if seen is Seen.JOINED:
            self.stats.duplicate()
            return
        job = Job(request, arrived, target=target,
                  expires_at=arrived + msg.expiry_s if msg.expiry_s is not None else None,
                  deadline=request.deadline_epoch())
        if job.expired(arrived, time.time()):
            self._deliver(job, ErrorResponse(request.id, "expired", "request expired before it could run",
                                             cfg.device_id), True)
            return
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            message = ErrorResponse(request.id, "overloaded", f"queue full ({cfg.max_queue}); retry later",
                                    cfg.device_id)
            self._deliver(job, message, False)

    def _deliver(self, job: Job, message: Any, remember: bool) -> None:
        if job.hermes is not None:
            self._deliver_hermes(job, message, remember)
            return
        payload = dumps(message)
        if isinstance(message, ErrorResponse):
            self.stats.error()
        else:
            self.stats.record(message.latency_ms.total)
        for target in self.cache.finish(job.request.id, payload, remember=remember):
            self._send(target, payload)

    def _send_chunk(self, job: Job, chunk: Chunk) -> None:
        target = job.target
        target.conn.publish(target.topic, dumps(chunk), qos=1, correlation_data=target.correlation)

    def _send(self, target: ReplyTarget, payload: bytes) -> None:
        try:
            target.conn.publish(target.topic, payload, qos=1, correlation_data=target.correlation)
        except Exception:  # e.g. an invalid reply topic from the client: log, keep serving
            log.exception("cannot publish reply to %r", target.topic)
        finally:
            # Ack only now: a request whose answer never left is redelivered after a crash.
            target.conn.ack(target.mid, target.qos)
