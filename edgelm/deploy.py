"""`edgelm deploy`: send a bundle to running agents over MQTT, in chunks, and collect each one's result.

The archive is packed deterministically (same bytes every time), so a second run after an interruption
has the same sha256 and each agent resumes from the chunks it already holds."""

from __future__ import annotations

import gzip
import io
import json
import queue
import tarfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edge_agent.inference.bundle import SIGNATURE, BundleError, open_bundle
from edge_agent.ota import wire
from edge_agent.ota.descriptor import make_descriptor
from edge_agent.ota.wire import CREDIT, Begin, ChunkHeader, Commit, DeployError, DeployStatus, State
from edge_agent.transport.mqtt import Connection, Message, PublishProps
from edgelm.targets import statuses

ANSWER_TIMEOUT_S = 15.0  # for an agent to answer a begin
HEADER_ROOM = 1024  # chunk header and topic inside a packet
WINDOW = 32  # chunks published and not yet acknowledged by the broker
CREDIT_WAIT_S = 30.0  # an agent silent this long mid-transfer is left to the commit's missing ranges
RESEND_ROUNDS = 3


@dataclass
class Member:
    device_id: str
    online: bool
    max_chunk: int | None  # None: the agent has no OTA (older version) or says it is off
    enabled: bool


@dataclass
class Result:
    device_id: str
    state: str  # a wire State value, or "timeout" / "no answer"
    reason: str | None = None
    running: dict = field(default_factory=dict)
    pause_ms: float | None = None
    received: int = 0
    chunks: int = 0
    acked: int = 0  # chunk messages the agent handled in this deploy

    @property
    def ok(self) -> bool:
        return self.state in (State.APPLIED.value, State.HEALTHY.value)


def pack(bundle: Path, verify: bool = True) -> tuple[bytes, dict]:
    """(the .tar.gz bytes, the manifest) of a bundle directory or archive; the same bytes every run.

    verify: refuse a bundle whose files do not match its manifest here, before sending it anywhere."""
    try:
        opened = open_bundle(bundle, check_files=verify)
    except BundleError as exc:
        raise DeployError(str(exc)) from exc
    if bundle.is_file():
        return bundle.read_bytes(), opened.manifest.to_dict() | {"signed": opened.signed}
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
            info = tar.gettarinfo(str(path), arcname=f"{opened.manifest.name}/{path.relative_to(bundle).as_posix()}")
            info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "", "", 0o644
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    return raw.getvalue(), opened.manifest.to_dict() | {"signed": (bundle / SIGNATURE).is_file()}


