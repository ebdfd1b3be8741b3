"""Over-the-air deploys against a real Mosquitto and real bundles: the hot swap under load, every
refusal (with the old model still serving), the health gate's rollback, restarts and the crash-loop guard."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mqtt_helpers import Listener, running_agent, validate
from ota_helpers import deploy, variant

from edge_agent.client import EdgeClient
from edge_agent.inference.signing import generate_keys
from edge_agent.ota import wire
from edge_agent.ota.store import ModelStore
from edge_agent.transport.mqtt import Connection
from edge_agent.transport.session import BrokerUrl
from edgelm import deploy as lib
from edgelm.agent_process import start_agent_process

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    trust = generate_keys(tmp_path_factory.mktemp("trust"))
    other = generate_keys(tmp_path_factory.mktemp("other"))
    return {"private": trust[0], "public": trust[1], "other": other[0]}


@pytest.fixture(scope="module")
def versions(bert_bundle, keys, tmp_path_factory):
    """The tiny BERT as signed versions 1.0.0 (flashed) and 2.0.0 (deployed)."""
    root = tmp_path_factory.mktemp("versions")
    return {v: variant(bert_bundle, root / v, v, keys["private"]) for v in ("1.0.0", "2.0.0", "3.0.0")}


def keep_asking(client: EdgeClient, device: str, stop: threading.Event, answers: list, in_flight: int = 4) -> None:
    """Keep `in_flight` requests outstanding until stopped; answers in the order they were sent."""
    pending = []
    while not stop.is_set() or pending:
        while not stop.is_set() and len(pending) < in_flight:
            pending.append(client.send("turn on the kitchen light", device=device))
        answers.append(client.wait(pending.pop(0), timeout=10.0, retries=0))


def test_deploy_under_load_switches_versions_once(versions, keys, broker, device_id):
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"]),
                       health_requests=5) as agent, EdgeClient(broker.url) as client:
        stop, answers = threading.Event(), []
        asker = threading.Thread(target=keep_asking, args=(client, device_id, stop, answers))
        asker.start()
        try:
            time.sleep(0.3)
            results = deploy(broker.url, versions["2.0.0"], device=device_id, wait=True)
            time.sleep(0.3)
        finally:
            stop.set()
            asker.join(30)
        status = agent.status_payload("online")
    assert results[device_id].state == "healthy", results[device_id]
    assert all("error" not in a for a in answers), [a for a in answers if "error" in a][:3]
    seen = [a["model"]["version"] for a in answers]
    switch = seen.index("2.0.0")
    assert set(seen[:switch]) == {"1.0.0"}, seen
    assert set(seen[switch:]) == {"2.0.0"}, seen
    assert switch > 0
    assert len(seen) - switch >= 5
    assert validate("status", status)["model"]["version"] == "2.0.0"


# -- refusals: one agent on 1.0.0 takes each bad deploy and keeps serving 1.0.0 ----------------------
@pytest.fixture(scope="module")
def guarded(versions, keys, tmp_path_factory):
    """An agent with a trust key and a 1 MB model budget, serving 1.0.0 for the whole module."""
    from edgelm.demo_broker import Mosquitto

    state = tmp_path_factory.mktemp("guarded-state")
    with Mosquitto() as broker, running_agent(versions["1.0.0"], broker, "guarded", trust_key=str(keys["public"]),
                                              model_budget_mb=1, state_dir=str(state)) as agent:
        yield broker, agent, state


def _bad_variants(bert_bundle, bert_tflite_bundle, keys, root):
    """name -> (bundle, a phrase the refusal must contain)."""
    def signed(name, version="2.0.0", change=None, key=keys["private"], src=bert_bundle):
        return variant(src, root / name, version, key, change)

    model_changed = signed("model-changed")
    (model_changed / "model.onnx").write_bytes((model_changed / "model.onnx").read_bytes()[:-64] + bytes(64))
    manifest_changed = signed("manifest-changed")
    text = (manifest_changed / "manifest.json").read_text()
    (manifest_changed / "manifest.json").write_text(text.replace('"2.0.0"', '"2.0.1"'))

    def wrong_golden(manifest, path):
        manifest.golden[0]["expected"] = next(label for label in manifest.labels if label != manifest.golden[0]["expected"])

    def too_big(manifest, path):
        manifest.metrics["size_bytes"] = 3 << 20

    unlisted = signed("unlisted")  # signed as it is, then a file beside it: the signature never covers it
    (unlisted / "notes.bin").write_bytes(bytes(4096))
    bomb = signed("bomb")
    with open(bomb / "zeros.bin", "wb") as zeros:  # 256 MB unpacked, about 250 KB in the archive
        zeros.truncate(256 << 20)
    return {
        "unlisted file": (unlisted, "notes.bin: in the archive but not in the manifest's files"),
        "unpacks past its begin": (bomb, "unpacks to more than"),
        "tampered file": (model_changed, "model.onnx: sha256 mismatch"),
        "tampered manifest": (manifest_changed, "manifest.sig: signature does not match"),
        "unsigned": (signed("unsigned", key=None), "not signed"),
        "other key": (signed("other-key", key=keys["other"]), "manifest.sig: signature does not match"),
        "wrong board": (signed("tflite", src=bert_tflite_bundle), "built for rpi4b (aarch64)"),
        "golden fails": (signed("golden", change=wrong_golden), "golden smoke test failed"),
        "older": (signed("older", version="0.9.0"), "not newer than the running"),
        "same": (signed("same", version="1.0.0"), "not newer than the running"),
        "over budget": (signed("big", change=too_big), "model memory budget is 1 MB"),
    }


def test_each_bad_deploy_is_refused_and_the_old_model_serves(guarded, bert_bundle, bert_tflite_bundle, keys,
                                                             tmp_path):
    broker, agent, state = guarded
    cases = _bad_variants(bert_bundle, bert_tflite_bundle, keys, tmp_path)
    wrong = {}
    with EdgeClient(broker.url) as client:
        for name, (bundle, phrase) in cases.items():
            result = deploy(broker.url, bundle, device="guarded")["guarded"]
            answer = client.request("turn on the light", device="guarded")
            if result.state != "refused" or phrase not in (result.reason or ""):
                wrong[name] = f"{result.state}: {result.reason}"
            elif answer.get("model", {}).get("version") != "1.0.0":
                wrong[name] = f"afterwards answered by {answer}"
    assert not wrong, wrong  # every case is checked before this fails, so one run names them all
    leftovers = [p.name for p in (state / "models").rglob("*") if p.is_dir() and p.parent.name == "bert-tiny"]
    assert leftovers == [], leftovers  # nothing refused stays on disk


class TamperingDeployment(lib.Deployment):
    """Changes chunk 1 on its way the first time it is sent: its bytes only (`rehash` False: the agent
    sees the chunk does not match its hash), or bytes and hash (the whole archive's sha256 catches it)."""

    rehash = False
    tampered = 0

    def _publish(self, topic, payload):
        header, _, data = payload.partition(b"\n")
        if b'"type":"chunk"' in header and b'"index":1,' in header and not self.tampered:
            self.tampered += 1
            data = bytes([data[0] ^ 0xFF]) + data[1:]
            if self.rehash:
                message, _ = wire.decode(payload)
                header = wire.encode(wire.ChunkHeader(message.deploy_id, 1, wire.sha256_hex(data))).rstrip(b"\n")
            payload = header + b"\n" + data
        return super()._publish(topic, payload)


def _run(job_class, broker, bundle, device, statuses=None, **attributes):
    conn = Connection(BrokerUrl.from_url(broker.url), "test-tamperer")
    conn.connect()
    try:
        archive, manifest = lib.pack(bundle)
        job = job_class(conn, "edgelm", archive, manifest, lib.members(conn, "edgelm", device=device))
        for name, value in attributes.items():
            setattr(job, name, value)
        return job, job.run(30.0, False, lambda r: (statuses if statuses is not None else []).append(r.reason))[device]
    finally:
        conn.disconnect()


def test_a_tampered_chunk_is_sent_again_and_a_rehashed_one_refused(versions, keys, broker, device_id):
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"])), \
            EdgeClient(broker.url) as client:
        seen: list = []
        _, rehashed = _run(TamperingDeployment, broker, versions["2.0.0"], device_id, rehash=True)
        after_refusal = client.request("turn on the light", device=device_id)["model"]["version"]
        job, repaired = _run(TamperingDeployment, broker, versions["2.0.0"], device_id, seen)
        after_repair = client.request("turn on the light", device=device_id)["model"]["version"]
    assert rehashed.state == "refused"
    assert "does not match the deploy's sha256" in rehashed.reason
    assert after_refusal == "1.0.0"
    assert any("chunk 1 does not match its sha256" in (reason or "") for reason in seen)  # said when it came
    assert repaired.state == "applied", repaired
    assert job.sent == job.begin.chunks + 1  # the one bad chunk again, nothing else
    assert after_repair == "2.0.0"


class Interrupted(lib.Deployment):
    """Sends the first half of the chunks, then its link drops (no commit)."""

    def send_chunks(self, topic, wanted):
        super().send_chunks(topic, [[0, self.begin.chunks // 2 - 1]])
        raise ConnectionAbortedError("the operator's link dropped")


def _partials(state_dir: Path) -> list[Path]:
    return list((state_dir / "models").glob("*/*.partial"))


def test_an_interrupted_transfer_resumes_where_it_stopped(versions, keys, broker, device_id, tmp_path):
    state = tmp_path / "state"
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"]), max_payload_bytes=4096):
        with pytest.raises(ConnectionAbortedError):
            _run(Interrupted, broker, versions["2.0.0"], device_id)
        partial = _partials(state)
        job, result = _run(lib.Deployment, broker, versions["2.0.0"], device_id)
    assert [p.name for p in partial] == ["2.0.0.partial"]
    assert result.state == "applied", result
    assert job.begin.chunks >= 8
    assert job.sent == job.begin.chunks - job.begin.chunks // 2  # only what the agent did not have
    assert _partials(state) == []


def test_an_abandoned_transfer_is_discarded_after_its_timeout(versions, keys, broker, device_id, tmp_path):
    state = tmp_path / "state"
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"]), max_payload_bytes=4096,
                       ota_partial_timeout_s=1.0):
        with pytest.raises(ConnectionAbortedError):
            _run(Interrupted, broker, versions["2.0.0"], device_id)
        there = bool(_partials(state))
        deadline = time.monotonic() + 10
        while _partials(state) and time.monotonic() < deadline:
            time.sleep(0.1)
        gone = not _partials(state)
    assert there
    assert gone


def test_the_health_gate_rolls_back_a_slow_version(versions, keys, broker, device_id, tmp_path):
    statuses = Listener(broker).subscribe(f"edgelm/{device_id}/deploy/status")
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"]), health_requests=3,
                       rollback_p95_ms=0.0001) as agent, EdgeClient(broker.url) as client:
        applied = deploy(broker.url, versions["2.0.0"], device=device_id)[device_id]
        served = [client.request("turn on the light", device=device_id)["model"]["version"] for _ in range(3)]
        deadline = time.monotonic() + 10
        while agent.model.info["version"] != "1.0.0" and time.monotonic() < deadline:
            time.sleep(0.05)
        after = client.request("turn on the light", device=device_id)["model"]["version"]
        messages = _statuses_until(statuses, "rolled_back")  # published after the swap back, while it serves
    statuses.close()
    assert applied.state == "applied"
    assert served == ["2.0.0"] * 3
    assert after == "1.0.0"
    final = messages[-1]
    assert final["state"] == "rolled_back"
    assert "exceeds rollback_p95_ms" in final["reason"]
    assert final["running"]["version"] == "1.0.0"
    assert ModelStore(tmp_path / "state").current() is None  # a restart loads the flashed 1.0.0 again


def _statuses_until(listener: Listener, state: str, timeout: float = 10.0) -> list[dict]:
    """Deploy statuses up to the first in `state`, or all that came within `timeout`."""
    out: list[dict] = []
    deadline = time.monotonic() + timeout
    while not out or out[-1]["state"] != state:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            out.append(validate("deploy_status", listener.get_json(timeout=left)))
        except queue.Empty:
            break
    return out


def _claims(size: int):
    def change(manifest, path):
        manifest.metrics["size_bytes"] = size
    return change


def test_where_two_models_do_not_fit_the_swap_pauses_and_loses_nothing(bert_bundle, keys, broker, device_id,
                                                                         tmp_path):
    """Each version claims 600 KB against a 1 MB budget: unload, then load, with requests held meanwhile."""
    old, new = (variant(bert_bundle, tmp_path / v, v, keys["private"], _claims(600 << 10)) for v in ("1.0.0", "2.0.0"))
    with running_agent(old, broker, device_id, trust_key=str(keys["public"]), model_budget_mb=1), \
            EdgeClient(broker.url) as client:
        stop, answers = threading.Event(), []
        asker = threading.Thread(target=keep_asking, args=(client, device_id, stop, answers))
        asker.start()
        try:
            time.sleep(0.2)
            result = deploy(broker.url, new, device=device_id)[device_id]
            time.sleep(0.2)
        finally:
            stop.set()
            asker.join(30)
    assert result.state == "applied", result
    assert result.pause_ms is not None
    assert result.pause_ms > 0
    assert all("error" not in a for a in answers)
    assert [a["model"]["version"] for a in answers][-1] == "2.0.0"


def test_a_downgrade_needs_a_descriptor_signed_by_the_trust_key(versions, keys, broker, device_id):
    older = versions["1.0.0"]
    with running_agent(versions["2.0.0"], broker, device_id, trust_key=str(keys["public"])) as agent:
        plain = deploy(broker.url, older, device=device_id)[device_id]
        forged = deploy(broker.url, older, device=device_id, downgrade_key=keys["other"])[device_id]
        signed = deploy(broker.url, older, device=device_id, downgrade_key=keys["private"])[device_id]
        serving = agent.model.info["version"]
    assert plain.state == "refused"
    assert forged.state == "refused"
    assert "downgrade descriptor invalid" in forged.reason
    assert signed.state == "applied", signed
    assert serving == "1.0.0"


def _boot_attempts(state: Path) -> int:
    try:
        return json.loads((state / "models" / "boot.json").read_text())["attempts"]
    except (OSError, ValueError):
        return 0


def test_a_restart_serves_the_deployed_version_and_a_crash_loop_falls_back(versions, keys, broker, device_id,
                                                                           tmp_path):
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"])):
        assert deploy(broker.url, versions["2.0.0"], device=device_id)[device_id].state == "applied"
    with running_agent(versions["1.0.0"], broker, device_id, trust_key=str(keys["public"])) as agent:
        restarted = agent.model.info["version"]
    state = tmp_path / "state"
    env = {**os.environ, "STATE_DIRECTORY": str(state), "EDGELM_TRUST_KEY": str(keys["public"]),
           "EDGELM_DEVICE": "x86-64", "EDGELM_TELEMETRY_INTERVAL_S": "0"}
    for attempt in (1, 2):  # killed while loading 2.0.0, as the OOM killer or a crashing runtime would
        proc = subprocess.Popen([sys.executable, "-m", "edgelm.cli", "agent", "run", "--bundle", str(versions["1.0.0"]),
                                 "--broker", broker.url, "--device-id", device_id], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while _boot_attempts(state) < attempt and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.kill()
        proc.wait()
        assert _boot_attempts(state) == attempt  # killed before it came online
    statuses = Listener(broker).subscribe(f"edgelm/{device_id}/deploy/status")
    proc, _ = start_agent_process(versions["1.0.0"], broker.url, device_id, env=env)
    try:
        with EdgeClient(broker.url) as client:
            served = client.request("turn on the light", device=device_id)["model"]["version"]
        told = [json.loads(m.payload) for m in statuses.drain()]
    finally:
        proc.terminate()
        proc.wait(10)
        statuses.close()
    assert restarted == "2.0.0"
    assert served == "1.0.0"
    assert told[-1]["state"] == "rolled_back"
    assert "crash loop" in told[-1]["reason"]
    assert ModelStore(state).rejected(state / "models" / "bert-tiny" / "2.0.0")


def test_a_deploy_a_crash_interrupts_still_ends_with_a_final_status(versions, keys, broker, device_id, tmp_path):
    """SIGKILL while 2.0.0 is on trial: the restarted agent serves 2.0.0, watches it again and says
    `healthy` for that deploy id. A crash while receiving or verifying: `failed`, naming the phase."""
    from edge_agent.ota.journal import DeployJournal, Entry

    state = tmp_path / "state"
    env = {**os.environ, "STATE_DIRECTORY": str(state), "EDGELM_TRUST_KEY": str(keys["public"]),
           "EDGELM_DEVICE": "x86-64", "EDGELM_TELEMETRY_INTERVAL_S": "0", "EDGELM_HEALTH_REQUESTS": "1000"}
    statuses = Listener(broker).subscribe(f"edgelm/{device_id}/deploy/status")
    proc, _ = start_agent_process(versions["1.0.0"], broker.url, device_id, env=env)
    try:
        assert deploy(broker.url, versions["2.0.0"], device=device_id)[device_id].state == "applied"
    finally:
        proc.kill()  # on trial: 1,000 requests to go
        proc.wait()
    applied = [s for s in (json.loads(m.payload) for m in statuses.drain(0.3)) if s["state"] == "applied"][-1]
    proc, _ = start_agent_process(versions["1.0.0"], broker.url, device_id,
                                  env={**env, "EDGELM_HEALTH_REQUESTS": "3"})
    try:
        with EdgeClient(broker.url) as client:
            served = [client.request("turn on the light", device=device_id)["model"]["version"] for _ in range(3)]
        final = statuses.get_json(timeout=10)
    finally:
        proc.terminate()
        proc.wait(10)
    assert served == ["2.0.0"] * 3
    assert (final["state"], final["deploy_id"], final["version"]) == ("healthy", applied["deploy_id"], "2.0.0"), final.get("reason")
    DeployJournal(state / "models").write(Entry("d-verifying", "bert-tiny", "3.0.0", "verifying"))
    proc, _ = start_agent_process(versions["1.0.0"], broker.url, device_id, env=env)
    try:
        failed = statuses.get_json(timeout=10)
    finally:
        proc.terminate()
        proc.wait(10)
        statuses.close()
    assert (failed["state"], failed["deploy_id"]) == ("failed", "d-verifying")
    assert "restarted while verifying" in failed["reason"]
    assert DeployJournal(state / "models").read() is None  # ended: the next start says nothing more


def test_the_cli_deploys_to_a_group_and_exits_non_zero_on_refusal(versions, keys, broker, tmp_path):
    from click.testing import CliRunner

    from edgelm.cli import cli

    group = f"g{tmp_path.name[-6:]}".replace("_", "")
    gone = Listener(broker)
    gone.client.publish(f"edgelm/{group}-gone/status", json.dumps({"v": 1, "state": "offline", "device_id":
                        f"{group}-gone", "group": group, "model": {}, "version": "0"}), qos=1, retain=True).wait_for_publish(5)
    common = dict(trust_key=str(keys["public"]), group=group)
    with running_agent(versions["1.0.0"], broker, f"{group}-a", state_dir=str(tmp_path / "a"), **common) as a, \
            running_agent(versions["1.0.0"], broker, f"{group}-b", state_dir=str(tmp_path / "b"), **common) as b:
        runner = CliRunner()
        newer = runner.invoke(cli, ["deploy", str(versions["2.0.0"]), "--broker", broker.url, "--group", group])
        older = runner.invoke(cli, ["deploy", str(versions["1.0.0"]), "--broker", broker.url, "--group", group])
        serving = {a.model.info["version"], b.model.info["version"]}
    gone.client.publish(f"edgelm/{group}-gone/status", b"", retain=True).wait_for_publish(5)
    gone.close()
    assert newer.exit_code == 0, newer.output
    assert f"{group}-gone: offline, not updated" in newer.output
    assert f"{group}-a: applied" in newer.output
    assert older.exit_code == 1
    assert "2 of 2 devices not updated" in older.output
    assert serving == {"2.0.0"}


def test_without_a_trust_key_ota_is_off_unless_unsigned_is_allowed(versions, bert_bundle, broker, device_id,
                                                                    tmp_path):
    unsigned = variant(bert_bundle, tmp_path / "unsigned", "2.0.0", None)
    with running_agent(bert_bundle, broker, device_id) as agent:
        off = deploy(broker.url, unsigned, device=device_id)[device_id]
        status_off = agent.status_payload("online")["deploy"]
    with running_agent(bert_bundle, broker, device_id, allow_unsigned_ota=True) as agent:
        on = deploy(broker.url, unsigned, device=device_id)[device_id]
        status_on = agent.status_payload("online")["deploy"]
    assert off.state == "refused"
    assert "over-the-air updates are off" in off.reason
    assert status_off["enabled"] is False
    assert on.state == "applied", on
    assert status_on["enabled"] is True
