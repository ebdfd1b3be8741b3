"""The model registry: a model swapped in while the agent serves answers the next batch; status,
telemetry follow it."""

from __future__ import annotations

from mqtt_helpers import running_agent

from edge_agent.client import EdgeClient
from edge_agent.inference.model import load_model


def test_swapped_model_answers_the_next_request(bert_dir, bert_bundle, tmp_path, convert_fn, broker, device_id):
    newer = convert_fn(bert_dir, tmp_path / "v2", name="bert-tiny", version="2.0.0").bundle
    with running_agent(bert_bundle, broker, device_id) as agent, EdgeClient(broker.url) as client:
        before = client.request("turn on the kitchen light", device=device_id)
        previous = agent.models.swap(agent.serving(load_model(newer)))
        after = client.request("turn on the kitchen light", device=device_id)
        status, telemetry = agent.status_payload("online"), agent.telemetry_payload()
    assert previous is not None
    assert previous.info["version"] == "1.0.0"
    assert before["model"] == {"name": "bert-tiny", "version": "1.0.0"}
    assert after["model"] == {"name": "bert-tiny", "version": "2.0.0"}
    assert status["model"]["version"] == telemetry["model"]["version"] == "2.0.0"