def unpacked_size(archive: bytes) -> int:
    """What the archive's files take unpacked: a bundle without `metrics.size_bytes` announces this."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return sum(member.size for member in tar.getmembers() if member.isfile())


def members(conn: Connection, prefix: str, group: str | None = None, device: str | None = None) -> list[Member]:
    """The agents' retained statuses, read to their end (edgelm/retained.py): the group's members, or the
    one device."""
    found = {d: s for d, s in statuses(conn, prefix, device).items() if s.get("device_id") == d}
    chosen = [s for s in found.values() if (group is not None and s.get("group") == group)
              or (device is not None and s["device_id"] == device)]
    out = []
    for status in chosen:
        deploy = status["deploy"] if isinstance(status.get("deploy"), dict) else {}
        out.append(Member(status["device_id"], status.get("state") == "online", deploy.get("max_chunk_bytes"),
                          bool(deploy.get("enabled"))))
    return sorted(out, key=lambda m: m.device_id)


class Deployment:
    """One archive to a set of online agents, through one topic (a device's or a group's deploy topic)."""

    def __init__(self, conn: Connection, prefix: str, archive: bytes, manifest: dict, targets: list[Member],
                 group: str | None = None, downgrade_key: Path | None = None):
        self.conn = conn
        self.prefix = prefix
        self.archive = archive
        self.targets = {m.device_id: m for m in targets}
        self.topic = f"{prefix}/group/{group}/deploy" if group else f"{prefix}/{targets[0].device_id}/deploy"
        self.expiry_s = 3600  # MQTT 5 Message Expiry of every deploy message; run() ties it to its timeout
        chunk = min(m.max_chunk or 0 for m in targets)
        if conn.server_max_packet:
            chunk = min(chunk, conn.server_max_packet - HEADER_ROOM)
        if chunk < 1024:
            raise DeployError(f"a chunk of {chunk} bytes is too small: raise the agent's max_payload_bytes "
                              "or the broker's max_packet_size")
        self.chunk_size = chunk
        self.begin = Begin(deploy_id=uuid.uuid4().hex[:16], name=manifest["name"], version=manifest["version"],
                           runtime=manifest["runtime"], device=manifest["device"], size=len(archive),
                           sha256=wire.sha256_hex(archive), chunk_size=chunk, chunks=-(-len(archive) // chunk),
                           model_bytes=int(manifest.get("metrics", {}).get("size_bytes") or unpacked_size(archive)),
                           signed=bool(manifest.get("signed")))
        if downgrade_key is not None:
            names = [f"group/{group}"] if group else list(self.targets)
            self.begin.descriptor, self.begin.descriptor_sig = make_descriptor(self.begin, names, downgrade_key)
        self.results = {d: Result(d, "no answer", chunks=self.begin.chunks) for d in self.targets}
        self.statuses: queue.Queue[DeployStatus] = queue.Queue()
        self.deferred: list[DeployStatus] = []  # read while waiting for credit, for the loop after the commit
        self.on_update: Callable[[Result], None] = lambda result: None
        self.sent = 0

    def _on_status(self, msg: Message) -> None:
        try:
            status = DeployStatus.from_dict(json.loads(msg.payload))
        except (ValueError, KeyError, TypeError):
            return
        if status.deploy_id == self.begin.deploy_id and status.device_id in self.targets:
            self.statuses.put(status)

    def _publish(self, topic: str, payload: bytes) -> Callable[[float], None]:
        return self.conn.publish(topic, payload, qos=1, props=PublishProps(expiry_s=self.expiry_s))

    def send_chunks(self, topic: str, wanted: list[list[int]]) -> None:
        """Publish the wanted chunks, never more than CREDIT beyond what the receiving agents handled: the
        broker queues a device's requests behind its chunks, so a flood would stall its answers."""
        devices = [d for d in self.targets if topic == self.topic or topic == f"{self.prefix}/{d}/deploy"]
        start = {d: self.results[d].acked for d in devices}
        window: list[Callable[[float], None]] = []
        sent = 0
        for first, last in wanted:
            for index in range(first, last + 1):
                self._wait_for_credit(devices, start, sent)
                data = self.archive[index * self.chunk_size:(index + 1) * self.chunk_size]
                header = ChunkHeader(self.begin.deploy_id, index, wire.sha256_hex(data))
                window.append(self._publish(topic, wire.encode(header, data)))
                if len(window) >= WINDOW:
                    window.pop(0)(30.0)
                sent += 1
                self.sent += 1
        for wait in window:
            wait(30.0)

    def _wait_for_credit(self, devices: list[str], start: dict[str, int], sent: int) -> None:
        while True:
            live = [d for d in devices if self.results[d].state == State.RECEIVING.value]
            if not live or sent - min(self.results[d].acked - start[d] for d in live) < CREDIT:
                return
            try:
                status = self.statuses.get(timeout=CREDIT_WAIT_S)
            except queue.Empty:  # silent agents: send on; the commit tells what they lack
                devices[:] = [d for d in devices if d not in live]
                continue
            if status.state is State.RECEIVING:
                self._note(status, self.on_update)
            else:
                self.deferred.append(status)

    def _next_status(self, timeout: float) -> DeployStatus:
        if self.deferred:
            return self.deferred.pop(0)
        return self.statuses.get(timeout=timeout)

    # -- the exchange ---------------------------------------------------------------------------
    def run(self, timeout: float, wait_health: bool, on_update: Callable[[Result], None]) -> dict[str, Result]:
        """Begin, the chunks each agent lacks, commit, resends of what went missing; then every result."""
        deadline = time.monotonic() + timeout
        self.on_update = on_update
        self.expiry_s = max(60, int(timeout))  # a board that comes back later is not sent a stale deploy
        unsubscribe = self.conn.subscribe(f"{self.prefix}/+/deploy/status", self._on_status, qos=1)
        try:
            self._publish(self.topic, wire.encode(self.begin))(10.0)
            wanted = self._first_answers(min(deadline, time.monotonic() + ANSWER_TIMEOUT_S), on_update)
            receiving = [d for d, r in self.results.items() if r.state == State.RECEIVING.value]
            if receiving:
                self.send_chunks(self.topic, wanted)
                self._publish(self.topic, wire.encode(Commit(self.begin.deploy_id)))(10.0)
                self._until_final(set(receiving), deadline, wait_health, on_update)
        finally:
            unsubscribe()
        return self.results

    def _note(self, status: DeployStatus, on_update: Callable[[Result], None]) -> Result:
        result = self.results[status.device_id]
        result.state, result.reason, result.running = status.state.value, status.reason, status.running
        result.pause_ms = status.pause_ms if status.pause_ms is not None else result.pause_ms
        if status.received is not None:
            result.received = status.received
        if status.acked is not None:
            result.acked = status.acked
        on_update(result)
        return result

    def _first_answers(self, until: float, on_update: Callable[[Result], None]) -> list[list[int]]:
        """Wait for every target's answer to the begin; the union of the chunk ranges they lack."""
        waiting, lacking = set(self.targets), set[int]()
        while waiting and time.monotonic() < until:
            try:
                status = self.statuses.get(timeout=max(0.01, until - time.monotonic()))
            except queue.Empty:
                break
            self._note(status, on_update)
            if status.state is State.RECEIVING or status.final:
                waiting.discard(status.device_id)
            for first, last in status.missing if status.state is State.RECEIVING else []:
                lacking.update(range(first, last + 1))
        return wire.ranges(sorted(lacking))

    def _until_final(self, pending: set[str], deadline: float, wait_health: bool,
                     on_update: Callable[[Result], None]) -> None:
        rounds = dict.fromkeys(pending, 0)
        while pending and time.monotonic() < deadline:
            try:
                status = self._next_status(max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            result = self._note(status, on_update)
            device = status.device_id
            if status.state is State.MISSING and device in pending:
                rounds[device] += 1
                if rounds[device] > RESEND_ROUNDS:
                    result.state, result.reason = State.FAILED.value, f"chunks still missing after {RESEND_ROUNDS} resends"
                    pending.discard(device)
                    continue
                topic = f"{self.prefix}/{device}/deploy"
                self.send_chunks(topic, status.missing)
                self._publish(topic, wire.encode(Commit(self.begin.deploy_id)))(10.0)
            elif status.final or (status.state is State.APPLIED and not wait_health):
                pending.discard(device)
        for device in pending:
            result = self.results[device]
            result.reason = f"no final answer in time (last: {result.state}{': ' + result.reason if result.reason else ''})"
            result.state = "timeout"
