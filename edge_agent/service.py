"""The agent: loads a bundle, answers requests over MQTT, publishes status and telemetry.

Start-up order matters: every connection is ready (each subscription acknowledged) before `online` is
published, so a client that waits for `online`, or publishes as soon as `start()` returns, loses nothing."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import devices
from edge_agent import __version__
from edge_agent.config import AgentConfig, WyomingUri
from edge_agent.fronts.discovery_link import DiscoveryLink
from edge_agent.fronts.router import Router
from edge_agent.home.watch import HomeFileWatcher
from edge_agent.inference.model import LoadedModel, load_model
from edge_agent.inference.serving import ModelRegistry, ServingModel
from edge_agent.inference.worker import Worker
from edge_agent.once.answer_store import AnswerStore
from edge_agent.once.group_answers import GroupAnswers
from edge_agent.ota.deployer import Deployer
from edge_agent.ota.wire import State
from edge_agent.protocol import hermes
from edge_agent.protocol.messages import dumps
from edge_agent.protocol.reply_policy import sender_of
from edge_agent.telemetry import Stats, read_temperature_c
from edge_agent.transport.mqtt import Connection, Session, TlsFiles, Will
from edge_agent.transport.watchdog import DeliveryWatchdog

if TYPE_CHECKING:
    from edge_agent.fronts.wyoming_server import WyomingServer

log = logging.getLogger(__name__)
SHUTDOWN_DRAIN_S = 10.0
PACKET_HEADROOM_BYTES = 4096  # topic and properties around a payload of max_payload_bytes


class Topics:
    def __init__(self, prefix: str, device_id: str, group: str | None):
        self.request = f"{prefix}/{device_id}/request"
        self.response = f"{prefix}/{device_id}/response"
        self.status = f"{prefix}/{device_id}/status"
        self.telemetry = f"{prefix}/{device_id}/telemetry"
        self.watchdog = f"{prefix}/{device_id}/watchdog"  # the agent's own delivery probes
        self.group_share = f"$share/{group}/{prefix}/group/{group}/request" if group else None
        # every member of a group gets its deploys (a plain subscription, not a shared one)
        self.deploy = [f"{prefix}/{device_id}/deploy"] + ([f"{prefix}/group/{group}/deploy"] if group else [])


class Agent:
    def __init__(self, config: AgentConfig, model: LoadedModel | None = None):
        self.config = config
        self.topics = Topics(config.prefix, config.device_id, config.group)
        self.profile = devices.get_profile(config.device) if config.device else devices.detect()
        self.models = ModelRegistry()
        if model is not None:
            self.models.swap(self.serving(model))
        self.stats = Stats()
        self.router = Router(config, self.models, self.stats, self.topics.response)
        self.stopped = threading.Event()
        self.announced = threading.Event()  # `online` was published once start-up completed
        self.failed = threading.Event()  # the worker died: the process must exit non-zero and be restarted
        self.main: Connection | None = None
        self.group: Connection | None = None
        self.worker: Worker | None = None
        self._leave_group: Callable[[], None] = lambda: None
        self.watchdogs: list[DeliveryWatchdog] = []
        self.discovery: DiscoveryLink | None = None
        self._telemetry_thread: threading.Thread | None = None
        self.deployer: Deployer | None = None
        self.wyoming: WyomingServer | None = None
        self.home_watch: HomeFileWatcher | None = None
        self.start_note: str | None = None  # why start-up fell back from the deployed version

    @property
    def model(self) -> ServingModel:
        return self.models.current()

    def serving(self, loaded: LoadedModel) -> ServingModel:
        return ServingModel.build(loaded, self.config.max_batch, self.config.home_entities())

    def load_bundle(self, path: str | Path) -> LoadedModel:
        cfg = self.config
        return load_model(path, threads=cfg.threads or self.profile.threads, providers=self.profile.ort_providers,
                          trust_key=Path(cfg.trust_key) if cfg.trust_key else None, spinning=cfg.ort_spinning)

    def load(self) -> ServingModel:
        """The deployed `current` version where there is one (state_dir/models), else the configured bundle."""
        if self.deployer is None:
            return self.serving(self.load_bundle(self.config.bundle))
        path, self.start_note = self.deployer.store.start_bundle(Path(self.config.bundle))
        try:
            return self.serving(self.load_bundle(path))
        except Exception as exc:
            if path == Path(self.config.bundle):
                raise
            self.start_note = f"{path} does not load: {exc}"
            log.error("%s; loading %s", self.start_note, self.config.bundle)
            self.deployer.store.reject(path, self.start_note)
            self.deployer.store.switch_back(Path(self.config.bundle))
            return self.serving(self.load_bundle(self.config.bundle))

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, connect_timeout: float | None = None) -> None:
        """Load, connect and announce `online`. connect_timeout None: wait for the broker as long as it takes."""
        cfg = self.config
        if cfg.state_dir:
            self.deployer = Deployer(self)
        if not self.models.loaded():
            self.models.swap(self.load())
        self._open_answer_store()
        self.worker = Worker(self.models, self.router.jobs, cfg.device_id, self.router,
                             max_wait_s=cfg.max_wait_ms / 1000.0, on_batch=self.stats.batch, on_exit=self._worker_died)
        if self.deployer is not None:
            self.worker.on_result = self.deployer.observe  # the health gate watches a new version's answers
        self.worker.start()
        self.router.accepting.set()
        self._start_wyoming()
        if cfg.home_file:
            self.home_watch = HomeFileWatcher(cfg, self.models, cfg.home_reload_s)
            self.home_watch.start()
        self.main = self._device_connection()
        self.group = self._group_connection() if cfg.group else None
        for conn, name in ((self.main, "main"), (self.group, "group")):
            if conn is not None:
                conn.on_callback_error = lambda exc: self.stats.error("callback")
                if cfg.delivery_check_s > 0:
                    self.watchdogs.append(DeliveryWatchdog(conn, f"{self.topics.watchdog}/{name}",
                                                           cfg.delivery_check_s, lambda: self.stats.error("stalled")))
        if cfg.hermes and self.model.classifier is not None:
            # In a group, one member answers each query; alone, the agent takes them all.
            conn = self.group or self.main
            topic = f"$share/{cfg.group}/{hermes.QUERY_TOPIC}" if self.group else hermes.QUERY_TOPIC
            conn.subscribe(topic, lambda m: self.router.on_hermes(conn, m), qos=1)
        if cfg.discovery:
            self.discovery = DiscoveryLink(self.main, cfg.discovery_prefix, cfg.device_id, self.topics,
                                           self.model_info, read_temperature_c() is not None)
            self.discovery.on_birth = self._publish_telemetry
        # Reconnections announce themselves once ready; the first one waits for every connection.
        self.main.on_ready = lambda: self._publish_status("online") if self.announced.is_set() else None
        self.main.connect(timeout=connect_timeout)
        if self.group is not None:
            self.group.connect(timeout=connect_timeout)
        if self.discovery is not None:
            self.discovery.publish()
            self._publish_telemetry()  # retained: HA shows values at once, not after one interval
        self._publish_status("online")
        self.announced.set()
        self._start_deployer()
        for watchdog in self.watchdogs:
            watchdog.start()
        if cfg.telemetry_interval_s > 0:
            self._telemetry_thread = threading.Thread(target=self._telemetry_loop, name="edgelm-telemetry",
                                                      daemon=True)
            self._telemetry_thread.start()
        info = self.model.info
        got = list(self.model.loaded.runtime.providers)
        log.info("agent %s online: %s %s on %s, execution providers %s", cfg.device_id, info["name"], info["version"],
                 info["runtime"], ", ".join(got) or "-")
        wanted = self.profile.ort_providers if info["runtime"] == "onnxruntime" else []
        missing = [p for p in wanted if p not in got]
        if missing:  # e.g. a Jetson without NVIDIA's onnxruntime-gpu: it runs, but on the CPU
            log.warning("profile %s asks for %s, which this onnxruntime does not offer; running on %s",
                        self.profile.name, ", ".join(missing), ", ".join(got))

    def _start_wyoming(self) -> None:
        """Home Assistant's Assist asks here (wyoming_uri); same worker queue, same model."""
        cfg = self.config
        if not cfg.wyoming_uri:
            return
        from edge_agent.fronts.wyoming_server import WyomingServer, service_info

        self.wyoming = WyomingServer(WyomingUri.parse(cfg.wyoming_uri), self.router.submit_local,
                                     lambda: service_info(self.model.manifest, cfg.device_id, __version__),
                                     zeroconf_name=f"edgelm-{cfg.device_id}" if cfg.wyoming_zeroconf else None)
        self.wyoming.start()

    def _start_deployer(self) -> None:
        deployer = self.deployer
        if deployer is None:
            log.info("over-the-air updates are off: no state_dir to stage them in")
            return
        deployer.store.boot_done()  # online: this version is no crash loop
        if not deployer.enabled:
            log.info("over-the-air updates are off: no trust_key (set allow_unsigned_ota = true to accept unsigned)")
        elif deployer.trust_key is None:
            log.warning("over-the-air updates accept UNSIGNED bundles (allow_unsigned_ota = true): anyone who can "
                        "publish to the deploy topics can replace the model")
        deployer.start()
        if self.start_note:
            deployer.publish(State.ROLLED_BACK, reason=self.start_note)

    def model_changed(self) -> None:
        """A deploy or rollback swapped the model: status, telemetry and discovery show the new one."""
        self._publish_status("online")
        self._publish_telemetry()

    def _open_answer_store(self) -> None:
        """Answers from before a restart, so a redelivered request is answered, not run again."""
        cfg = self.config
        if not cfg.state_dir or self.router.store is not None:
            return
        store = AnswerStore(Path(cfg.state_dir) / f"answers-{cfg.device_id}.log", cfg.dedup_size)
        kept = store.load()
        self.router.cache.restore(kept)
        self.router.store = store
        log.info("%d answers kept from before in %s", len(kept), store.path)

    def _connection(self, client_id: str, clean: bool, will: Will | None = None) -> Connection:
        cfg = self.config
        url = cfg.broker_url()
        if cfg.username:
            url = type(url)(url.host, url.port, url.tls, cfg.username, cfg.password)
        session = Session(clean, 0 if clean else cfg.session_expiry_s, cfg.keepalive_s,
                          cfg.max_payload_bytes + PACKET_HEADROOM_BYTES)
        return Connection(url, client_id, cfg.protocol, session, will=will,
                          tls=TlsFiles(cfg.ca_file, cfg.cert_file, cfg.key_file), manual_ack=True)

    def _device_connection(self) -> Connection:
        # The device topic keeps a persistent session: requests sent while we are away are served on return.
        will = Will(self.topics.status, dumps(self.status_payload("offline")))
        conn = self._connection(f"edgelm-{self.config.device_id}", clean=False, will=will)
        self._subscribe_requests(conn, self.topics.request)
        deployer = self.deployer
        if deployer is not None:
            for topic in self.topics.deploy:
                conn.subscribe(topic, lambda m: deployer.on_message(conn, m), qos=1)
        return conn

    def _subscribe_requests(self, conn: Connection, topic: str) -> Callable[[], None]:
        """The plain request topic and `<topic>/<sender>` (answered under <prefix>/reply/<sender>/)."""
        base = topic.split("/", 2)[2] if topic.startswith("$share/") else topic
        plain = conn.subscribe(topic, lambda m: self.router.on_request(conn, m), qos=1)
        by_sender = conn.subscribe(f"{topic}/+", lambda m: self.router.on_request(conn, m, sender_of(m.topic, base)),
                                   qos=1)

        def unsubscribe() -> None:
            plain()
            by_sender()
        return unsubscribe

    def _group_connection(self) -> Connection:
        # Clean session for the shared subscription: Mosquitto keeps queueing shared messages for an
        # offline persistent member (eclipse/mosquitto#1747), which would stall part of the group.
        cfg = self.config
        conn = self._connection(f"edgelm-{cfg.device_id}-group", clean=True)
        self.router.group = GroupAnswers(conn, f"{cfg.prefix}/group/{cfg.group}/answers", cfg.device_id,
                                         self.router.cache, lambda: self.stats.error("request"))
        self.router.group.subscribe()
        self._leave_group = self._subscribe_requests(conn, self.topics.group_share or "")
        return conn

    def stop(self) -> None:
        """Stop taking requests, finish the batch in flight, publish offline, disconnect."""
        if self.stopped.is_set():
            return
        self.router.accepting.clear()
        if self.wyoming is not None:
            self.wyoming.stop()
        if self.home_watch is not None:
            self.home_watch.stop()
        if self.group is not None:
            self._leave_group()
        if self.deployer is not None:
            self.deployer.stop()
        if self.worker is not None:
            self.worker.stop()
            self.worker.join(SHUTDOWN_DRAIN_S)
        # Requests still queued were never acked: the broker redelivers them to our persistent session.
        self._sign_off("offline")
        self.router.close()

    def _worker_died(self) -> None:
        """The inference thread ended on its own: say `degraded` (retained, and disconnect cleanly so the
        Last Will does not overwrite it) and end serve_forever, so that the CLI exits non-zero."""
        log.critical("the inference worker stopped; exiting so the service manager restarts the agent")
        self.failed.set()
        self.router.accepting.clear()
        self._sign_off("degraded")

    def _sign_off(self, state: str) -> None:
        """Publish the last retained status, disconnect cleanly (no Last Will) and end serve_forever."""
        for watchdog in self.watchdogs:
            watchdog.stop()
        if self.main is not None:
            try:
                self.main.publish(self.topics.status, dumps(self.status_payload(state)), retain=True, wait=True)
            except Exception as exc:  # going down anyway
                log.warning("could not publish %s status: %s", state, exc)
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
        return self.models.current().info if self.models.loaded() else {}

    def status_payload(self, state: str) -> dict[str, Any]:
        deploy = {"enabled": bool(self.deployer and self.deployer.enabled),
                  "max_chunk_bytes": self.config.max_payload_bytes}  # what `edgelm deploy` may send per chunk
        return {"v": 1, "state": state, "device_id": self.config.device_id, "group": self.config.group,
                "model": self.model_info(), "version": __version__, "deploy": deploy, "ts": round(time.time(), 3)}

    def _publish_status(self, state: str) -> None:
        if self.main is not None:
            self.main.publish(self.topics.status, dumps(self.status_payload(state)), retain=True)

    def telemetry_payload(self) -> dict[str, Any]:
        return {**self.stats.snapshot(self.router.jobs.qsize(), self.model_info()),
                "interval_s": self.config.telemetry_interval_s}

    def _publish_telemetry(self) -> None:
        """Retained, so a new subscriber (Home Assistant after a restart) has a state at once; its `ts`
        and `interval_s` tell how fresh it is."""
        if self.main is not None and self.main.connected.is_set():
            self.main.publish(self.topics.telemetry, dumps(self.telemetry_payload()), qos=0, retain=True)

    def _telemetry_loop(self) -> None:
        while not self.stopped.wait(self.config.telemetry_interval_s):
            self._publish_telemetry()
