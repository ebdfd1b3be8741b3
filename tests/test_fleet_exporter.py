"""`edgelm fleet exporter`: Prometheus metrics from real agents' telemetry on a real Mosquitto, read back
with prometheus_client's own parser; the latency histogram is cumulative and consistent; an agent that
stops goes to up 0; the example Grafana dashboard only queries metrics the exporter serves."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

from mqtt_helpers import running_agent
from prometheus_client.parser import text_string_to_metric_families

from edge_agent.client import EdgeClient
from edgelm.demo_broker import free_port
from edgelm.fleet_exporter import serve

DASHBOARD = Path(__file__).resolve().parents[1] / "docs" / "grafana-dashboard.json"


def _scrape(port: int) -> dict[str, list]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def _for(samples: list, device: str, name: str | None = None) -> list:
    return [s for s in samples if s.labels.get("device") == device and (name is None or s.name == name)]


def test_exporter_serves_every_agent_with_prometheus_names(agent_bundle, broker):
    port = free_port()
    server, _, fleet = serve(broker.url, "127.0.0.1", port)
    try:
        with running_agent(agent_bundle, broker, "px-1", group="px", telemetry_interval_s=0.2) as agent:
            with EdgeClient(broker.url) as client:
                for _ in range(7):
                    client.request("turn on the kitchen light", device="px-1", timeout=10)
            time.sleep(0.6)
            metrics = _scrape(port)
            [up] = _for(metrics["edgelm_up"], "px-1")
            assert up.value == 1.0
            assert up.labels == {"device": "px-1", "group": "px", "model": agent.model.info["name"],
                                 "version": agent.model.info["version"]}
            [total] = _for(metrics["edgelm_requests"], "px-1", "edgelm_requests_total")
            assert total.value == 7.0
            histogram = metrics["edgelm_request_duration_seconds"]
            buckets = _for(histogram, "px-1", "edgelm_request_duration_seconds_bucket")
            counts = [b.value for b in sorted(buckets, key=lambda b: float(b.labels["le"]))]
            assert counts == sorted(counts)  # cumulative
            assert counts[-1] == 7.0  # +Inf
            assert _for(histogram, "px-1", "edgelm_request_duration_seconds_count")[0].value == 7.0
            assert 0 < _for(histogram, "px-1", "edgelm_request_duration_seconds_sum")[0].value < 7 * 1.0
            [rss] = _for(metrics["edgelm_resident_memory_bytes"], "px-1")
            assert rss.value > 10 * 2**20  # bytes, not MB
        time.sleep(0.3)
        [up] = _for(_scrape(port)["edgelm_up"], "px-1")
        assert up.value == 0.0  # its retained status now says offline
    finally:
        server.shutdown()
        fleet.close()


def test_the_grafana_dashboard_queries_only_served_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert len(exprs) >= 5
    served = {"edgelm_up", "edgelm_requests_total", "edgelm_errors_total", "edgelm_request_duration_seconds_bucket",
              "edgelm_request_duration_seconds_sum", "edgelm_request_duration_seconds_count", "edgelm_queue_depth",
              "edgelm_cpu_usage_ratio", "edgelm_resident_memory_bytes", "edgelm_temperature_celsius",
              "edgelm_telemetry_age_seconds"}
    used = {name for expr in exprs for name in re.findall(r"edgelm_[a-z_]+", expr)}
    assert used <= served, used - served
    assert any("histogram_quantile" in e and "sum by (le" in e for e in exprs)  # quantiles from summed buckets
