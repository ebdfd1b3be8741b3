"""Over-the-air deploys against a real Mosquitto and real bundles: the hot swap under load, every
refusal (with the old model still serving), the health gate's rollback, restarts and the crash-loop guard."""

from __future__ import annotations

import threading
import time

import pytest
from mqtt_helpers import running_agent, validate
from ota_helpers import deploy, variant

from edge_agent.client import EdgeClient
from edge_agent.signing import generate_keys

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
