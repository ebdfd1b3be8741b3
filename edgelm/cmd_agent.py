"""`edgelm agent run|unregister` and `edgelm ask`: the on-device service and a one-shot client."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from edge_agent.config import ConfigError, load_config
from edge_agent.home.names_file import HomeFileError
from edge_agent.inference.bundle import BundleError
from edge_agent.inference.runtime import RuntimeUnavailable
from edge_agent.transport.mqtt import MqttError


@click.group()
def agent() -> None:
    """The on-device service."""


@agent.command("run")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="agent.toml")
@click.option("--bundle", default=None,
              help="Bundle dir or .tar.gz (overrides the config; default: the package's home model).")
@click.option("--broker", default=None, help="mqtt://host:1883 or mqtts://host:8883")
@click.option("--device-id", default=None)
@click.option("--group", default=None, help="Also serve edgelm/group/G/request as one member of G.")
@click.option("--device", default=None, help="Board profile (detected when omitted).")
@click.option("--protocol", type=click.Choice(["5", "3.1.1"]), default=None)
@click.option("--max-batch", type=int, default=None)
@click.option("--telemetry-interval", type=float, default=None)
@click.option("--wyoming", "wyoming_uri", default=None, metavar="URI",
              help="Also serve Home Assistant Assist as a Wyoming intent service, e.g. tcp://0.0.0.0:10700.")
def run(config_file, bundle, broker, device_id, group, device, protocol, max_batch, telemetry_interval,
        wyoming_uri) -> None:
    """Load the bundle, go online and serve until SIGTERM/SIGINT."""
    from edge_agent.service import Agent
    from edgelm.home_model import HOME_BUNDLE

    try:  # no bundle in the options, the config or EDGELM_BUNDLE: the package's home model
        config = load_config(config_file, defaults={"bundle": str(HOME_BUNDLE)}, bundle=bundle, broker=broker,
                             device_id=device_id, group=group,
                             device=device, protocol={"5": 5, "3.1.1": 4}.get(protocol or ""),
                             max_batch=max_batch, telemetry_interval_s=telemetry_interval, wyoming_uri=wyoming_uri)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    logging.getLogger().setLevel(config.log_level.upper())  # the root handler is set up by `edgelm` itself
    try:
        service = Agent(config)  # loads the home's names and the model, opens the answer store
        service.install_signal_handlers()
        service.start()
    except (BundleError, RuntimeUnavailable, MqttError, ConfigError, HomeFileError, ImportError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"agent {config.device_id} online at {config.broker}", err=True)
    if service.wyoming is not None:
        click.echo(f"Wyoming intent service on tcp://{service.wyoming.uri.host}:{service.wyoming.port}", err=True)
    service.serve_forever()
    if service.failed.is_set():
        raise click.ClickException("the inference worker stopped; exiting for a restart (status: degraded)")


@agent.command("unregister")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="agent.toml")
@click.option("--broker", default=None)
@click.option("--device-id", default=None)
def unregister(config_file, broker, device_id) -> None:
    """Remove this agent's Home Assistant entities and its retained status and telemetry."""
    from edge_agent.fronts.discovery_link import remove_all
    from edge_agent.service import Topics
    from edge_agent.transport.mqtt import Connection

    try:
        config = load_config(config_file, bundle="-", broker=broker, device_id=device_id)
        conn = Connection(config.broker_url(), f"edgelm-{config.device_id}-unregister", config.protocol)
        conn.connect()
    except (ConfigError, MqttError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        removed = remove_all(conn, config.discovery_prefix, config.device_id,
                             Topics(config.prefix, config.device_id, config.group))
    finally:
        conn.disconnect()
    click.echo(f"removed {removed} Home Assistant entities and the retained status of {config.device_id}")


@click.command()
@click.argument("text")
@click.option("--broker", required=True)
@click.option("--device", "device_id", default=None, help="Device id to ask.")
@click.option("--group", default=None, help="Group to ask (one member answers).")
@click.option("--timeout", default=5.0, show_default=True, type=float,
              help="Seconds for the connection, and for each try of the request.")
@click.option("--retries", default=2, show_default=True, type=int)
@click.option("--protocol", type=click.Choice(["5", "3.1.1"]), default="5", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--max-new-tokens", type=int, default=None)
@click.option("--sender", default=None,
              help="Send on <prefix>/ID/request/SENDER; answers come under edgelm/reply/SENDER/ (require_sender).")
@click.option("--status-check/--no-status-check", default=True, show_default=True,
              help="Read the target's retained status first and refuse if it is not online.")
def ask(text, broker, device_id, group, timeout, retries, protocol, as_json, max_new_tokens, sender,
        status_check) -> None:
    """Send one request the way a home-automation system does and print the answer."""
    from edge_agent.client import EdgeClient, RequestTimeout
    from edgelm.targets import TargetUnavailable, check_online

    if bool(device_id) == bool(group):
        raise click.UsageError("give exactly one of --device or --group")
    fields = {"max_new_tokens": max_new_tokens} if max_new_tokens else {}
    try:
        client = EdgeClient(broker, protocol=5 if protocol == "5" else 4, sender=sender).connect(timeout=timeout)
        try:
            if status_check:
                check_online(client.conn, client.prefix, device_id, group)
            answer = client.request(text, device=device_id, group=group, timeout=timeout, retries=retries, **fields)
        finally:
            client.close()
    except (ConfigError, MqttError, RequestTimeout, TargetUnavailable, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(answer))
    elif "error" in answer:
        raise click.ClickException(f"{answer['error']['code']}: {answer['error']['message']}")
    else:
        click.echo(answer_line(answer))
    if "error" in answer:
        raise SystemExit(1)


def answer_line(answer: dict) -> str:
    """One line: the intent, its slots and the agent's latency (or the generated text)."""
    if answer.get("text") is not None:
        return str(answer["text"])
    intent = answer.get("intent")
    latency = f"{answer['latency_ms']['total']:.1f} ms"
    if not intent:
        return f"no intent recognised  {latency}"
    slots = "  ".join(f"{s['name']}={s['value']}" for s in answer.get("slots") or [])
    return "  ".join(part for part in (f"{intent['name']} ({intent['confidence']:.3f})", slots, latency) if part)
