"""De-duplication that cannot leak or go stale: content digests, conflicts, and answers kept across a crash."""

from __future__ import annotations

import json
import os
import queue
import threading

import pytest
from mqtt_helpers import Listener, props, running_agent, until

from edge_agent.client import EdgeClient
from edge_agent.config import load_config
from edge_agent.service import Agent


def test_same_id_with_other_content_is_a_conflict_never_the_old_answer(agent_bundle, broker, device_id):
    topic = f"edgelm/{device_id}/request"
    with running_agent(agent_bundle, broker, device_id):
        listener = Listener(broker).subscribe("edgelm/reply/one/#")
        listener.publish(topic, json.dumps({"id": "x", "text": "turn on the light"}), props("edgelm/reply/one/r"))
        first = listener.get()
        listener.publish(topic, json.dumps({"id": "x", "text": "unlock the door"}), props("edgelm/reply/one/r"))
        conflict = json.loads(listener.get().payload)
        listener.publish(topic, json.dumps({"id": "x", "text": "turn on the light", "reply_to": "edgelm/reply/one/q",
                                            "deadline": "2099-01-01T00:00:00Z"}))
        repeat = listener.get()
        with EdgeClient(broker.url) as other:  # a second client reusing the id for its own request
            reused = other.request("open the garage", device=device_id, request_id="x", retries=0)
            same = other.request("turn on the light", device=device_id, request_id="x", retries=0)
    assert conflict["error"]["code"] == "conflict"
    assert repeat.payload == first.payload  # same content, new route: the cached answer, byte for byte
    assert repeat.topic == "edgelm/reply/one/q"
    assert reused["error"]["code"] == "conflict"
    assert json.dumps(same, separators=(",", ":"), ensure_ascii=False).encode() == first.payload


@pytest.mark.parametrize("kept", [True, False], ids=["state_dir", "memory-only"])
def test_an_answer_left_unacknowledged_by_a_crash_is_not_run_again(agent_bundle, broker, device_id, tmp_path, kept):
    state = str(tmp_path / "answers") if kept else ""
    crashed = Agent(_config(agent_bundle, broker, device_id, state))
    crashed.start()
    crashed.main.ack = lambda mid, qos: None  # the answer leaves; the crash comes before its PUBACK
    listener = Listener(broker).subscribe("edgelm/reply/crash/#")
    listener.publish(f"edgelm/{device_id}/request", json.dumps({"id": "c1", "text": "turn on the porch light"}),
                     props("edgelm/reply/crash/r"))
    before = listener.get()
    crashed.worker.stop()
    crashed.main.client.loop_stop()
    crashed.main.client.socket().close()  # no DISCONNECT: the broker keeps the session and the unacked request

    restarted = Agent(_config(agent_bundle, broker, device_id, state))
    classifier = restarted.model.classifier
    runs, predict = [], classifier.predict
    classifier.predict = lambda texts: runs.append(texts) or predict(texts)
    restarted.start()
    try:
        after = listener.get(timeout=10)  # the broker redelivered the request to the restarted agent
        assert listener.drain(0.5) == []
    finally:
        restarted.stop()
    if kept:
        assert runs == []
        assert after.payload == before.payload
    else:  # without a state_dir the crash makes it run twice: a new answer with its own latencies
        assert runs == [["turn on the porch light"]]
        assert after.payload != before.payload


@pytest.mark.parametrize("store_sync", ["ack", "answer"])
def test_the_disk_wait_holds_the_acknowledgement_not_the_answer(agent_bundle, broker, device_id, tmp_path,
                                                                monkeypatch, store_sync):
    """A disk that takes its time to sync: by default the answer leaves at once (its line is in the page
    cache, which a crash of the process keeps) and the request is acknowledged only once the line is on
    disk; with store_sync = "answer" the answer itself waits for the disk."""
    disk = threading.Event()
    sync = os.fdatasync

    def slow_disk(fd: int) -> None:
        disk.wait(10)
        sync(fd)
    monkeypatch.setattr(os, "fdatasync", slow_disk)
    monkeypatch.setattr(os, "fsync", slow_disk)
    agent = Agent(_config(agent_bundle, broker, device_id, str(tmp_path / "answers"), store_sync=store_sync))
    agent.start()
    acked, ack = [], agent.main.ack
    agent.main.ack = lambda mid, qos: acked.append(mid) or ack(mid, qos)
    listener = Listener(broker).subscribe("edgelm/reply/disk/#")
    try:
        listener.publish(f"edgelm/{device_id}/request", json.dumps({"id": "d1", "text": "turn on the hall light"}),
                         props("edgelm/reply/disk/r"))
        try:
            early = [listener.get(timeout=3 if store_sync == "ack" else 0.5)]
        except queue.Empty:
            early = []
        acked_while_syncing = list(acked)
        disk.set()
        answers = early or [listener.get(timeout=5)]
        until(lambda: len(acked) == 1, "the request's acknowledgement")
    finally:
        disk.set()
        listener.close()
        agent.stop()
    assert json.loads(answers[0].payload)["id"] == "d1"
    assert len(early) == (1 if store_sync == "ack" else 0)
    assert acked_while_syncing == []


def _config(bundle, broker, device_id, state_dir: str, **settings):
    return load_config(None, env={}, bundle=str(bundle), broker=broker.url, device_id=device_id, device="x86-64",
                       telemetry_interval_s=0, state_dir=state_dir, **settings)
