"""Is anyone there to answer? An agent's retained status (`online`, `degraded`, or `offline` from its Last
Will) says so before a request is sent: `edgelm ask` refuses at once instead of retrying into silence."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from edge_agent.transport.mqtt import Connection
from edgelm.retained import read_retained


class TargetUnavailable(Exception):
    pass


def statuses(conn: Connection, prefix: str, device: str | None = None) -> dict[str, dict[str, Any]]:
    """Device id -> its retained status: one device's, or every agent's on the broker."""
    filt = f"{prefix}/{device or '+'}/status"
    found = {}
    for topic, payload in read_retained(conn, [filt], prefix).items():
        try:
            status = json.loads(payload)
        except ValueError:
            continue  # not ours
        if isinstance(status, dict):
            found[topic.split("/")[-2]] = status
    return found


def _since(status: dict[str, Any]) -> str:
    ts = status.get("ts")
    if isinstance(ts, (int, float)) and 0 < ts < 1e11:
        return f" since {datetime.fromtimestamp(ts).strftime('%Y-%m-%d %H:%M:%S')}"
    return ""


def check_online(conn: Connection, prefix: str, device: str | None = None, group: str | None = None) -> None:
    """Raise TargetUnavailable unless the device, or some member of the group, says it is online."""
    if device:
        status = statuses(conn, prefix, device).get(device)
        if status is None:
            raise TargetUnavailable(f"no such device: nothing has announced itself on {prefix}/{device}/status")
        if status.get("state") != "online":
            raise TargetUnavailable(f"device {device} is {status.get('state', 'in an unknown state')}{_since(status)}")
        return
    members = {d: s for d, s in statuses(conn, prefix).items() if s.get("group") == group}
    if not members:
        raise TargetUnavailable(f"no such group: no agent's status on {prefix}/+/status names group {group}")
    if not any(s.get("state") == "online" for s in members.values()):
        states = ", ".join(f"{d} {s.get('state')}{_since(s)}" for d, s in sorted(members.items()))
        raise TargetUnavailable(f"no member of group {group} is online ({states})")
