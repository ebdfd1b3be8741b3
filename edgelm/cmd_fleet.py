"""`edgelm fleet status`: every agent on a broker, from their retained status and telemetry
(library: edgelm.fleet)."""

from __future__ import annotations

import json
import time
from datetime import datetime

import click

COLUMNS = [("device", "device"), ("group", "group"), ("state", "state"), ("since", "since"),
           ("model", "model"), ("runtime", "runtime"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
           ("req/s", "requests_per_s"), ("errors", "errors"), ("queue", "queue"), ("cpu %", "cpu_percent"),
           ("RSS MB", "rss_mb"), ("temp °C", "temperature_c"), ("telemetry", "telemetry_age_s")]


@click.group()
def fleet() -> None:
    """Every agent on a broker."""


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    if key == "since" and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if key == "model":
        return f"{value} {row.get('version') or ''}".strip() if value else "-"
    if key == "state" and row.get("bad"):  # fields dropped from what the agent (or anyone) published
        return f"{value} BAD ({', '.join(row['bad'])})"
    if key == "telemetry_age_s":
        return "-" if value is None else f"{value:.0f} s ago{' STALE' if row['stale'] else ''}"
    return "-" if value is None else str(value)


def _table(rows: list[dict]):
    from rich.table import Table

    table = Table(title=f"{len(rows)} agents")
    for header, _ in COLUMNS:
        table.add_column(header)
    for row in rows:
        style = "red" if row["state"] != "online" or row.get("bad") else ("yellow" if row["stale"] else None)
        table.add_row(*(_cell(row, key) for _, key in COLUMNS), style=style)
    return table


@fleet.command("status")
@click.option("--broker", required=True, help="mqtt://host:1883")
@click.option("--prefix", default="edgelm", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON list (with --watch: one per refresh, a line each).")
@click.option("--watch", is_flag=True, help="Keep refreshing until Ctrl-C.")
@click.option("--wait", default=1.0, show_default=True, type=float,
              help="Seconds to collect retained messages before the first table (longer while they still arrive).")
@click.option("--every", default=2.0, show_default=True, type=float, help="Refresh interval with --watch.")
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds for the connection.")
def status(broker: str, prefix: str, as_json: bool, watch: bool, wait: float, every: float, timeout: float) -> None:
    """Online/offline and since when, model, runtime, latency, requests/s, errors, queue, CPU, RSS,
    temperature; stale telemetry marked."""
    from edge_agent.transport.mqtt import MqttError
    from edge_agent.transport.session import BrokerUrlError
    from edgelm.fleet import Fleet
    from edgelm.tables import print_table

    try:
        with Fleet(broker, prefix, timeout=timeout) as view:
            view.settle(wait)
            while True:
                rows = view.rows()
                if as_json:
                    click.echo(json.dumps(rows, separators=(",", ":")) if watch else json.dumps(rows, indent=2))
                else:
                    print_table(_table(rows))
                if not watch:
                    return
                time.sleep(every)
    except (MqttError, BrokerUrlError) as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass


@fleet.command("exporter")
@click.option("--broker", required=True, help="mqtt://host:1883")
@click.option("--listen", default=":9108", show_default=True, help="[HOST]:PORT for /metrics")
@click.option("--prefix", default="edgelm", show_default=True)
def exporter(broker: str, listen: str, prefix: str) -> None:
    """Serve Prometheus /metrics for every agent seen on the broker."""
    from edge_agent.transport.mqtt import MqttError
    from edge_agent.transport.session import BrokerUrlError
    from edgelm.fleet_exporter import serve

    host, _, port = listen.rpartition(":")
    if not port.isdigit():
        raise click.ClickException(f"--listen must be [HOST]:PORT, not {listen!r}")
    try:
        server, thread, view = serve(broker, host or "0.0.0.0", int(port), prefix)
    except (MqttError, BrokerUrlError, ImportError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"serving http://{host or '0.0.0.0'}:{server.server_port}/metrics for the agents on {broker}", err=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
        view.close()
