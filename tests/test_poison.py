"""No message can stop an agent: each poison message gets an error (or is dropped with an ack), the agent keeps
serving, and nothing is left unacknowledged to come back after a restart. Real Mosquitto, real onnxruntime."""

from __future__ import annotations

import json
import threading

from mqtt_helpers import Listener, props, running_agent, validate

from edge_agent.client import EdgeClient

POISON = [  # (payload, MQTT 5 response topic) at QoS 1 on the device topic
    (b'{"id": "\\udc00", "text": "turn on"}', "edgelm/reply/poison/r"),  # a lone surrogate as the id
    (b'{"id": "p2", "text": "turn \\ud800 on"}', "edgelm/reply/poison/r"),  # ... in the text
    (json.dumps({"id": "p3", "text": "hi", "reply_to": "edgelm/reply/x\tz"}).encode(), None),
    (json.dumps({"id": "p4", "text": "hi", "reply_to": "edgelm/reply/x\u0000z"}).encode(), None),
    (json.dumps({"id": "p5", "text": "hi", "reply_to": "edgelm/reply/\uffff"}).encode(), None),
    (json.dumps({"id": "p6", "text": "hi", "reply_to": "edgelm/reply/\u0085"}).encode(), None),
    (b'{"id": "p7", "text": "hi", "top_k": ' + b"9" * 5000 + b"}", "edgelm/reply/poison/r"),  # past int-string limit
    (b'{"id": "p8", "id": "p9", "text": "hi"}', "edgelm/reply/poison/r"),  # duplicate key
    (b'{"id": "p10", "text": "hi", "temperature": NaN}', "edgelm/reply/poison/r"),
    (b"[" * 8000 + b"]" * 8000, "edgelm/reply/poison/r"),  # deep nesting
]
HERMES_POISON = [b'{"input": "turn \\udc00 on", "id": "h1"}', b'{"input": "lock the door", "id": "\\ud800"}',
                 b'{"input": "' + b"a" * 20000 + b'"}']


def _good_requests(broker, device_id: str, n: int, timeout: float = 5) -> list[dict]:
    with EdgeClient(broker.url) as client:
        futures = [client.send(f"turn on light {i}", device=device_id) for i in range(n)]
        return [client.wait(f, timeout=timeout, retries=0) for f in futures]


def test_poison_messages_leave_the_agent_serving_and_nothing_to_redeliver(agent_bundle, broker, device_id):
    listener = Listener(broker).subscribe("edgelm/reply/poison/r").subscribe(f"edgelm/{device_id}/response")
    with running_agent(agent_bundle, broker, device_id) as agent:
        for payload, reply in POISON:
            listener.publish(f"edgelm/{device_id}/request", payload, props(reply) if reply else None)
        for payload in HERMES_POISON:
            listener.publish("hermes/nlu/query", payload)
        errors = [validate("error", listener.get_json()) for _ in POISON]
        answers = _good_requests(broker, device_id, 20)
        assert agent.worker.is_alive()
    assert all(e["error"]["code"] == "bad_request" for e in errors)
    assert all(e["id"] in (None, "p3", "p4", "p5", "p6", "p8") for e in errors)  # never an unencodable id
    assert sum(e["id"] in ("p3", "p4", "p5", "p6") for e in errors) == 4  # bad reply topics: default topic
    assert all("intent" in a for a in answers)
    # Every poison message was acknowledged: the same persistent session, restarted, gets none back.
    with running_agent(agent_bundle, broker, device_id) as again:
        answers = _good_requests(broker, device_id, 20)
        assert listener.drain(0.5) == []
    listener.close()
    assert all("intent" in a for a in answers)
    assert again.stats.errors == 0


def test_one_failing_request_fails_alone_in_its_batch(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, max_batch=8) as agent:
        classifier = agent.model.classifier
        predict = classifier.predict

        def predict_or_fail(texts):
            if any("poison" in t for t in texts):
                raise RuntimeError("this text breaks the model")
            return predict(texts)

        classifier.predict = predict_or_fail
        texts = [f"turn on light {i}" for i in range(120)]
        for spot in (7, 50, 99):
            texts.insert(spot, f"poison {spot}")
        answers = []
        with EdgeClient(broker.url) as client:
            for start in range(0, len(texts), 16):  # 16 in flight
                futures = [client.send(t, device=device_id) for t in texts[start:start + 16]]
                answers += [client.wait(f) for f in futures]
    failed = [a for a in answers if "error" in a]
    assert len(failed) == 3
    assert all(a["error"]["code"] == "internal" for a in failed)
    assert sum("intent" in a for a in answers) == 120
    assert agent.stats.batches < 120  # batches did form
    assert agent.stats.errors_by_kind == {"inference": 3}


def test_a_dead_worker_says_degraded_and_ends_the_agent(agent_bundle, broker, device_id):
    status = Listener(broker).subscribe(f"edgelm/{device_id}/status")
    with running_agent(agent_bundle, broker, device_id) as agent:
        assert status.get_json()["state"] == "online"

        def die(texts):
            raise SystemExit("simulated fatal error in the inference thread")

        agent.model.classifier.predict = die
        with EdgeClient(broker.url) as client:
            client.send("turn on the light", device=device_id)
            ended = threading.Thread(target=agent.serve_forever)
            ended.start()
            ended.join(10)
        assert not ended.is_alive()
        assert agent.failed.is_set()
        assert validate("status", status.get_json())["state"] == "degraded"
    status.close()
    fresh = Listener(broker).subscribe(f"edgelm/{device_id}/status")  # retained: not overwritten by the Will
    assert fresh.get_json()["state"] == "degraded"
    fresh.close()


def test_a_huge_request_never_reaches_the_agent_and_it_keeps_serving(agent_bundle, broker, device_id):
    """MQTT 5 Maximum Packet Size: the broker drops what the agent could not take, before it is sent."""
    listener = Listener(broker).subscribe("edgelm/reply/huge/r")
    with running_agent(agent_bundle, broker, device_id) as agent:
        listener.publish(f"edgelm/{device_id}/request", b'{"id": "huge", "text": "' + b"a" * 100 * 2**20 + b'"}',
                         props("edgelm/reply/huge/r"))
        for topic in (f"edgelm/{device_id}/request", "hermes/nlu/query"):
            listener.publish(topic, b"x" * 10 * 2**20, props("edgelm/reply/huge/r"))
        answers = _good_requests(broker, device_id, 5)
        errors = agent.stats.errors
    listener.close()
    assert all("intent" in a for a in answers)
    assert errors == 0  # nothing of them arrived: refused by the broker, not by the agent


def test_a_flood_of_oversized_messages_does_not_stall_delivery(agent_bundle, broker, device_id):
    """Mosquitto 2.0 leaks a connection's in-flight quota for each QoS 1 message it drops for the Maximum
    Packet Size: 120 of them stop all delivery until the agent reconnects, which its watchdog does."""
    listener = Listener(broker)
    with running_agent(agent_bundle, broker, device_id, delivery_check_s=1.0) as agent:
        for _ in range(120):
            listener.publish(f"edgelm/{device_id}/request", b"x" * 30_000)
        answers = _good_requests(broker, device_id, 5, timeout=15)
        stalls = agent.stats.errors_by_kind.get("stalled", 0)
    listener.close()
    assert all("intent" in a for a in answers)
    assert stalls >= 1  # it was stalled (the broker's doing), and the watchdog saw it
