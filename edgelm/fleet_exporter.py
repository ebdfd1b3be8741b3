"""Prometheus metrics for every agent on a broker, from the same retained status and telemetry that
`edgelm fleet status` reads: one exporter per broker, nothing on the boards. Prometheus naming: base
units (seconds, bytes), `_total` counters, labels `device`, `group`, `model`, `version` and nothing per
request. Latency is a histogram (the agents' cumulative buckets), so a fleet's quantiles come from
summed buckets: `histogram_quantile(0.95, sum by (le) (rate(edgelm_request_duration_seconds_bucket[5m])))`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from edgelm.fleet import Fleet

LABELS = ["device", "group", "model", "version"]


def _labels(row: dict[str, Any]) -> list[str]:
    return [str(row.get(key) or "") for key in LABELS]


class FleetCollector:
    """A prometheus_client collector: reads the fleet's latest messages at each scrape."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        with self.fleet.lock:
            agents = list(self.fleet.agents.values())
        rows = [(agent, agent.row(self.fleet.clock())) for agent in agents]
        up = GaugeMetricFamily("edgelm_up", "1 when the agent is online with fresh telemetry", labels=LABELS)
        requests = CounterMetricFamily("edgelm_requests", "requests answered since the agent started", labels=LABELS)
        errors = CounterMetricFamily("edgelm_errors", "requests refused or failed since the agent started",
                                     labels=LABELS)
        latency = HistogramMetricFamily("edgelm_request_duration_seconds",
                                        "time from a request's arrival to its answer, at the agent", labels=LABELS)
        gauges = {key: GaugeMetricFamily(name, doc, labels=LABELS) for key, name, doc in (
            ("queue", "edgelm_queue_depth", "requests waiting for the worker"),
            ("cpu", "edgelm_cpu_usage_ratio", "the agent process's CPU use (1.0 = one core)"),
            ("rss", "edgelm_resident_memory_bytes", "the agent process's resident memory"),
            ("temp", "edgelm_temperature_celsius", "the board's hottest thermal zone"),
            ("age", "edgelm_telemetry_age_seconds", "seconds since the agent's last telemetry"))}
        for agent, row in rows:
            labels = _labels(row)
            up.add_metric(labels, 1.0 if row["state"] == "online" and not row["stale"] else 0.0)
            tel = agent.telemetry
            if not tel:
                continue
            requests.add_metric(labels, float(tel.get("requests") or 0))
            errors.add_metric(labels, float(tel.get("errors") or 0))
            _add_histogram(latency, labels, tel.get("latency_histogram_ms"))
            for key, value in (("queue", row["queue"]), ("rss", _times(row["rss_mb"], 2**20)),
                               ("cpu", _times(row["cpu_percent"], 0.01)), ("temp", row["temperature_c"]),
                               ("age", row["telemetry_age_s"])):
                if value is not None:
                    gauges[key].add_metric(labels, float(value))
        yield from (up, requests, errors, latency, *gauges.values())


def _times(value: Any, factor: float) -> float | None:
    return None if value is None else float(value) * factor


def _add_histogram(family, labels: list[str], histogram: dict | None) -> None:
    """Milliseconds to seconds; an agent from before histograms (no buckets) is left out."""
    if not isinstance(histogram, dict) or not histogram.get("le"):
        return
    buckets = [(_bound(le / 1000.0), float(count)) for le, count in zip(histogram["le"], histogram["counts"])]
    buckets.append(("+Inf", float(histogram["count"])))
    family.add_metric(labels, buckets, sum_value=float(histogram["sum"]) / 1000.0)


def _bound(seconds: float) -> str:
    return repr(round(seconds, 6))


def serve(broker: str, host: str, port: int, prefix: str = "edgelm"):
    """Start the exporter; returns (server, thread, fleet): shut the server down and close the fleet to stop."""
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError as exc:
        raise ImportError("edgelm fleet exporter needs prometheus_client: pip install 'edgelm[fleet]'") from exc
    fleet = Fleet(broker, prefix).open()
    registry = CollectorRegistry()
    registry.register(FleetCollector(fleet))  # type: ignore[arg-type]
    server, thread = start_http_server(port, addr=host, registry=registry)
    return server, thread, fleet
