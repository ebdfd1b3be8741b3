"""What the fleet view keeps of an agent's retained status and telemetry, decided totally: anyone who may
publish there can send any JSON, so every field is checked for its type and range, a bad one is dropped
and named (the agent's row is marked `bad`), and nothing a message holds can fail a table or a scrape."""

from __future__ import annotations

import math
from typing import Any

MAX_NUMBER = 1e15  # a timestamp in ms, a byte count: anything larger is not a reading
MAX_TEXT = 128
STATES = ("online", "degraded", "offline")
STATUS_TEXT = ("group", "version", "device_id")
TELEMETRY_NUMBERS = ("ts", "interval_s", "uptime_s", "requests", "errors", "queue_depth", "cpu_percent", "rss_mb",
                     "temperature_c")
NON_NEGATIVE = ("interval_s", "uptime_s", "requests", "errors", "queue_depth", "cpu_percent", "rss_mb")
MAX_BUCKETS = 64


def number(value: Any) -> int | float | None:
    """A finite int or float (not a bool) within ±MAX_NUMBER, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        as_float = float(value)
    except OverflowError:  # a 400-digit integer
        return None
    if not math.isfinite(as_float) or abs(as_float) > MAX_NUMBER:
        return None
    return value if isinstance(value, int) else as_float


def _count(value: Any) -> int | float | None:
    checked = number(value)
    return checked if checked is not None and checked >= 0 else None


def text(value: Any) -> str | None:
    """A short printable string, else None."""
    if not isinstance(value, str) or len(value) > MAX_TEXT or not value.isprintable():
        return None
    return value


class Decoded:
    """Checked fields, and the names of those that were present and wrong."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.bad: list[str] = []

    def keep(self, data: dict, key: str, check) -> None:
        if key not in data or data[key] is None:
            return
        value = check(data[key])
        if value is None:
            self.bad.append(key)
        else:
            self.fields[key] = value


def _model(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    kept = {key: text(value[key]) for key in ("name", "version", "runtime") if key in value}
    return None if None in kept.values() else kept  # type: ignore[return-value]


def _state(value: Any) -> str | None:
    return value if value in STATES else None


def _latency(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    kept = {key: number(value[key]) for key in ("p50", "p95", "p99") if value.get(key) is not None}
    return None if None in kept.values() else kept  # type: ignore[return-value]


def _histogram(value: Any) -> dict | None:
    """Cumulative buckets: increasing bounds, non-decreasing counts, a total at least the last count."""
    if not isinstance(value, dict):
        return None
    le, counts = value.get("le"), value.get("counts")
    count, total = number(value.get("count")), number(value.get("sum"))
    if not (isinstance(le, list) and isinstance(counts, list) and 0 < len(le) == len(counts) <= MAX_BUCKETS):
        return None
    read_bounds, read_counts = [number(v) for v in le], [number(v) for v in counts]
    if count is None or total is None or any(v is None for v in (*read_bounds, *read_counts)):
        return None
    bounds = [float(v or 0) for v in read_bounds]
    cumulative = [float(v or 0) for v in read_counts]
    ok = (all(a < b for a, b in zip(bounds, bounds[1:])) and all(0 <= a <= b for a, b in zip(cumulative, cumulative[1:]))
          and cumulative[0] >= 0 and count >= cumulative[-1] and total >= 0)
    return {"le": bounds, "counts": cumulative, "count": count, "sum": total} if ok else None


def status(data: Any) -> Decoded:
    decoded = Decoded()
    if not isinstance(data, dict):
        decoded.bad.append("status")
        return decoded
    decoded.keep(data, "state", _state)
    decoded.keep(data, "ts", number)
    decoded.keep(data, "model", _model)
    for key in STATUS_TEXT:
        decoded.keep(data, key, text)
    return decoded


def telemetry(data: Any) -> Decoded:
    decoded = Decoded()
    if not isinstance(data, dict):
        decoded.bad.append("telemetry")
        return decoded
    for key in TELEMETRY_NUMBERS:
        decoded.keep(data, key, _count if key in NON_NEGATIVE else number)
    decoded.keep(data, "model", _model)
    decoded.keep(data, "latency_ms", _latency)
    decoded.keep(data, "latency_histogram_ms", _histogram)
    return decoded
