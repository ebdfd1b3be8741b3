"""Every agent on a broker, from what they publish anyway: the retained status (`online`, `offline` from
the Last Will, `degraded`; its `ts` is when that state began) and the retained telemetry. Nothing is
asked of the agents, so watching a fleet costs the boards nothing.

A telemetry message older than STALE_INTERVALS of its own `interval_s` is stale: the agent stopped
reporting (it may be down without a Last Will yet: the broker sends that only after the keep-alive)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from edge_agent.transport.mqtt import Connection, Message
from edge_agent.transport.session import BrokerUrl
from edgelm import fleet_decode

STALE_INTERVALS = 3  # as telemetry.v1.json says: older than three of its intervals is stale
STATES = {"online": 0, "degraded": 1, "offline": 2}  # sort order: what needs a look comes last


@dataclass
class Agent:
    """The checked fields of the agent's last status and telemetry (edgelm.fleet_decode), and the names of
    fields that were there and wrong: any of those marks its row `bad`."""

    device: str
    status: dict[str, Any] = field(default_factory=dict)
    telemetry: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)  # the telemetry before, for a request rate
    bad_status: list[str] = field(default_factory=list)
    bad_telemetry: list[str] = field(default_factory=list)

    def row(self, now: float) -> dict[str, Any]:
        """One flat record: what `fleet status` prints and `--json` returns."""
        status, tel = self.status, self.telemetry
        model = tel.get("model") or status.get("model") or {}
        latency = tel.get("latency_ms") or {}
        interval = tel.get("interval_s") or 0
        age = now - tel["ts"] if isinstance(tel.get("ts"), (int, float)) else None
        stale = age is not None and interval > 0 and age > STALE_INTERVALS * interval
        return {"device": self.device, "group": status.get("group"), "state": status.get("state", "unknown"),
                "since": status.get("ts"), "model": model.get("name"), "version": model.get("version"),
                "runtime": model.get("runtime"), "p50_ms": latency.get("p50"), "p95_ms": latency.get("p95"),
                "requests_per_s": self.rate(), "requests": tel.get("requests"), "errors": tel.get("errors"),
                "queue": tel.get("queue_depth"), "cpu_percent": tel.get("cpu_percent"), "rss_mb": tel.get("rss_mb"),
                "temperature_c": tel.get("temperature_c"), "telemetry_age_s": None if age is None else round(age, 1),
                "stale": stale, "agent_version": status.get("version"),
                "bad": sorted({*(f"status.{k}" for k in self.bad_status),
                               *(f"telemetry.{k}" for k in self.bad_telemetry)})}

    def rate(self) -> float | None:
        """Requests per second between the last two telemetry messages; with one, the mean since start."""
        now, before = self.telemetry, self.previous
        try:
            if before and now["ts"] > before["ts"] and now["requests"] >= before["requests"]:
                return round((now["requests"] - before["requests"]) / (now["ts"] - before["ts"]), 2)
            if now.get("uptime_s"):
                return round(now["requests"] / now["uptime_s"], 2)
        except (KeyError, TypeError):
            pass
        return None


class Fleet:
    """A read-only subscriber to `<prefix>/+/status` and `<prefix>/+/telemetry`."""

    def __init__(self, broker: str, prefix: str = "edgelm", protocol: int = 5, timeout: float = 10.0):
        self.prefix = prefix
        self.timeout = timeout  # for the connection
        self.agents: dict[str, Agent] = {}
        self.lock = threading.Lock()
        self.clock = time.time
        self.last_message = time.monotonic()  # when anything last arrived: see settle()
        self.conn = Connection(BrokerUrl.from_url(broker), f"edgelm-fleet-{uuid.uuid4().hex[:8]}", protocol)
        self.conn.subscribe(f"{prefix}/+/status", self._on_status, qos=1)
        self.conn.subscribe(f"{prefix}/+/telemetry", self._on_telemetry, qos=0)

    def open(self) -> Fleet:
        self.conn.connect(timeout=self.timeout)
        return self

    def close(self) -> None:
        self.conn.disconnect()

    def __enter__(self) -> Fleet:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def settle(self, wait: float, quiet: float = 0.3, cap: float = 10.0) -> None:
        """Collect the retained messages: at least `wait` seconds, then until none arrived for `quiet`
        seconds (a busy broker or a large fleet sends them for longer than any fixed wait), at most `cap`."""
        start = time.monotonic()
        time.sleep(wait)
        while time.monotonic() - self.last_message < quiet and time.monotonic() - start < max(cap, wait):
            time.sleep(quiet / 3)

    def _agent(self, msg: Message) -> Agent | None:
        self.last_message = time.monotonic()
        parts = msg.topic.split("/")
        if len(parts) != 3 or parts[1] in ("group", "reply"):
            return None
        return self.agents.setdefault(parts[1], Agent(parts[1]))

    @staticmethod
    def _json(msg: Message) -> Any:
        try:
            return json.loads(msg.payload)
        except (ValueError, RecursionError):
            return None  # decoded as not an object: the row says so

    def _on_status(self, msg: Message) -> None:
        decoded = fleet_decode.status(self._json(msg)) if msg.payload else None
        with self.lock:
            agent = self._agent(msg)
            if agent is None:
                return
            if decoded is None:  # `edgelm agent unregister` cleared it
                self.agents.pop(agent.device, None)
            else:
                agent.status, agent.bad_status = decoded.fields, decoded.bad

    def _on_telemetry(self, msg: Message) -> None:
        decoded = fleet_decode.telemetry(self._json(msg)) if msg.payload else None
        with self.lock:
            agent = self._agent(msg)
            if agent is None:
                return
            if decoded is None:  # an empty retained message clears it
                agent.previous, agent.telemetry, agent.bad_telemetry = {}, {}, []
            else:
                agent.previous, agent.telemetry, agent.bad_telemetry = agent.telemetry, decoded.fields, decoded.bad

    def rows(self, now: float | None = None) -> list[dict[str, Any]]:
        now = self.clock() if now is None else now
        with self.lock:
            rows = [agent.row(now) for agent in self.agents.values()]
        return sorted(rows, key=lambda r: (r["group"] or "", STATES.get(r["state"], 3), r["device"]))
