"""The agent as home-automation systems meet it: Rhasspy/Snips Hermes, Home Assistant discovery, the
out-of-domain threshold; real Mosquitto, real onnxruntime."""

from __future__ import annotations

import json

from mqtt_helpers import Listener, running_agent, validate

from edge_agent import discovery
from edge_agent.client import EdgeClient


def test_hermes_nlu_query_round_trip(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, hermes_min_confidence=0.0) as agent:
        listener = Listener(broker).subscribe("hermes/intent/#").subscribe("hermes/nlu/intentNotRecognized")
        query = {"input": "turn on the kitchen light", "siteId": "kitchen", "sessionId": "s1", "id": "q1"}
        listener.publish("hermes/nlu/query", json.dumps(query))
        msg = listener.get()
        answer = json.loads(msg.payload)
        expected = agent.model.classifier.predict([query["input"]])[0].label
        assert msg.topic == f"hermes/intent/{expected}"
        assert answer["intent"]["intentName"] == expected
        assert 0 < answer["intent"]["confidenceScore"] <= 1
        assert (answer["input"], answer["siteId"], answer["sessionId"], answer["id"]) == \
            ("turn on the kitchen light", "kitchen", "s1", "q1")
        assert answer["slots"] == []
        # intentFilter restricts the candidates
        listener.publish("hermes/nlu/query", json.dumps({**query, "id": "q2", "intentFilter": ["HassGetState"]}))
        assert listener.get().topic == "hermes/intent/HassGetState"
        # the same query again is not answered twice: the next answer is the barrier's
        listener.publish("hermes/nlu/query", json.dumps({**query, "id": "q2", "intentFilter": ["HassGetState"]}))
        listener.publish("hermes/nlu/query", json.dumps({**query, "id": "barrier"}))
        assert json.loads(listener.get().payload)["id"] == "barrier"
        assert agent.stats.duplicates == 1
        listener.close()
    with running_agent(agent_bundle, broker, device_id + "x", hermes_min_confidence=0.99):
        listener = Listener(broker).subscribe("hermes/intent/#").subscribe("hermes/nlu/intentNotRecognized")
        listener.publish("hermes/nlu/query", json.dumps({"input": "I love this song", "id": "q3"}))
        msg = listener.get()
        assert msg.topic == "hermes/nlu/intentNotRecognized"
        assert json.loads(msg.payload)["id"] == "q3"
        listener.publish("hermes/nlu/query", b"not json")  # ignored, agent keeps serving
        listener.publish("hermes/nlu/query", json.dumps({"input": "lock the door", "id": "q4"}))
        assert json.loads(listener.get().payload)["id"] == "q4"
        listener.close()


def test_home_assistant_discovery(agent_bundle, broker, device_id):
    import jinja2
    from click.testing import CliRunner

    from edgelm.cli import cli

    listener = Listener(broker).subscribe(f"homeassistant/sensor/{device_id}/+/config")
    with running_agent(agent_bundle, broker, device_id, telemetry_interval_s=0.2) as agent:
        configs = {m.topic: json.loads(m.payload) for m in listener.drain(0.5)}
        assert len(configs) == len(discovery.SENSORS)
        telemetry = agent.telemetry_payload()
        env = jinja2.Environment()
        rendered = {}
        for topic, cfg in configs.items():
            for key in ("name", "unique_id", "state_topic", "value_template", "availability_topic", "device"):
                assert key in cfg, (topic, key)
            assert cfg["state_topic"] == f"edgelm/{device_id}/telemetry"
            assert cfg["availability_topic"] == f"edgelm/{device_id}/status"
            assert cfg["device"]["identifiers"] == [f"edgelm_{device_id}"]
            rendered[cfg["unique_id"]] = env.from_string(cfg["value_template"]).render(value_json=telemetry)
            availability = env.from_string(cfg["availability_template"]).render(
                value_json=agent.status_payload("online"))
            assert availability == cfg["payload_available"]
        assert float(rendered[f"edgelm_{device_id}_rss"]) == telemetry["rss_mb"]
        assert rendered[f"edgelm_{device_id}_model_version"] == "bert-tiny 1.0.0"
        assert int(rendered[f"edgelm_{device_id}_requests"]) == telemetry["requests"]
        # Home Assistant restarts and announces itself: configs are published again
        listener.publish("homeassistant/status", b"online")
        assert len(listener.drain(0.5)) == len(discovery.SENSORS)
    result = CliRunner().invoke(cli, ["agent", "unregister", "--broker", broker.url, "--device-id", device_id])
    assert result.exit_code == 0, result.output
    fresh = Listener(broker).subscribe(f"homeassistant/sensor/{device_id}/+/config")
    assert fresh.drain(0.5) == []  # retained configs are gone
    fresh.close()
    listener.close()


def test_calibrated_ood_threshold_rejects_low_confidence(bert_dir, tmp_path, convert_fn, broker, device_id):
    import shutil

    src = tmp_path / "ood-src"
    shutil.copytree(bert_dir, src)
    (src / "thresholds.json").write_text(json.dumps({"ood": 0.99}))  # as train-intents writes it
    bundle = convert_fn(src, tmp_path / "ood-bundle").bundle
    with running_agent(bundle, broker, device_id) as agent:
        assert agent.model.manifest.thresholds == {"ood": 0.99}
        assert agent.hermes_threshold() == 0.99
        with EdgeClient(broker.url) as client:
            answer = validate("response", client.request("I love this song", device=device_id))
        assert answer["intent"] is None
        assert len(answer["alternatives"]) == 3
        listener = Listener(broker).subscribe("hermes/nlu/intentNotRecognized")
        listener.publish("hermes/nlu/query", json.dumps({"input": "I love this song", "id": "ood1"}))
        assert json.loads(listener.get().payload)["id"] == "ood1"
        listener.close()
