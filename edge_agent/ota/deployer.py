"""The agent's side of a deploy: one thread takes the deploy topics' messages in order, stages chunks,
verifies the bundle, swaps it in, runs the health gate and rolls back. Every outcome is published on
`<prefix>/ID/deploy/status`; final ones retained, so the last deploy's result is there for anyone."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from pathlib import Path

from edge_agent.inference.bundle import BundleError, open_bundle
from edge_agent.inference.runtime import RuntimeUnavailable
from edge_agent.inference.serving import ServingModel
from edge_agent.ota import checks, wire
from edge_agent.ota.health import HealthGate
from edge_agent.ota.journal import APPLIED, RECEIVING, VERIFYING, DeployJournal, Entry
from edge_agent.ota.phases import Receiving, Trial
from edge_agent.ota.port import DeployPort, DeploySettings
from edge_agent.ota.staging import Transfer, discard_stale
from edge_agent.ota.store import ModelStore
from edge_agent.ota.swap import Swapped, model_bytes, swap_in
from edge_agent.ota.unpack import MANIFEST_ROOM_BYTES
from edge_agent.ota.wire import Begin, ChunkHeader, Commit, DeployError, DeployStatus, State
from edge_agent.protocol.messages import dumps
from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)
STALE_CHECK_S = 60.0
DEPLOY_NICE = 10  # loading and checking a new model must not slow the requests served meanwhile


class Deployer(threading.Thread):
    def __init__(self, port: DeployPort, settings: DeploySettings, store: ModelStore):
        super().__init__(name="edgelm-deploy", daemon=True)
        self.port = port
        self.settings = settings
        self.store = store
        self.journal = DeployJournal(store.root)
        self.status_topic = f"{settings.prefix}/{settings.device_id}/deploy/status"
        self.inbox: queue.Queue[tuple] = queue.Queue()
        self.receiving: Receiving | None = None
        self.trial: Trial | None = None
        self.stopping = threading.Event()

    # -- called from other threads -------------------------------------------------------------
    def on_message(self, conn: Connection, msg: Message) -> None:
        # Acknowledged at once: requests queue behind unacknowledged messages in the broker's in-flight
        # window. The sender's credit (acked in the progress) bounds what waits here; a chunk lost in a
        # crash is sent again (the transfer's record never claims an unwritten chunk).
        conn.ack(msg.mid, msg.qos)
        if msg.retain:  # a retained deploy would run again at every start
            log.warning("ignoring a retained deploy message on %s", msg.topic)
            return
        self.inbox.put(("message", conn, msg))

    def observe(self, model: ServingModel, deliveries: list) -> None:
        trial = self.trial
        if trial is not None:
            trial.gate.observe(model, deliveries)

    def stop(self) -> None:
        self.stopping.set()

    # -- the deploy thread -------------------------------------------------------------------------
    def run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # this thread only (Linux); its ORT threads inherit it
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DEPLOY_NICE)
        next_stale_check = 0.0
        while not self.stopping.is_set():
            if time.monotonic() >= next_stale_check:
                self._discard_stale()
                next_stale_check = time.monotonic() + min(STALE_CHECK_S, self.settings.partial_timeout_s / 2)
            try:
                item = self.inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._handle(item)
            except Exception:  # a bug: say so, keep the thread (and the agent) alive
                log.exception("deploy handling failed")
                self.port.count_error("deploy")

    def _handle(self, item: tuple) -> None:
        if item[0] == "verdict":
            self._verdict(item[1], item[2])
            return
        _, conn, msg = item
        deploy_id = None
        try:
            message, data = wire.decode(msg.payload)
            deploy_id = message.deploy_id
            if isinstance(message, Commit):
                self._commit(message)
            elif isinstance(message, ChunkHeader):
                self._chunk(message, data)
            else:
                self._begin(message)
        except DeployError as exc:
            log.warning("deploy %s refused: %s", deploy_id, exc)
            self.publish(State.REFUSED, deploy_id=deploy_id, reason=str(exc))
        except Exception as exc:
            log.exception("deploy %s failed", deploy_id)
            self.publish(State.FAILED, deploy_id=deploy_id, reason=f"{type(exc).__name__}: {exc}")

    def _discard_stale(self) -> None:
        timeout_s = self.settings.partial_timeout_s
        for path in discard_stale(self.store.root, timeout_s):
            log.info("discarded %s: no chunk for %ss", path, timeout_s)
            if self.receiving is not None and self.receiving.transfer.dir == path:
                self.receiving.transfer.close()
                self.receiving = None

    # -- receiving ---------------------------------------------------------------------------------
    def _begin(self, begin: Begin) -> None:
        if not self.settings.enabled:
            raise DeployError("over-the-air updates are off on this agent: configure trust_key "
                              "(or allow_unsigned_ota = true)")
        if not begin.signed and self.settings.trust_key is not None:
            raise DeployError("the bundle is not signed and this agent requires signed bundles (trust_key)")
        running = self.port.models.current().manifest
        checks.version(begin, begin.name, begin.version, running, self.settings)
        checks.fit(begin.device, begin.runtime, begin.model_bytes, self.settings)
        checks.disk(begin, self.store.root)
        self._discard_stale()
        if self.receiving is not None:  # one transfer at a time; the other's partial stays resumable
            self.receiving.transfer.save()
            self.receiving.transfer.close()
        self.receiving = Receiving(Transfer.open(self.store.root, begin))
        self.journal.write(Entry(begin.deploy_id, begin.name, begin.version, RECEIVING))
        log.info("deploy %s: receiving %s %s (%d chunks, %d already here)", begin.deploy_id, begin.name,
                 begin.version, begin.chunks, self.receiving.transfer.received)
        self._progress(self.receiving, force=True)

    def _chunk(self, header: ChunkHeader, data: bytes) -> None:
        receiving = self.receiving
        if receiving is None or receiving.deploy_id != header.deploy_id:
            return  # an old deploy's late chunk, or a begin this agent refused
        receiving.transfer.acked += 1
        try:
            receiving.transfer.write(header.index, header.sha256, data)
        except DeployError as exc:
            log.warning("deploy %s: %s", header.deploy_id, exc)
            self._progress(receiving, force=True, reason=str(exc))
            return
        self._progress(receiving)

    def _progress(self, receiving: Receiving, force: bool = False, reason: str | None = None) -> None:
        fields = receiving.progress(force, reason)
        if fields is not None:
            self.publish(receiving.state, **fields)

    def _commit(self, commit: Commit) -> None:
        receiving = self.receiving
        if receiving is None or receiving.deploy_id != commit.deploy_id:
            self.publish(State.FAILED, deploy_id=commit.deploy_id,
                         reason="no transfer with this deploy id here (agent restarted?): deploy again, it resumes")
            return
        transfer = receiving.transfer
        begin = transfer.begin
        transfer.save()
        if not transfer.complete():
            self.publish(State.MISSING, deploy_id=begin.deploy_id, version=begin.version, received=transfer.received,
                         chunks=begin.chunks, missing=transfer.missing())
            return
        self.receiving = None
        self.journal.write(Entry(begin.deploy_id, begin.name, begin.version, VERIFYING))
        transfer.check_whole()
        self.publish(State.VERIFYING, deploy_id=begin.deploy_id, version=begin.version)
        path = self.store.install(transfer.archive, begin.name, begin.version,
                                  begin.model_bytes + MANIFEST_ROOM_BYTES)
        transfer.discard()
        try:
            self._apply(begin, path)
        except (BundleError, DeployError, RuntimeUnavailable) as exc:
            self.store.remove(path)
            raise DeployError(str(exc)) from exc
        except Exception:
            self.store.remove(path)
            raise

    # -- applying ---------------------------------------------------------------------------------
    def _apply(self, begin: Begin, path: Path) -> None:
        bundle = open_bundle(path, trust_key=self.settings.trust_key)  # every file hash; the signature with a key
        manifest = bundle.manifest
        if (manifest.name, manifest.version) != (begin.name, begin.version):
            raise DeployError(f"the begin announced {begin.name} {begin.version}, the bundle is "
                              f"{manifest.name} {manifest.version}")
        checks.version(begin, manifest.name, manifest.version, self.port.models.current().manifest, self.settings)
        checks.fit(manifest.device, manifest.runtime, model_bytes(bundle), self.settings)
        budget = self.settings.budget_bytes()
        swapped = swap_in(self.port.models, path, model_bytes(bundle), budget, self.port.load, self.port.build)
        self.store.switch(path, swapped.before.path)
        for old in self.store.prune(self.settings.keep_versions):
            log.info("removed old version %s", old)
        self.journal.write(Entry(begin.deploy_id, begin.name, begin.version, APPLIED))
        self.trial = Trial(begin.deploy_id, begin.name, begin.version, swapped, self._gate(swapped.model))
        # (a trial still running for an older version ends here)
        log.info("deploy %s: now serving %s %s%s", begin.deploy_id, manifest.name, manifest.version,
                 f" (serving paused {swapped.pause_ms} ms)" if swapped.pause_ms is not None else "")
        self.port.model_changed()
        self.publish(Trial.state, deploy_id=begin.deploy_id, version=begin.version, pause_ms=swapped.pause_ms)

    def _verdict(self, model: ServingModel, why: str | None) -> None:
        trial = self.trial
        if trial is None or trial.swapped.model is not model:
            return  # superseded by a later deploy
        swapped = trial.swapped
        self.trial = None
        if why is None:
            log.info("deploy %s: %s %s passed its health gate", trial.deploy_id, trial.name, trial.version)
            self.publish(State.HEALTHY, deploy_id=trial.deploy_id, version=trial.version)
            return
        log.error("deploy %s: rolling back %s %s: %s", trial.deploy_id, trial.name, trial.version, why)
        failed = self.store.current()
        budget = self.settings.budget_bytes()
        back = swap_in(self.port.models, swapped.before.path, model_bytes(swapped.before), budget, self.port.load,
                       self.port.build)
        if failed is not None:
            self.store.reject(failed, why)
        self.store.switch_back(swapped.before.path)
        self.port.model_changed()
        self.publish(State.ROLLED_BACK, deploy_id=trial.deploy_id, version=trial.version, reason=why,
                     pause_ms=back.pause_ms)

    def publish(self, state: State, **fields) -> None:
        status = DeployStatus(self.settings.device_id, state, running=dict(self.port.model_info()),
                              ts=round(time.time(), 3), **fields)
        self.port.publish(self.status_topic, dumps(status.to_dict()), status.final)
        if status.final and status.deploy_id:
            self.journal.done(status.deploy_id)

    def _gate(self, model: ServingModel) -> HealthGate:
        return HealthGate(model, self.settings.health_requests, self.settings.rollback_p95_ms,
                          lambda judged, why: self.inbox.put(("verdict", judged, why)))

    def resume(self, start_note: str | None) -> None:
        """At start, before the thread runs: end the deploy a crash interrupted (ota/journal.py)."""
        entry = self.journal.read()
        if entry is None:
            if start_note:  # a crash loop or a version that no longer loads, outside any deploy
                self.publish(State.ROLLED_BACK, reason=start_note)
            return
        fields = {"deploy_id": entry.deploy_id, "version": entry.version}
        if entry.phase != APPLIED:
            self.publish(State.FAILED, **fields, reason=f"the agent restarted while {entry.phase}: deploy again "
                                                        "(a transfer resumes where it stopped)")
            return
        running = self.port.models.current()
        previous = self.store.previous() or self.settings.flashed
        if start_note or running.manifest.version != entry.version or previous is None:
            self.publish(State.ROLLED_BACK, **fields,
                         reason=start_note or f"the agent restarted on {running.manifest.version}")
            return
        before = open_bundle(previous, check_files=False)  # what a failed gate rolls back to
        log.info("deploy %s: restarted during the health gate of %s %s; watching it again", entry.deploy_id,
                 entry.name, entry.version)
        self.trial = Trial(entry.deploy_id, entry.name, entry.version, Swapped(before, running, None),
                           self._gate(running))
