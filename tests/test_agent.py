"""The agent against a real Mosquitto and real onnxruntime sessions, in-process."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mqtt_helpers import (
    Listener,
    MovableClock,
    agent_answer,
    block_worker,
    props,
    running_agent,
    until,
    validate,
)

from edge_agent.client import EdgeClient


@pytest.mark.parametrize("protocol", [5, 4], ids=["mqtt5", "mqtt311"])
def test_request_response(runtime_bundle, broker, device_id, protocol):
    with running_agent(runtime_bundle, broker, device_id, protocol=protocol) as agent, \
            EdgeClient(broker.url, protocol=protocol) as client:
        answer = validate("response", client.request("turn on the kitchen light", device=device_id, top_k=2))
    assert answer["device_id"] == device_id
    assert answer["intent"]["name"] in agent.model.manifest.labels
    assert len(answer["alternatives"]) == 2
    expected = agent.model.classifier.predict(["turn on the kitchen light"])[0]
    assert answer["alternatives"][0] == {"name": expected.label, "confidence": answer["intent"]["confidence"]}
    assert answer["intent"]["name"] == agent_answer(agent, "turn on the kitchen light").intent
    assert answer["model"] == {"name": "bert-tiny", "version": "1.0.0"}


def test_mqtt5_correlation_data_and_default_reply_topic(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id):
        listener = Listener(broker).subscribe("edgelm/reply/probe/replies").subscribe(f"edgelm/{device_id}/response")
        body = json.dumps({"id": "c1", "text": "dim the lamp"})
        listener.publish(f"edgelm/{device_id}/request", body, props("edgelm/reply/probe/replies", b"\x00corr\xff"))
        msg = listener.get()
        assert msg.topic == "edgelm/reply/probe/replies"
        assert msg.properties.CorrelationData == b"\x00corr\xff"
        listener.publish(f"edgelm/{device_id}/request", json.dumps({"id": "c2", "text": "dim the lamp"}))
        msg = listener.get()
        assert msg.topic == f"edgelm/{device_id}/response"
        assert json.loads(msg.payload)["id"] == "c2"
        listener.close()


def test_repeated_id_is_answered_from_cache(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id) as agent, EdgeClient(broker.url) as client:
        first = client.request("open the garage door", device=device_id, request_id="same-id")
        second = client.request("open the garage door", device=device_id, request_id="same-id")
    assert first == second  # identical payload, latency included: it was not run again
    assert agent.stats.batched_requests == 1
    assert agent.stats.duplicates == 1


def test_duplicate_arriving_while_queued_runs_once(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id) as agent:
        listener = Listener(broker).subscribe("edgelm/reply/dup/r")
        gate = block_worker(agent, listener, "edgelm/reply/dup/r")
        topic = f"edgelm/{device_id}/request"
        for _ in range(3):  # QoS 1 redelivery / client retry of a request still in the queue
            listener.publish(topic, json.dumps({"id": "queued", "text": "queued text"}), props("edgelm/reply/dup/r"))
        time.sleep(0.2)
        gate.release.set()
        answers = [json.loads(m.payload) for m in listener.drain(1.0)]
        listener.close()
    assert gate.texts.count("queued text") == 1
    assert sorted(a["id"] for a in answers) == ["blocker", "queued", "queued", "queued"]
    queued = [a for a in answers if a["id"] == "queued"]
    assert all(a == queued[0] for a in queued)


def test_full_queue_answers_overloaded_at_once(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, max_queue=1) as agent:
        listener = Listener(broker).subscribe("edgelm/reply/ovl/r")
        gate = block_worker(agent, listener, "edgelm/reply/ovl/r", request_id="a")
        topic = f"edgelm/{device_id}/request"
        listener.publish(topic, json.dumps({"id": "b", "text": "queued"}), props("edgelm/reply/ovl/r"))
        listener.publish(topic, json.dumps({"id": "c", "text": "no room"}), props("edgelm/reply/ovl/r"))
        early = validate("error", listener.get_json())  # while the worker is still blocked
        assert early["id"] == "c"
        assert early["error"]["code"] == "overloaded"
        gate.release.set()
        rest = {json.loads(m.payload)["id"] for m in listener.drain(0.8)}
        assert rest == {"a", "b"}
        # overloaded is not cached: a retry of c runs for real
        listener.publish(topic, json.dumps({"id": "c", "text": "no room"}), props("edgelm/reply/ovl/r"))
        assert "intent" in listener.get_json()
        listener.close()


BAD_INPUTS = [
    (b"{not json", "bad_request"),  # starts like JSON: never taken as plain text
    (b'  {"id": "x0", "text": "turn on the light"', "bad_request"),  # a typo in JSON is not an intent
    (b"\xff\xfe\x00garbage", "bad_request"),
    (json.dumps({"id": "x1"}).encode(), "bad_request"),
    (json.dumps({"id": "x2", "text": "   "}).encode(), "bad_request"),
    (json.dumps({"id": "x3", "text": "a" * 3000}).encode(), "too_large"),
    (json.dumps({"id": "x4", "text": "hi", "pad": "b" * 20000}).encode(), "too_large"),
    (json.dumps({"id": "x5", "text": "hi", "top_k": "3"}).encode(), "bad_request"),
    (json.dumps({"id": "x6", "text": "hi", "top_k": True}).encode(), "bad_request"),
    (json.dumps({"id": "x7", "text": "hi", "top_k": 0}).encode(), "bad_request"),
    (json.dumps({"id": -7, "text": "hi"}).encode(), "bad_request"),
    (json.dumps({"id": 2**53, "text": "hi"}).encode(), "bad_request"),  # past what JavaScript keeps exact
    (json.dumps({"id": 1.5, "text": "hi"}).encode(), "bad_request"),
    (json.dumps({"id": "x8", "text": "hi", "v": 2}).encode(), "unsupported"),
    (json.dumps({"id": "x9", "text": "hi", "deadline": "tomorrow"}).encode(), "bad_request"),
    (json.dumps(["id", "text"]).encode(), "bad_request"),
    (b"[" * 5000 + b"]" * 5000, "bad_request"),
]


def test_bad_inputs_get_error_codes_and_agent_keeps_serving(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id) as agent:
        listener = Listener(broker).subscribe("edgelm/reply/bad/r")
        for payload, code in BAD_INPUTS:
            listener.publish(f"edgelm/{device_id}/request", payload, props("edgelm/reply/bad/r"))
            error = validate("error", listener.get_json())
            assert error["error"]["code"] == code, (payload[:40], error)
        listener.close()
        with EdgeClient(broker.url) as client:
            assert "intent" in client.request("still there?", device=device_id)
        assert agent.stats.errors == len(BAD_INPUTS)


_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=12)
_payloads = st.one_of(
    st.binary(max_size=200),
    _json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"id": st.one_of(st.text(max_size=10), st.integers(), st.none()),
                           "text": _json_values},
                          optional={"top_k": _json_values, "v": _json_values, "deadline": _json_values,
                                    "reply_to": st.sampled_from(["edgelm/reply/fuzz/r", "", "a/+/b", 5]),
                                    "max_new_tokens": _json_values, "stream": _json_values}
                          ).map(lambda d: json.dumps(d).encode()),
)


def test_fuzzed_payloads_never_kill_the_agent(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id) as agent:
        listener = Listener(broker).subscribe("edgelm/reply/fuzz/r")

        sent = []

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(payload=_payloads)
        def fire(payload):
            listener.publish(f"edgelm/{device_id}/request", payload, props("edgelm/reply/fuzz/r"))
            sent.append(payload)

        fire()
        listener.publish(f"edgelm/{device_id}/request", json.dumps({"id": "barrier", "text": "hi"}),
                         props("edgelm/reply/fuzz/r"))
        answers = [json.loads(listener.get(10).payload) for _ in sent]  # one answer or error per payload
        assert all("error" in a or "intent" in a for a in answers)
        assert listener.get_json()["id"] == "barrier"  # and no more than one
        listener.close()
        assert agent.worker.is_alive()
        assert agent.main.connected.is_set()
        with EdgeClient(broker.url) as client:
            assert "intent" in client.request("are you alive", device=device_id)


def test_deadline_in_the_past_is_expired_not_run(agent_bundle, broker, device_id):
    past = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
    with running_agent(agent_bundle, broker, device_id) as agent, EdgeClient(broker.url) as client:
        answer = client.request("turn on the heater", device=device_id, deadline=past)
    assert validate("error", answer)["error"]["code"] == "expired"
    assert agent.stats.batched_requests == 0


def test_message_expiry_while_queued(agent_bundle, broker, device_id):
    """A request that expires while queued is answered `expired`, never run; the agent's clock is moved
    past its 1 s Message Expiry instead of sleeping past it."""
    moving = MovableClock()
    with running_agent(agent_bundle, broker, device_id, clock=moving.clock()) as agent:
        listener = Listener(broker).subscribe("edgelm/reply/exp/r")
        gate = block_worker(agent, listener, "edgelm/reply/exp/r")
        topic = f"edgelm/{device_id}/request"
        listener.publish(topic, json.dumps({"id": "heater", "text": "turn on the heater"}),
                         props("edgelm/reply/exp/r", expiry=1))
        until(lambda: agent.router.jobs.qsize() == 1, "the request to be queued behind the blocked batch")
        moving.advance(1.3)
        gate.release.set()
        answers = {json.loads(m.payload)["id"]: json.loads(m.payload) for m in listener.drain(0.8)}
        listener.close()
    assert answers["heater"]["error"]["code"] == "expired"
    assert "turn on the heater" not in gate.texts


@pytest.mark.parametrize(("quantize", "atol"), [("none", 1e-5), ("dynamic-int8", 1e-3)])
def test_batched_outputs_equal_unbatched(bert_dir, tmp_path, convert_fn, quantize, atol):
    """Padding must not leak into results. fp32 agrees to float noise; a dynamic-int8 classifier reads each
    sentence alone (its activation scale is per batch: batched, home 1.0.0 changed 37 of 1,100 labels)."""
    from edge_agent.inference.model import load_model

    model = load_model(convert_fn(bert_dir, tmp_path / quantize, quantize=quantize).bundle)
    texts = ["turn on the light", "what is the temperature in the living room right now", "stop",
             "close the bedroom blinds to fifty percent please", "lock the front door"]
    batched = model.classifier.logits(texts)
    for row, text in enumerate(texts):
        alone = model.classifier.logits([text])[0]
        np.testing.assert_allclose(alone, batched[row], atol=atol)
        assert alone.argmax() == batched[row].argmax()


def test_requests_in_flight_are_batched(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, max_batch=8) as agent, EdgeClient(broker.url) as client:
        futures = [client.send(f"turn on light number {i}", device=device_id) for i in range(40)]
        answers = [client.wait(f) for f in futures]
    assert all("intent" in a for a in answers)
    assert len({a["id"] for a in answers}) == 40
    assert agent.stats.batches < 40  # some requests shared a run


def test_status_retained_and_telemetry(agent_bundle, broker, device_id):
    listener = Listener(broker).subscribe(f"edgelm/{device_id}/telemetry")
    with running_agent(agent_bundle, broker, device_id, telemetry_interval_s=0.2):
        with EdgeClient(broker.url) as client:
            client.request("hello", device=device_id)
        telemetry = validate("telemetry", listener.get_json(3))
        status_probe = Listener(broker).subscribe(f"edgelm/{device_id}/status")
        status = validate("status", status_probe.get_json())
        status_probe.close()
    assert status["state"] == "online"
    assert status["model"]["name"] == "bert-tiny"
    assert telemetry["rss_mb"] > 10
    assert telemetry["model"]["name"] == "bert-tiny"
    assert set(telemetry["latency_ms"]) == {"p50", "p95", "p99"}
    after = Listener(broker).subscribe(f"edgelm/{device_id}/status")
    assert after.get_json()["state"] == "offline"  # retained, published by the graceful stop
    after.close()
    listener.close()


def test_group_requests_are_answered_once_by_one_member(agent_bundle, broker):
    group = f"g{time.time_ns() % 10**8}"
    with running_agent(agent_bundle, broker, f"{group}-a", group=group) as a, \
            running_agent(agent_bundle, broker, f"{group}-b", group=group) as b:
        time.sleep(0.2)
        with EdgeClient(broker.url) as client:
            futures = [client.send(f"turn off light {i}", group=group) for i in range(30)]
            answers = [client.wait(f) for f in futures]
            time.sleep(0.3)
            assert client.dropped_duplicates == 0
    assert len({x["id"] for x in answers}) == 30
    served = {x["device_id"] for x in answers}
    assert served <= {f"{group}-a", f"{group}-b"}
    assert a.stats.batched_requests + b.stats.batched_requests == 30
    assert a.stats.batched_requests > 0
    assert b.stats.batched_requests > 0


def test_generation_over_mqtt_with_streaming(generation_bundle, broker, device_id):
    chunks: list[dict] = []
    with running_agent(generation_bundle, broker, device_id) as agent, EdgeClient(broker.url) as client:
        plain = client.request("turn on the", device=device_id, max_new_tokens=5)
        future = client.send("turn on the", device=device_id, max_new_tokens=5, stream=True,
                             on_chunk=chunks.append)
        streamed = client.wait(future)
        sampled = [client.request("turn on the", device=device_id, max_new_tokens=6, temperature=1.0,
                                  sample_top_k=20, seed=s)["tokens"] for s in (1, 1, 2)]
    validate("response", plain)
    expected = agent.model.generator.generate("turn on the", max_new_tokens=5)
    assert plain["tokens"] == expected.tokens
    assert plain["text"] == expected.text
    assert streamed["tokens"] == plain["tokens"]
    for chunk in chunks:
        validate("chunk", chunk)
    assert chunks[-1]["done"]
    assert "".join(c["delta"] for c in chunks) == streamed["text"]
    assert sampled[0] == sampled[1]  # same seed, same tokens
