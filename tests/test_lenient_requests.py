"""What Node-RED and Home Assistant users send first: plain text, numeric ids, no id at all; and what
they expect back: Content Type, no answers to retained requests, Hermes errors on hermes/error/nlu."""

from __future__ import annotations

import json

from mqtt_helpers import Listener, props, running_agent, validate


def test_plain_text_integer_ids_and_missing_ids_are_served(agent_bundle, broker, device_id):
    topic = f"edgelm/{device_id}/request"
    with running_agent(agent_bundle, broker, device_id) as agent:
        listener = Listener(broker).subscribe("edgelm/reply/nr/#").subscribe(f"edgelm/{device_id}/response")
        listener.publish(topic, b"turn on the kitchen light", props("edgelm/reply/nr/plain"))
        plain = listener.get()
        listener.publish(topic, json.dumps({"id": 1764500000123, "text": "lights off"}), props("edgelm/reply/nr/int"))
        numeric = listener.get_json()
        listener.publish(topic, json.dumps("open the garage"))  # a JSON string is the text too
        string = listener.get_json()
        for _ in range(2):  # no id, but Correlation Data: the second is a repeat, answered from the cache
            listener.publish(topic, json.dumps({"text": "lock the door"}), props("edgelm/reply/nr/corr", b"c-1"))
        by_correlation = [listener.get(), listener.get()]
        for _ in range(2):  # no id and nothing else to tell repeats apart: each one runs
            listener.publish(topic, json.dumps({"text": "start the vacuum"}), props("edgelm/reply/nr/anon"))
        anonymous = [listener.get_json(), listener.get_json()]
        duplicates = agent.stats.duplicates
    answer = validate("response", json.loads(plain.payload))
    assert answer["id"] is None
    assert "de-duplication" in answer["warning"]
    assert "intent" in answer
    assert plain.properties.ContentType == "application/json"
    assert validate("response", numeric)["id"] == "1764500000123"
    assert "warning" not in numeric
    assert string["id"] is None
    assert "intent" in string
    assert by_correlation[0].payload == by_correlation[1].payload
    assert by_correlation[1].properties.CorrelationData == b"c-1"
    assert "warning" not in json.loads(by_correlation[0].payload)
    assert anonymous[0]["latency_ms"] != anonymous[1]["latency_ms"]  # two runs, not a cached copy
    assert duplicates == 1


def test_plain_text_can_be_turned_off(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, accept_plain_text=False):
        listener = Listener(broker).subscribe("edgelm/reply/off/#")
        listener.publish(f"edgelm/{device_id}/request", b"turn on the light", props("edgelm/reply/off/r"))
        error = validate("error", listener.get_json())
    assert error["error"]["code"] == "bad_request"


def test_a_retained_request_is_never_served(agent_bundle, broker, device_id):
    topic = f"edgelm/{device_id}/request"
    listener = Listener(broker).subscribe("edgelm/reply/ret/#")
    listener.client.publish(topic, json.dumps({"id": "kept", "text": "unlock the door"}), qos=1, retain=True,
                            properties=props("edgelm/reply/ret/r")).wait_for_publish(5)
    try:
        for run in range(2):  # the broker hands it to every (re)start
            with running_agent(agent_bundle, broker, device_id) as agent:
                listener.publish(topic, json.dumps({"id": f"live{run}", "text": "lights on"}), props("edgelm/reply/ret/r"))
                answers = [json.loads(m.payload)["id"] for m in [listener.get()] + listener.drain(0.5)]
                assert answers == [f"live{run}"]
                assert agent.stats.requests == 1
    finally:
        listener.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        listener.close()


def test_a_malformed_hermes_query_gets_hermes_error_nlu(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id):
        listener = Listener(broker).subscribe("hermes/error/nlu")
        listener.publish("hermes/nlu/query", json.dumps({"sessionId": "s-1", "siteId": "kitchen", "input": ""}))
        listener.publish("hermes/nlu/query", b"{broken")
        first, second = listener.get_json(), listener.get_json()
    assert first["sessionId"] == "s-1"
    assert first["siteId"] == "kitchen"
    assert "input" in first["error"]
    assert second["siteId"] == "default"
    assert second["sessionId"] is None
