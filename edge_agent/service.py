"""The agent: loads a bundle, answers requests over MQTT, publishes status and telemetry.

`Agent(config)` builds every part, each with what it needs (edge_agent.wiring): nothing is attached
later. `start()` connects and starts the threads. Start-up order matters: every connection is ready (each
subscription acknowledged) before `online` is published, so a client that waits for `online`, or
publishes as soon as `start()` returns, loses nothing. `stop()` drains in one order: the fronts stop
taking requests, the worker finishes its batch and fails what is still queued, then the stores close."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import devices
from edge_agent import __version__, wiring
from edge_agent.config import AgentConfig
from edge_agent.fronts.discovery_link import DiscoveryLink, DiscoverySource
from edge_agent.fronts.outbox import Once, Outbox
from edge_agent.home.slots import HomeEntities
from edge_agent.home.watch import HomeFileWatcher
from edge_agent.inference.jobs import Clock
from edge_agent.inference.model import LoadedModel
from edge_agent.inference.serving import ModelRegistry, ServingModel
from edge_agent.inference.worker import Worker, WorkerHooks, WorkerSettings
from edge_agent.once.executions_log import ExecutionsLog
from edge_agent.once.group_answers import GroupAnswers
from edge_agent.once.request_cache import RequestCache
from edge_agent.ota.deployer import Deployer
from edge_agent.ota.port import DeployPort
from edge_agent.ota.store import ModelStore
from edge_agent.protocol import hermes
from edge_agent.protocol.messages import dumps
from edge_agent.telemetry import Stats, read_temperature_c
from edge_agent.transport.mqtt import Connection, Hooks, Will
from edge_agent.transport.watchdog import DeliveryWatchdog
from edge_agent.wiring import Topics

__all__ = ["Agent", "Topics"]
log = logging.getLogger(__name__)
SHUTDOWN_DRAIN_S = 10.0


class Agent:
    def __init__(self, config: AgentConfig, model: LoadedModel | None = None, clock: Clock | None = None):
        cfg = self.config = config
        self.clock = clock or Clock()
        self.topics = Topics(cfg.prefix, cfg.device_id, cfg.group)
        self.profile = devices.get_profile(cfg.device) if cfg.device else devices.detect()
        self.home = wiring.home_names(cfg)  # a bad home_file fails here, not on the first request
        self.stats = Stats()
        self.stopped = threading.Event()
        self.announced = threading.Event()  # `online` was published once start-up completed
        self.failed = threading.Event()  # the worker died: the process must exit non-zero and be restarted
        self.start_note: str | None = None  # why start-up fell back from the deployed version
        self.model_store = ModelStore(Path(cfg.state_dir)) if cfg.state_dir else None
        self.ota = wiring.deploy_settings(cfg, self.profile)
        self.models = ModelRegistry()
        if model is None:
            served, self.start_note = wiring.start_model(self.config, self.model_store, self.load_bundle, self.serving)
        else:
            served = self.serving(model)
        self.models.swap(served)
        self.main = self._device_connection()
        self.group = wiring.connection(cfg, f"edgelm-{cfg.device_id}-group", True, None, self._hooks()) \
            if cfg.group else None
        cache = RequestCache(cfg.dedup_size)
        self.answers = wiring.answer_store(cfg)
        kept = self.answers.load()
        cache.restore(kept)
        if self.answers.path is not None:
            log.info("%d answers kept from before in %s", len(kept), self.answers.path)
        self.group_answers = GroupAnswers(self.group, self.topics.group_answers or "", cfg.device_id, cache,
                                          lambda: self.stats.error("request"),
                                          lambda: self.stats.error("share")) if self.group else None
        once = Once(cache, self.answers, self.group_answers, ExecutionsLog(cfg.executions_log))
        self.outbox = Outbox(wiring.limits(cfg), self.models, self.stats, once)
        self.router = wiring.router(cfg, self.models, self.stats, self.topics, self.outbox, self.clock)
        self.deployer = self._deployer()
        self.worker = Worker(self.models, self.router.jobs, self.outbox,
                             WorkerSettings(cfg.device_id, cfg.max_wait_ms / 1000.0, self.clock),
                             hooks=WorkerHooks(self.stats.batch, self.deployer.observe if self.deployer else
                                               WorkerHooks.on_result, self._worker_died))
        self.watchdogs = [DeliveryWatchdog(conn, f"{self.topics.watchdog}/{name}", cfg.delivery_check_s,
                                           lambda: self.stats.error("stalled"))
                          for conn, name in ((self.main, "main"), (self.group, "group"))
                          if conn is not None and cfg.delivery_check_s > 0]
        source = DiscoverySource(self.model_info, read_temperature_c() is not None, self._publish_telemetry,
                                 cfg.discovery_birth_wait_s)
        self.discovery = DiscoveryLink(self.main, cfg.discovery_prefix, cfg.device_id, self.topics,
                                       source) if cfg.discovery else None
        self.wyoming = wiring.wyoming(cfg, self.router.submit_local, lambda: self.model.manifest, self._home)
        self.home_watch = HomeFileWatcher(Path(cfg.home_file), lambda: wiring.home_names(cfg), self.models.rehome,
                                          cfg.home_reload_s) if cfg.home_file else None
        self._leave_group = self._subscribe()

    @property
    def model(self) -> ServingModel:
        return self.models.current()

    def _home(self) -> HomeEntities:
        """The home the model is serving now (a reloaded home_file changes it)."""
        classifier = self.models.current().classifier
        return classifier.home if classifier is not None else self.home

    def serving(self, loaded: LoadedModel) -> ServingModel:
        return ServingModel.build(loaded, self.config.max_batch, self.home)

    def load_bundle(self, path: str | Path) -> LoadedModel:
        return wiring.load_bundle(self.config, self.profile, path)

    # -- construction -------------------------------------------------------------------------
    def _hooks(self, on_ready: Callable[[], None] = Hooks.on_ready) -> Hooks:
        return Hooks(on_ready=on_ready, on_callback_error=lambda exc: self.stats.error("callback"))

    def _device_connection(self) -> Connection:
        # The device topic keeps a persistent session: requests sent while we are away are served on return.
        # Reconnections announce themselves once ready; the first one waits for every connection.
        will = Will(self.topics.status, dumps(self.status_payload("offline")))
        return wiring.connection(self.config, f"edgelm-{self.config.device_id}", False, will,
                                 self._hooks(lambda: self._publish_status("online") if self.announced.is_set() else None))

    def _deployer(self) -> Deployer | None:
        if self.model_store is None:
            return None
        port = DeployPort(self.models, self.load_bundle, self.serving, self._publish_retained,
                          self.model_changed, self.model_info, self.stats.error)
        return Deployer(port, self.ota, self.model_store)

    def _publish_retained(self, topic: str, payload: bytes, retain: bool) -> None:
        self.main.publish(topic, payload, retain=retain)

    def _subscribe(self) -> Callable[[], None]:
        """Every subscription, made before connecting; returns what leaves the group's request topic."""
        cfg, deployer = self.config, self.deployer
        wiring.subscribe_requests(self.router, self.main, self.topics.request)
        if deployer is not None:
            for topic in self.topics.deploy:
                self.main.subscribe(topic, lambda m: deployer.on_message(self.main, m), qos=1)
        leave_group = lambda: None  # noqa: E731
        if self.group is not None and self.group_answers is not None:
            self.group_answers.subscribe()
            leave_group = wiring.subscribe_requests(self.router, self.group, self.topics.group_share or "")
        if cfg.hermes and self.model.classifier is not None:
            # In a group, one member answers each query; alone, the agent takes them all.
            conn = self.group or self.main
            topic = f"$share/{cfg.group}/{hermes.QUERY_TOPIC}" if self.group else hermes.QUERY_TOPIC
            conn.subscribe(topic, lambda m: self.router.on_hermes(conn, m), qos=1)
        return leave_group

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, connect_timeout: float | None = None) -> None:
        """Connect and announce `online`. connect_timeout None: wait for the broker as long as it takes."""
        cfg = self.config
        self.worker.start()
        self.router.accepting.set()
        if self.wyoming is not None:
            self.wyoming.start()
        if self.home_watch is not None:
            self.home_watch.start()
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
            threading.Thread(target=self._telemetry_loop, name="edgelm-telemetry", daemon=True).start()
        self._log_online()

    def _log_online(self) -> None:
        info = self.model.info
        got = list(self.model.loaded.runtime.providers)
        log.info("agent %s online: %s %s on %s, execution providers %s", self.config.device_id, info["name"],
                 info["version"], info["runtime"], ", ".join(got) or "-")
        wanted = self.profile.ort_providers if info["runtime"] == "onnxruntime" else []
        missing = [p for p in wanted if p not in got]
        if missing:  # e.g. a Jetson without NVIDIA's onnxruntime-gpu: it runs, but on the CPU
            log.warning("profile %s asks for %s, which this onnxruntime does not offer; running on %s",
                        self.profile.name, ", ".join(missing), ", ".join(got))

    def _start_deployer(self) -> None:
        deployer = self.deployer
        if deployer is None:
            log.info("over-the-air updates are off: no state_dir to stage them in")
            return
        deployer.store.boot_done()  # online: this version is no crash loop
        if not deployer.settings.enabled:
            log.info("over-the-air updates are off: no trust_key (set allow_unsigned_ota = true to accept unsigned)")
        elif deployer.settings.trust_key is None:
            log.warning("over-the-air updates accept UNSIGNED bundles (allow_unsigned_ota = true): anyone who can "
                        "publish to the deploy topics can replace the model")
        deployer.resume(self.start_note)  # a deploy a crash interrupted gets its final status
        deployer.start()

    def model_changed(self) -> None:
        """A deploy or rollback swapped the model: status, telemetry and discovery show the new one."""
        self._publish_status("online")
        self._publish_telemetry()

    def stop(self) -> None:
        """Stop the fronts, let the worker finish its batch and fail what is queued, publish offline,
        disconnect, then close the stores."""
        if self.stopped.is_set():
            return
        self.router.accepting.clear()
        if self.wyoming is not None:
            self.wyoming.stop()
        if self.home_watch is not None:
            self.home_watch.stop()
        if self.discovery is not None:
            self.discovery.stop()
        self._leave_group()
        if self.deployer is not None:
            self.deployer.stop()
        drained = self._drain_worker()
        if drained:
            self.outbox.drain()  # answers held for the group's acknowledgement leave before we disconnect
        # Requests still queued were never acked: the broker redelivers them to our persistent session.
        self._sign_off("offline")
        if drained:
            self.outbox.close()
        else:  # the batch in flight may still store answers: leave the files to the process's exit
            log.error("the worker did not finish within %.0f s; the answer store stays open", SHUTDOWN_DRAIN_S)

    def _drain_worker(self) -> bool:
        """True once the worker thread has ended (or never started)."""
        self.worker.stop()
        if self.worker.ident is None:
            return True
        self.worker.join(SHUTDOWN_DRAIN_S)
        self.router.fail_queued("the agent is stopping")
        return not self.worker.is_alive()

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
        deploy = {"enabled": self.model_store is not None and self.ota.enabled,
                  "max_chunk_bytes": self.config.max_payload_bytes}  # what `edgelm deploy` may send per chunk
        return {"v": 1, "state": state, "device_id": self.config.device_id, "group": self.config.group,
                "model": self.model_info(), "version": __version__, "deploy": deploy, "ts": round(time.time(), 3)}

    def _publish_status(self, state: str) -> None:
        self.main.publish(self.topics.status, dumps(self.status_payload(state)), retain=True)

    def telemetry_payload(self) -> dict[str, Any]:
        return {**self.stats.snapshot(self.router.jobs.qsize(), self.model_info()),
                "interval_s": self.config.telemetry_interval_s}

    def _publish_telemetry(self) -> None:
        """Retained, so a new subscriber (Home Assistant after a restart) has a state at once; its `ts`
        and `interval_s` tell how fresh it is."""
        if self.main.connected.is_set():
            self.main.publish(self.topics.telemetry, dumps(self.telemetry_payload()), qos=0, retain=True)

    def _telemetry_loop(self) -> None:
        while not self.stopped.wait(self.config.telemetry_interval_s):
            self._publish_telemetry()
