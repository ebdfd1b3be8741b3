"""The agent as home-automation systems meet it: Rhasspy/Snips Hermes, Home Assistant discovery, the
out-of-domain threshold; real Mosquitto, real onnxruntime."""

from __future__ import annotations

import json
import time

from mqtt_helpers import Listener, agent_answer, running_agent, validate

from edge_agent.client import EdgeClient
from edge_agent.fronts import discovery


def test_hermes_nlu_query_round_trip(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, hermes_min_confidence=0.0) as agent:
        listener = Listener(broker).subscribe("hermes/intent/#").subscribe("hermes/nlu/intentNotRecognized")
        query = {"input": "turn on the kitchen light", "siteId": "kitchen", "sessionId": "s1", "id": "q1"}
        listener.publish("hermes/nlu/query", json.dumps(query))
        msg = listener.get()
        answer = json.loads(msg.payload)
        expected = agent_answer(agent, query["input"]).intent  # the agent's answer, not the model's top alone
        assert msg.topic == f"hermes/intent/{expected}"
        assert answer["intent"]["intentName"] == expected
        assert 0 < answer["intent"]["confidenceScore"] <= 1
        assert (answer["input"], answer["siteId"], answer["sessionId"], answer["id"]) == \
            ("turn on the kitchen light", "kitchen", "s1", "q1")
        assert answer["slots"] == []
        # intentFilter restricts the candidates: the model's, where the agent answers the model's own reading ...
        filtered = {**query, "input": "kitchen light please", "id": "q2", "intentFilter": ["HassGetState"]}
        assert agent_answer(agent, filtered["input"]).intent == \
            agent.model.classifier.predict([filtered["input"]])[0].label
        listener.publish("hermes/nlu/query", json.dumps(filtered))
        assert listener.get().topic == "hermes/intent/HassGetState"
        # ... and where it answers another intent ("turn on …" read as setting the light), that one or nothing
        listener.publish("hermes/nlu/query", json.dumps({**query, "id": "q5", "intentFilter": ["HassGetState"]}))
        assert listener.get().topic == ("hermes/nlu/intentNotRecognized" if expected != "HassGetState"
                                        else "hermes/intent/HassGetState")
        # the same query again is not answered twice: the next answer is the barrier's
        listener.publish("hermes/nlu/query", json.dumps(filtered))
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

    from edge_agent.telemetry import read_temperature_c
    from edgelm.cli import cli

    node = f"edgelm_{device_id}"
    sensors = discovery.sensors_for(read_temperature_c() is not None)
    listener = Listener(broker).subscribe(f"homeassistant/sensor/{node}/+/config")
    with running_agent(agent_bundle, broker, device_id, telemetry_interval_s=0.2, discovery_birth_wait_s=0.1) as agent:
        configs = {m.topic: json.loads(m.payload) for m in listener.drain(0.5) if m.payload}
        assert len(configs) == len(sensors)
        telemetry = agent.telemetry_payload()
        env = jinja2.Environment()
        rendered = {}
        for topic, cfg in configs.items():
            for key in ("name", "unique_id", "default_entity_id", "origin", "state_topic", "value_template",
                        "availability_topic", "device"):
                assert key in cfg, (topic, key)
            assert "object_id" not in cfg  # deprecated since HA 2025.10
            assert cfg["default_entity_id"] == f"sensor.{cfg['unique_id']}"
            assert cfg["origin"]["name"] == "EdgeLM"
            assert cfg["state_topic"] == f"edgelm/{device_id}/telemetry"
            assert cfg["availability_topic"] == f"edgelm/{device_id}/status"
            assert cfg["device"]["identifiers"] == [node]
            assert {"model", "sw_version"} <= set(cfg["device"])
            rendered[cfg["unique_id"]] = env.from_string(cfg["value_template"]).render(value_json=telemetry)
            availability = env.from_string(cfg["availability_template"]).render(
                value_json=agent.status_payload("online"))
            assert availability == cfg["payload_available"]
        by_key = {cfg["unique_id"].removeprefix(f"{node}_"): cfg for cfg in configs.values()}
        assert by_key["rss"]["unit_of_measurement"] == "MiB"
        assert by_key["cpu"]["entity_category"] == "diagnostic"
        assert "entity_category" not in by_key["requests"]
        assert ("temperature" in by_key) == (read_temperature_c() is not None)
        assert float(rendered[f"{node}_rss"]) == telemetry["rss_mb"]
        assert rendered[f"{node}_model_version"] == "bert-tiny 1.0.0"
        assert int(rendered[f"{node}_requests"]) == telemetry["requests"]
        # a new subscriber (HA just started) gets a telemetry state at once: it is retained
        fresh_state = Listener(broker).subscribe(f"edgelm/{device_id}/telemetry")
        state = fresh_state.get(timeout=1)
        assert state.retain
        assert validate("telemetry", json.loads(state.payload))["interval_s"] == 0.2
        fresh_state.close()
        # Home Assistant restarts and announces itself: configs are published again
        listener.publish("homeassistant/status", b"online")
        assert len([m for m in listener.drain(0.5) if m.payload]) == len(sensors)
    result = CliRunner().invoke(cli, ["agent", "unregister", "--broker", broker.url, "--device-id", device_id])
    assert result.exit_code == 0, result.output
    fresh = (Listener(broker).subscribe(f"homeassistant/sensor/{node}/+/config")
             .subscribe(f"edgelm/{device_id}/status").subscribe(f"edgelm/{device_id}/telemetry"))
    assert fresh.drain(0.5) == []  # retained configs, status and telemetry are gone
    fresh.close()
    listener.close()


