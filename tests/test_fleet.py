"""`edgelm fleet status` against real agents on a real Mosquitto: what the retained status and
telemetry say about each, a stopped agent shown offline, stale telemetry marked."""

from __future__ import annotations

import json
import time

from click.testing import CliRunner
from mqtt_helpers import Listener, running_agent

from edge_agent.client import EdgeClient
from edgelm.cli import cli


def _status(broker, *extra) -> list[dict]:
    result = CliRunner().invoke(cli, ["fleet", "status", "--broker", broker.url, "--json", "--wait", "0.5", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_fleet_status_lists_every_agent_from_what_they_publish(agent_bundle, broker):
    with running_agent(agent_bundle, broker, "f-one", group="fleet-g", telemetry_interval_s=0.2), \
            running_agent(agent_bundle, broker, "f-two", group="fleet-g", telemetry_interval_s=0.2):
        with running_agent(agent_bundle, broker, "f-gone", telemetry_interval_s=0.2):
            pass  # started and stopped: its retained status says offline
        with EdgeClient(broker.url) as client:
            for _ in range(6):
                client.request("turn on the kitchen light", group="fleet-g", timeout=10)
        time.sleep(0.5)  # a telemetry interval or two after the requests
        rows = {r["device"]: r for r in _status(broker) if r["device"].startswith("f-")}
    assert set(rows) == {"f-one", "f-two", "f-gone"}
    for device in ("f-one", "f-two"):
        row = rows[device]
        assert row["state"] == "online"
        assert row["group"] == "fleet-g"
        assert row["runtime"] == "onnxruntime"
        assert row["model"]
        assert row["stale"] is False
        assert row["telemetry_age_s"] < 2
    assert rows["f-one"]["requests"] + rows["f-two"]["requests"] == 6
    assert rows["f-gone"]["state"] == "offline"
    assert rows["f-gone"]["since"] > rows["f-one"]["since"]


def test_stale_telemetry_is_marked_and_the_table_prints(broker):
    listener = Listener(broker)
    old = {"v": 1, "ts": time.time() - 120, "interval_s": 10, "requests": 5, "uptime_s": 50,
           "latency_ms": {"p50": 1.0, "p95": 2.0}, "model": {"name": "m", "version": "1", "runtime": "onnxruntime"}}
    listener.publish("edgelm/f-stale/status", json.dumps({"v": 1, "state": "online", "ts": time.time() - 130}),
                     retain=True)
    listener.publish("edgelm/f-stale/telemetry", json.dumps(old), retain=True)
    try:
        [row] = [r for r in _status(broker) if r["device"] == "f-stale"]
        assert row["stale"] is True
        assert row["requests_per_s"] == 0.1  # one message: the mean since start
        table = CliRunner().invoke(cli, ["fleet", "status", "--broker", broker.url, "--wait", "0.5"])
        assert "f-stale" in table.output
        assert "STALE" in table.output
    finally:
        listener.publish("edgelm/f-stale/status", b"", retain=True)
        listener.publish("edgelm/f-stale/telemetry", b"", retain=True)
        listener.close()


def test_fleet_status_reports_an_unreachable_broker_in_one_line():
    result = CliRunner().invoke(cli, ["fleet", "status", "--broker", "mqtt://127.0.0.1:9", "--wait", "0",
                                      "--timeout", "1"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
