"""`edgelm deploy BUNDLE --broker URL (--to ID | --group G)`: an over-the-air model update."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from edge_agent.transport.mqtt import Connection, MqttError, TlsFiles
from edge_agent.transport.session import BrokerUrl, BrokerUrlError


@click.command()
@click.argument("bundle", type=click.Path(exists=True, path_type=Path))
@click.option("--broker", required=True, help="mqtt[s]://[user:password@]host[:port] (an operator's login)")
@click.option("--to", "device_id", default=None, help="The device id to update.")
@click.option("--group", default=None, help="Update every online member of group G (read from their status).")
@click.option("--wait", is_flag=True, help="Also wait for each device's health gate (healthy or rolled back).")
@click.option("--timeout", default=300.0, show_default=True, type=float, help="Seconds for the whole deploy.")
@click.option("--prefix", default="edgelm", show_default=True)
@click.option("--protocol", type=click.Choice(["5", "3.1.1"]), default="5", show_default=True)
@click.option("--ca-file", default=None, type=click.Path(exists=True), help="CA of a TLS broker.")
@click.option("--cert", default=None, type=click.Path(exists=True), help="Client certificate (TLS login).")
@click.option("--key", "cert_key", default=None, type=click.Path(exists=True), help="Its private key.")
@click.option("--allow-downgrade", "downgrade_key", default=None, type=click.Path(exists=True, path_type=Path),
              help="Sign a downgrade descriptor with this trust private key: agents accept an older version.")
def deploy(bundle, broker, device_id, group, wait, timeout, prefix, protocol, ca_file, cert, cert_key,
           downgrade_key) -> None:
    """Send BUNDLE to running agents over MQTT; exit 1 if any device refused, failed or rolled back."""
    from edgelm import deploy as lib

    if bool(device_id) == bool(group):
        raise click.UsageError("give exactly one of --to or --group")
    try:
        archive, manifest = lib.pack(bundle)
        conn = Connection(BrokerUrl.from_url(broker), f"edgelm-deploy-{uuid.uuid4().hex[:8]}",
                          5 if protocol == "5" else 4, tls=TlsFiles(ca_file, cert, cert_key))
        conn.connect()
    except (lib.DeployError, BrokerUrlError, MqttError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        results = _deploy(conn, prefix, archive, manifest, device_id, group, downgrade_key, timeout, wait)
    except (lib.DeployError, MqttError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        conn.disconnect()
    failed = [r for r in results if not r.ok]
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(results)} devices not updated: "
                                   + ", ".join(f"{r.device_id} ({r.state})" for r in failed))


def _deploy(conn, prefix, archive, manifest, device_id, group, downgrade_key, timeout, wait) -> list:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from edgelm import deploy as lib

    console = Console(stderr=True)
    found = lib.members(conn, prefix, group=group, device=device_id)
    online = [m for m in found if m.online]
    for member in found:
        if not member.online:
            console.print(f"[yellow]{member.device_id}: offline, not updated[/yellow]")
    if not online:
        what = f"group {group!r} has no online member" if group else f"device {device_id!r} is not online"
        raise lib.DeployError(f"{what} (no retained online status under {prefix}/+/status)")
    off = [m.device_id for m in online if not m.enabled or not m.max_chunk]
    if off:
        raise lib.DeployError(f"over-the-air updates are off on {', '.join(off)} (no trust_key, or an older agent)")
    job = lib.Deployment(conn, prefix, archive, manifest, online, group=group, downgrade_key=downgrade_key)
    console.print(f"{manifest['name']} {manifest['version']}: {len(archive) / 2**20:.1f} MB in "
                  f"{job.begin.chunks} chunks of {job.chunk_size} bytes to {len(online)} device(s)")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[state]}"),
                  console=console, transient=False) as progress:
        tasks = {m.device_id: progress.add_task(m.device_id, total=job.begin.chunks, state="waiting")
                 for m in online}

        def update(result: lib.Result) -> None:
            progress.update(tasks[result.device_id], completed=result.received, state=result.state)
        results = job.run(timeout, wait, update)
    for result in results.values():
        running = result.running or {}
        note = f" (serving paused {result.pause_ms} ms)" if result.pause_ms else ""
        line = f"{result.device_id}: {result.state}, serving {running.get('name')} {running.get('version')}{note}"
        console.print(line + (f": {result.reason}" if result.reason else ""),
                      style=None if result.ok else "red")
    return list(results.values())