def test_a_burst_of_home_assistant_births_gets_one_republish_after_the_last(agent_bundle, broker, device_id):
    """500 `homeassistant/status: online` in a row (a flapping HA, or anyone who may publish there) make the
    agent send its configs once, after the last birth, not 500 times."""
    from mqtt_helpers import until

    from edge_agent.telemetry import read_temperature_c

    node = f"edgelm_{device_id}"
    sensors = discovery.sensors_for(read_temperature_c() is not None)
    with running_agent(agent_bundle, broker, device_id, discovery_birth_wait_s=0.3) as agent:
        listener = Listener(broker).subscribe(f"homeassistant/sensor/{node}/+/config")
        listener.drain(0.3)  # the retained configs from start-up
        for _ in range(500):
            listener.publish("homeassistant/status", b"online", qos=0)
        until(lambda: agent.discovery.republished >= 1, "the configs to be republished after the births")
        republished = [m for m in listener.drain(1.0) if m.payload]
        listener.close()
        assert agent.discovery.republished == 1
    assert len(republished) == len(sensors)


def test_legacy_configs_move_off_the_bare_device_id_and_others_stay(agent_bundle, broker, device_id):
    old = Listener(broker)
    ours = json.dumps({"unique_id": f"edgelm_{device_id}_requests", "name": "Requests"}).encode()
    theirs = json.dumps({"unique_id": "zigbee_0x00158d_temperature", "name": "Temperature"}).encode()
    for key, payload in (("requests", ours), ("temperature", theirs)):
        old.client.publish(f"homeassistant/sensor/{device_id}/{key}/config", payload, qos=1,
                           retain=True).wait_for_publish(5)
    with running_agent(agent_bundle, broker, device_id):
        time.sleep(0.5)
    left = Listener(broker).subscribe(f"homeassistant/sensor/{device_id}/+/config")
    kept = {m.topic: m.payload for m in left.drain(0.5) if m.payload}
    assert kept == {f"homeassistant/sensor/{device_id}/temperature/config": theirs}
    old.client.publish(f"homeassistant/sensor/{device_id}/temperature/config", b"", qos=1,
                       retain=True).wait_for_publish(5)
    left.close()
    old.close()


def test_calibrated_ood_threshold_rejects_low_confidence(bert_dir, tmp_path, convert_fn, broker, device_id):
    import shutil

    src = tmp_path / "ood-src"
    shutil.copytree(bert_dir, src)
    (src / "thresholds.json").write_text(json.dumps({"ood": 0.99}))  # as train-intents writes it
    bundle = convert_fn(src, tmp_path / "ood-bundle").bundle
    with running_agent(bundle, broker, device_id) as agent:
        assert agent.model.manifest.thresholds == {"ood": 0.99}
        assert agent.outbox.hermes_threshold() == 0.99
        with EdgeClient(broker.url) as client:
            answer = validate("response", client.request("I love this song", device=device_id))
        assert answer["intent"] is None
        assert len(answer["alternatives"]) == 3
        listener = Listener(broker).subscribe("hermes/nlu/intentNotRecognized")
        listener.publish("hermes/nlu/query", json.dumps({"input": "I love this song", "id": "ood1"}))
        assert json.loads(listener.get().payload)["id"] == "ood1"
        listener.close()


def test_the_out_of_domain_class_is_answered_as_no_intent(bert_bundle, tmp_path, broker, device_id):
    """Whatever a model's trained out-of-domain class wins is `intent: null` (Hermes: not recognised), even
    with no threshold at all. Here every label is that class, so every sentence lands in it."""
    from ota_helpers import variant

    from edge_agent.protocol.labels import OUT_OF_DOMAIN

    def all_out_of_domain(manifest, path):
        manifest.labels = [OUT_OF_DOMAIN] * len(manifest.labels)
        manifest.thresholds = {}
        for example in manifest.golden:
            example["expected"] = OUT_OF_DOMAIN
    bundle = variant(bert_bundle, tmp_path / "ood-class", "1.0.0", None, all_out_of_domain)
    with running_agent(bundle, broker, device_id, hermes_min_confidence=0.0) as agent, \
            EdgeClient(broker.url) as client:
        answer = validate("response", client.request("turn on the kitchen light", device=device_id))
        listener = Listener(broker).subscribe("hermes/nlu/intentNotRecognized").subscribe("hermes/intent/#")
        listener.publish("hermes/nlu/query", json.dumps({"input": "turn on the kitchen light", "id": "ood2"}))
        heard = listener.get()
        listener.close()
        assert agent.model.ood_threshold is None
    assert answer["intent"] is None
    assert answer["slots"] == []
    assert answer["alternatives"][0]["name"] == OUT_OF_DOMAIN
    assert heard.topic == "hermes/nlu/intentNotRecognized"
