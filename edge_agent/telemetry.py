"""Counters, rolling latency percentiles and host readings for the telemetry topic."""

from __future__ import annotations

import bisect
import itertools
import os
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

LATENCY_WINDOW = 1000
# Upper bounds (ms) of the cumulative latency histogram: a fleet's quantiles come from summed buckets
# (Prometheus' histogram_quantile), never from averaged per-agent percentiles.
LATENCY_BUCKETS_MS = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
THERMAL_ROOT = Path("/sys/class/thermal")


def read_temperature_c(root: Path = THERMAL_ROOT) -> float | None:
    """Highest thermal zone reading, or None where the board exposes none (VMs, containers)."""
    readings = []
    for zone in sorted(root.glob("thermal_zone*/temp")):
        try:
            readings.append(int(zone.read_text().strip()) / 1000.0)
        except (OSError, ValueError):
            continue
    return round(max(readings), 1) if readings else None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # no /proc/loadavg
        return None


class Stats:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.requests = 0
        self.errors = 0
        self.errors_by_kind: dict[str, int] = {}
        self.duplicates = 0
        self.batches = 0
        self.batched_requests = 0
        self._latency: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._buckets = [0] * len(LATENCY_BUCKETS_MS)  # per bucket, not yet cumulative
        self._latency_sum_ms = 0.0
        self._lock = threading.Lock()
        try:
            import psutil

            self._proc = psutil.Process(os.getpid())
            self._proc.cpu_percent(None)  # first call primes the counter
        except Exception:  # no psutil, or no /proc (a chroot, some containers): telemetry without them
            self._proc = None

    def record(self, total_ms: float) -> None:
        with self._lock:
            self.requests += 1
            self._latency.append(total_ms)
            self._latency_sum_ms += total_ms
            index = bisect.bisect_left(LATENCY_BUCKETS_MS, total_ms)
            if index < len(self._buckets):
                self._buckets[index] += 1

    def histogram(self) -> dict:
        """Cumulative counts per upper bound (ms) since start, with the count and sum of every request."""
        with self._lock:
            counts = list(itertools.accumulate(self._buckets))
            return {"le": list(LATENCY_BUCKETS_MS), "counts": counts, "count": self.requests,
                    "sum": round(self._latency_sum_ms, 3)}

    def error(self, kind: str = "request") -> None:
        """kind: request (refused), inference, callback (a bug caught at the MQTT boundary), delivery."""
        with self._lock:
            self.errors += 1
            self.errors_by_kind[kind] = self.errors_by_kind.get(kind, 0) + 1

    def duplicate(self) -> None:
        with self._lock:
            self.duplicates += 1

    def batch(self, size: int) -> None:
        with self._lock:
            self.batches += 1
            self.batched_requests += size

    def percentiles(self) -> dict[str, float | None]:
        with self._lock:
            values = np.asarray(self._latency)
        if not values.size:
            return {"p50": None, "p95": None, "p99": None}
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        return {"p50": round(float(p50), 3), "p95": round(float(p95), 3), "p99": round(float(p99), 3)}

    def snapshot(self, queue_depth: int, model: dict) -> dict:
        rss = cpu = None
        if self._proc is not None:
            try:
                rss = round(self._proc.memory_info().rss / 2**20, 1)
                cpu = round(self._proc.cpu_percent(None), 1)
            except Exception:  # /proc went away or is not readable: report nulls, never fail
                rss = cpu = None
        with self._lock:
            counts = {"requests": self.requests, "errors": self.errors,
                      "errors_by_kind": dict(self.errors_by_kind), "duplicates": self.duplicates,
                      "batches": self.batches,
                      "mean_batch": round(self.batched_requests / self.batches, 2) if self.batches else None}
        return {
            "v": 1,
            "ts": round(time.time(), 3),
            "uptime_s": round(time.monotonic() - self.started, 1),
            "cpu_percent": cpu,
            "rss_mb": rss,
            "temperature_c": read_temperature_c(),
            "load": _load(),
            "queue_depth": queue_depth,
            "latency_ms": self.percentiles(),
            "latency_histogram_ms": self.histogram(),
            "model": model,
            **counts,
        }
