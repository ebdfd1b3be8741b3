"""`edgelm fleet status` against real agents on a real Mosquitto: what the retained status and
telemetry say about each, a stopped agent shown offline, stale telemetry marked."""

from __future__ import annotations

import json
import threading
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


HOSTILE_TELEMETRY = [
    b'{"ts":1,"interval_s":30,"model":"x"}', b'{"latency_ms":[1,2]}', b'{"interval_s":"30"}',
    b'{"ts":' + b"9" * 400 + b"}", b'{"cpu_percent":{"a":1}}', b'{"requests":"many"}', b'{"requests":-5}',
    b'{"latency_histogram_ms":{"le":[1,2],"counts":[5,3],"count":1,"sum":1}}', b'{"latency_histogram_ms":{"le":"x"}}',
    b'{"latency_histogram_ms":{"le":[1],"counts":[1],"count":1,"sum":NaN}}', b'{"rss_mb":1e999}',
    b'{"model":{"name":"a\\nb\\"c","version":["1"]}}', b"[1,2,3]", b'"text"', b"null", b'{"ts":true}',
    b'{"temperature_c":"hot"}', b'{"queue_depth":[]}', b'{"uptime_s":{"x":1}}', b'{"latency_ms":{"p50":"fast"}}',
    b"[" * 100000, b"\xff\xfe", b'{"model":{"name":"' + b"n" * 500 + b'"}}',
]
HOSTILE_STATUS = [b'{"state":5}', b'{"group":{"a":1},"state":"online"}', b'{"ts":"x","state":"offline"}',
                  b'{"model":[1],"state":"online"}', b'{"group":["a"]}']


def test_the_fleet_view_survives_any_retained_message(broker, tmp_path):
    """Anyone who may publish status or telemetry can send anything: `fleet status` still exits 0 with
    the bad rows marked, /metrics stays valid (prometheus_client's own parser), the good agent is intact,
    and an empty retained message clears a bad telemetry."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    from edgelm.demo_broker import free_port
    from edgelm.fleet_exporter import serve

    prefix = "hostile"  # its own prefix: no other test reads these retained messages
    good_status = {"v": 1, "state": "online", "device_id": "good", "group": "g", "ts": 1.0,
                   "model": {"name": "m", "version": "1"}}
    good_telemetry = {"ts": time.time(), "interval_s": 30, "requests": 3, "errors": 0,
                      "latency_histogram_ms": {"le": [1, 5], "counts": [1, 3], "count": 3, "sum": 4.5}}
    publisher = Listener(broker)
    topics = []

    def retain(topic: str, payload: bytes) -> None:
        topics.append(topic)
        publisher.publish(topic, payload, retain=True)

    retain(f"{prefix}/good/status", json.dumps(good_status).encode())
    retain(f"{prefix}/good/telemetry", json.dumps(good_telemetry).encode())
    for n, payload in enumerate(HOSTILE_TELEMETRY):
        retain(f"{prefix}/t{n}/status", json.dumps({**good_status, "device_id": f"t{n}"}).encode())
        retain(f"{prefix}/t{n}/telemetry", payload)
    for n, payload in enumerate(HOSTILE_STATUS):
        retain(f"{prefix}/s{n}/status", payload)
    port = free_port()
    server, _, fleet = serve(broker.url, "127.0.0.1", port, prefix)
    try:
        result = CliRunner().invoke(cli, ["fleet", "status", "--broker", broker.url, "--prefix", prefix, "--json",
                                          "--wait", "1"])
        assert result.exit_code == 0, result.output
        rows = {row["device"]: row for row in json.loads(result.output)}
        assert rows["good"]["bad"] == []
        assert rows["good"]["requests"] == 3
        assert all(rows[f"t{n}"]["bad"] for n in range(len(HOSTILE_TELEMETRY))), \
            [n for n in range(len(HOSTILE_TELEMETRY)) if not rows[f"t{n}"]["bad"]]
        assert all(rows[f"s{n}"]["bad"] for n in range(len(HOSTILE_STATUS)))
        assert CliRunner().invoke(cli, ["fleet", "status", "--broker", broker.url, "--prefix", prefix,
                                        "--wait", "1"]).exit_code == 0  # the table prints too
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        families = {f.name: f.samples for f in text_string_to_metric_families(text)}
        assert [s.value for s in families["edgelm_requests"] if s.labels["device"] == "good"] == [3.0]
        publisher.publish(f"{prefix}/t0/telemetry", b"", retain=True)
        deadline = time.monotonic() + 5
        while fleet.rows() and [r for r in fleet.rows() if r["device"] == "t0"][0]["bad"]:
            assert time.monotonic() < deadline, "the cleared telemetry was never taken"
            time.sleep(0.02)
    finally:
        server.shutdown()
        fleet.close()
        for topic in topics:
            publisher.publish(topic, b"", retain=True)
        publisher.close()


def test_status_keeps_collecting_while_retained_messages_still_arrive():
    """`fleet status --wait 1` on a slow broker: a fixed second missed the last retained telemetry of a large
    fleet (CI saw three hostile rows unread). settle() waits on until the messages stop, within its cap."""
    from edgelm.fleet import Fleet

    view = Fleet("mqtt://127.0.0.1:1", "settle")  # never connected: only its clock of arrivals is used
    stop = time.monotonic() + 1.0

    def arrivals() -> None:
        while time.monotonic() < stop:
            view.last_message = time.monotonic()
            time.sleep(0.05)

    sender = threading.Thread(target=arrivals)
    start = time.monotonic()
    sender.start()
    view.settle(0.1, quiet=0.5, cap=5.0)
    waited = time.monotonic() - start
    sender.join()
    assert 1.0 <= waited < 5.0, waited
    start = time.monotonic()
    view.settle(0.1, quiet=0.3, cap=5.0)  # nothing arrives now: only the minimum wait
    assert time.monotonic() - start < 1.0
