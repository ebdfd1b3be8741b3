"""docs/examples/node-red-flow.json run by a real, headless Node-RED 4 (npm; cached) against the test broker
and agent: the inject fires, the agent answers over MQTT 5, and the flow's own function acts on the intent.
A missing Node.js or npm fails the test (never a skip)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CACHE_ROOT, ROOT, unavailable
from mqtt_helpers import Listener, running_agent

from edgelm.demo_broker import free_port

NODE_RED = "node-red@4.1.15"
FLOW = ROOT / "docs" / "examples" / "node-red-flow.json"



@pytest.fixture(scope="session")
def node_red() -> Path:
    return install_node_red()


def install_node_red() -> Path:
    """red.js of a cached `npm install node-red@4.1.15` (~17 s the first time, 117 MB)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        unavailable("Node.js and npm are needed (Node 20)")
    target = CACHE_ROOT / f"{NODE_RED.replace('@', '-')}"
    red = target / "node_modules" / "node-red" / "red.js"
    if not red.exists():
        partial = CACHE_ROOT / f".{target.name}.{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", NODE_RED], cwd=partial,
                              capture_output=True, text=True)
        if done.returncode != 0:
            unavailable(f"npm install {NODE_RED} failed: {done.stderr[-300:]}")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return red


def test_the_node_red_example_flow_asks_the_agent_and_acts_on_the_intent(agent_bundle, broker, device_id, node_red,
                                                                         tmp_path):
    flow = json.loads(FLOW.read_text())
    for node in flow:
        if node["type"] == "mqtt-broker":
            node.update(broker=broker.host, port=str(broker.port))
        if node.get("topic") == "edgelm/kitchen/request":
            node["topic"] = f"edgelm/{device_id}/request"
        if node["id"] == "edgelm_act":  # the test's only addition: publish what the flow acted on
            node["wires"][0].append("test_observe")
    flow.append({"id": "test_observe", "type": "mqtt out", "z": "edgelm_tab", "topic": "nodered/test/acted",
                 "qos": "1", "retain": "false", "broker": "edgelm_broker", "wires": []})
    (tmp_path / "flows.json").write_text(json.dumps(flow))
    (tmp_path / "settings.js").write_text(
        f"module.exports = {{ uiHost: '127.0.0.1', uiPort: {free_port()}, disableEditor: true, httpAdminRoot: false,"
        " httpNodeRoot: false, credentialSecret: false, flowFile: 'flows.json', logging: {console: {level: 'warn'}} };")
    observed = Listener(broker).subscribe("nodered/test/acted").subscribe("edgelm/reply/nodered/#")
    with running_agent(agent_bundle, broker, device_id):
        red = subprocess.Popen(["node", str(node_red), "--settings", str(tmp_path / "settings.js"), "--userDir",
                                str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            messages = {m.topic: m for m in (observed.get(timeout=30), observed.get(timeout=10))}
        finally:
            red.terminate()
            log = red.communicate(timeout=15)[0]
    answer = messages["edgelm/reply/nodered/answers"]
    acted = json.loads(messages["nodered/test/acted"].payload)
    assert answer.properties.ContentType == "application/json"
    assert answer.properties.CorrelationData.decode() == json.loads(answer.payload)["id"]  # Date.now(), as a string
    assert acted["intent"] == json.loads(answer.payload)["intent"]["name"], log[-1500:]
    assert acted["id"].isdigit()
    assert "Error" not in log, log[-1500:]
