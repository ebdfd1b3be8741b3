"""De-duplication that cannot leak or go stale: content digests, conflicts, and answers kept across a crash."""

from __future__ import annotations

import json

import pytest
from mqtt_helpers import Listener, props, running_agent

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


def _config(bundle, broker, device_id, state_dir: str):
    return load_config(None, env={}, bundle=str(bundle), broker=broker.url, device_id=device_id, device="x86-64",
                       telemetry_interval_s=0, state_dir=state_dir)
