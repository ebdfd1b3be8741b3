"""Start-up order: nothing published once the agent says it is there may be lost, and Hermes queries
without an id (Rhasspy's dialogue follow-ups) are each answered."""

from __future__ import annotations

import json
import threading
import time

from mqtt_helpers import Listener, props, running_agent

from edge_agent.config import load_config
from edge_agent.service import Agent

N = 40


def _burst(listener: Listener, device_id: str, group: str, tag: str, wait: bool = True) -> None:
    """N requests on the device topic, N on the group topic, N Hermes queries, all with distinct ids."""
    publish = listener.publish if wait else (lambda t, p, pr=None: listener.client.publish(t, p, 1, properties=pr))
    for i in range(N):
        body = json.dumps({"id": f"{tag}-dev-{i}", "text": f"turn on light {i}"})
        publish(f"edgelm/{device_id}/request", body, props(f"edgelm/reply/burst/{tag}"))
        body = json.dumps({"id": f"{tag}-grp-{i}", "text": f"turn off light {i}"})
        publish(f"edgelm/group/{group}/request", body, props(f"edgelm/reply/burst/{tag}"))
        publish("hermes/nlu/query", json.dumps({"input": f"lock door {i}", "id": f"{tag}-her-{i}"}))


def _answered_ids(listener: Listener, expected: int, timeout: float = 20.0) -> set[str]:
    ids: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(ids) < expected and time.monotonic() < deadline:
        try:
            ids.add(json.loads(listener.get(0.5).payload)["id"])
        except Exception:  # queue.Empty: keep waiting until the deadline
            continue
    return ids


def _listener(broker, tag: str) -> Listener:
    return (Listener(broker).subscribe(f"edgelm/reply/burst/{tag}").subscribe("hermes/intent/#")
            .subscribe("hermes/nlu/intentNotRecognized"))


def test_requests_published_the_instant_start_returns_are_all_answered(bert_bundle, broker, device_id):
    group = f"g-{device_id}"
    listener = _listener(broker, "start")
    with running_agent(bert_bundle, broker, device_id, group=group, hermes_min_confidence=0.0):
        _burst(listener, device_id, group, "start")  # a first-ever session of this device id
        ids = _answered_ids(listener, 3 * N)
    listener.close()
    assert len(ids) == 3 * N, sorted({i.rsplit("-", 1)[0] for i in ids})


def test_requests_published_the_instant_online_appears_are_all_answered(bert_bundle, broker, device_id):
    group = f"g-{device_id}"
    listener = _listener(broker, "online")
    fired = threading.Event()

    def on_status(client, userdata, msg):
        if msg.topic.endswith("/status") and not msg.retain and b'"online"' in msg.payload and not fired.is_set():
            fired.set()  # publish from paho's own callback: the earliest moment a client can react
            _burst(listener, device_id, group, "online", wait=False)
        else:
            listener.messages.put(msg)

    listener.client.on_message = on_status
    listener.subscribe(f"edgelm/{device_id}/status")
    config = load_config(None, env={}, bundle=str(bert_bundle), broker=broker.url, device_id=device_id,
                         device="x86-64", group=group, telemetry_interval_s=0, hermes_min_confidence=0.0)
    agent = Agent(config)
    agent.start()
    try:
        assert fired.wait(5), "the agent's online status never arrived"
        ids = _answered_ids(listener, 3 * N)
    finally:
        agent.stop()
        listener.close()
    assert len(ids) == 3 * N, sorted({i.rsplit("-", 1)[0] for i in ids})


def test_hermes_queries_without_id_are_each_answered(bert_bundle, broker, device_id):
    with running_agent(bert_bundle, broker, device_id, hermes_min_confidence=0.0) as agent:
        listener = Listener(broker).subscribe("hermes/intent/#").subscribe("hermes/nlu/intentNotRecognized")
        for text in ("turn on the kitchen light", "and the bedroom too"):  # two turns of one dialogue
            query = {"input": text, "siteId": "default", "sessionId": "dialogue-1", "id": None}
            listener.publish("hermes/nlu/query", json.dumps(query), qos=0)
        answers = [json.loads(listener.get().payload) for _ in range(2)]
        listener.close()
    assert sorted(a["input"] for a in answers) == ["and the bedroom too", "turn on the kitchen light"]
    assert agent.stats.duplicates == 0
    assert agent.stats.batched_requests == 2
