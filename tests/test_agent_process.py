"""The agent as a real process: SIGKILL and restart lose nothing, SIGTERM is graceful, LWT fires,
and no heavy framework is ever imported."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner
from mqtt_helpers import Listener

from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.cli import cli

FORBIDDEN = ("torch", "transformers", "optimum", "tensorflow", "converter")


def start_agent(bundle, broker, device_id, *extra) -> subprocess.Popen:
    """Spawn `edgelm agent run` and return once it has published a fresh online status."""
    return start_agent_process(bundle, broker.url, device_id, "--device", "x86-64", "--telemetry-interval", "0",
                               *extra)[0]


def test_sigkill_and_restart_loses_no_request(bert_bundle, broker, device_id):
    proc = start_agent(bert_bundle, broker, device_id)
    try:
        with EdgeClient(broker.url) as client:
            first = [client.send(f"turn on lamp {i}", device=device_id) for i in range(10)]
            assert all("intent" in client.wait(f) for f in first)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            # sent while the agent is dead: the broker queues them in its persistent session
            during = [client.send(f"turn off lamp {i}", device=device_id) for i in range(20)]
            time.sleep(0.3)
            proc = start_agent(bert_bundle, broker, device_id)
            # no client retry: every answer must come from the persistent session
            answers = [client.wait(f, timeout=15, retries=0) for f in during]
        assert len({a["id"] for a in answers}) == 20
        assert all("intent" in a for a in answers)
    finally:
        proc.kill()
        proc.wait()


def test_sigterm_is_graceful_and_lwt_marks_a_crash(bert_bundle, broker, device_id):
    proc = start_agent(bert_bundle, broker, device_id)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    status = Listener(broker).subscribe(f"edgelm/{device_id}/status")
    assert json.loads(status.get().payload)["state"] == "offline"
    status.close()

    crashed = f"{device_id}-crash"
    proc = start_agent(bert_bundle, broker, crashed, "--protocol", "3.1.1")
    proc.kill()
    proc.wait()
    listener = Listener(broker).subscribe(f"edgelm/{crashed}/status")
    deadline = time.monotonic() + 10  # the broker notices the dead socket and publishes the will
    state = None
    while time.monotonic() < deadline and state != "offline":
        state = json.loads(listener.get(10).payload)["state"]
    listener.close()
    assert state == "offline"


def test_agent_never_imports_heavy_frameworks(bert_bundle, broker, device_id):
    script = f"""
import sys, json
from edgelm.cli import cli
from edge_agent.config import load_config
from edge_agent.service import Agent
from edge_agent.client import EdgeClient
agent = Agent(load_config(None, env={{}}, bundle={str(bert_bundle)!r}, broker={broker.url!r},
              device_id={device_id!r}, device="x86-64", telemetry_interval_s=0))
agent.start()
with EdgeClient({broker.url!r}) as client:
    assert "intent" in client.request("hello", device={device_id!r})
agent.stop()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_edgelm_ask_cli(bert_bundle, broker, device_id):
    proc = start_agent(bert_bundle, broker, device_id)
    try:
        runner = CliRunner()
        result = runner.invoke(cli, ["ask", "turn on the kitchen light", "--broker", broker.url,
                                     "--device", device_id, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["intent"]["name"].startswith("Hass")
        plain = runner.invoke(cli, ["ask", "turn on", "--broker", broker.url, "--device", device_id,
                                    "--protocol", "3.1.1"])
        assert plain.exit_code == 0
        assert "ms" in plain.output
        nobody = runner.invoke(cli, ["ask", "hi", "--broker", broker.url, "--device", "nobody-home",
                                     "--timeout", "0.3", "--retries", "1", "--no-status-check"])
        assert nobody.exit_code != 0
        assert "no answer" in nobody.output
    finally:
        proc.terminate()
        proc.wait(15)


def test_agent_cli_errors_are_one_line(tmp_path, broker):
    runner = CliRunner()
    missing = runner.invoke(cli, ["agent", "run", "--bundle", str(tmp_path / "none"), "--broker", broker.url,
                                  "--device-id", "x", "--device", "x86-64"])
    assert missing.exit_code != 0
    assert "does not exist" in missing.output
    assert "Traceback" not in missing.output
    bad_url = runner.invoke(cli, ["agent", "run", "--bundle", "b", "--broker", "http://x", "--device-id", "x"])
    assert bad_url.exit_code != 0
    assert "mqtt://" in bad_url.output
    reserved = runner.invoke(cli, ["agent", "run", "--bundle", "b", "--broker", broker.url, "--device-id", "group"])
    assert reserved.exit_code != 0
    assert "reserved" in reserved.output


def test_train_intents_rejects_a_step_count_below_one(tmp_path):
    result = CliRunner().invoke(cli, ["train-intents", "-o", str(tmp_path / "m"), "--steps", "0"])
    assert result.exit_code != 0
    assert "--steps" in result.output
    assert not (tmp_path / "m").exists()
