"""`edgelm broker config`: write a Mosquitto configuration with TLS, logins and per-role ACLs."""

from __future__ import annotations

from pathlib import Path

import click

ROLE_OPTIONS = (("devices", "agent"), ("clients", "client"), ("home", "home"), ("hermes", "hermes"),
                ("monitor", "monitor"), ("operator", "operator"))


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@click.group()
def broker() -> None:
    """Set up the MQTT broker the agents and their users share."""


@broker.command("config")
@click.option("--ca-dir", required=True, type=click.Path(path_type=Path),
              help="The CA's key and certificate: created on the first run, reused after. Keep it private.")
@click.option("--devices", help="Agents, comma-separated: ID or ID@GROUP.")
@click.option("--clients", help="Users that send requests (Node-RED, scripts): each reads only its own answers.")
@click.option("--home", help="Home Assistant logins: discovery, status, telemetry, requests.")
@click.option("--hermes", help="Rhasspy/Snips logins: hermes/#.")
@click.option("--monitor", help="Read-only logins: status, telemetry, deploy results (Grafana, fleet status).")
@click.option("--operator", help="Logins that may deploy models (edgelm deploy).")
@click.option("--auth", type=click.Choice(["password", "certificate"]), default="password", show_default=True,
              help="Username + password, or client certificates whose CN is the login.")
@click.option("--host", "hosts", multiple=True, help="The broker's DNS names/IPs for its certificate "
              "(repeatable; the first is what agents connect to). Default: localhost, 127.0.0.1, this host.")
@click.option("--port", default=8883, show_default=True, type=int)
@click.option("--bind", default=None, help="Listen on this address only (default: every interface).")
@click.option("--prefix", default="edgelm", show_default=True)
@click.option("--conf-dir", type=click.Path(path_type=Path), default=None,
              help="Where the files will live on the broker host (default: the output dir).")
@click.option("--data-dir", default="/var/lib/mosquitto/", show_default=True, help="Mosquitto's persistence.")
@click.option("--plugin", default=None, help="Mosquitto's dynamic-security plugin on the broker host "
              "(default: found here, else Debian's path for this architecture).")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path))
def config(ca_dir, devices, clients, home, hermes, monitor, operator, auth, hosts, port, bind, prefix, conf_dir,
           data_dir, plugin, out) -> None:
    """Write mosquitto.conf, dynamic-security.json (logins and access rules), certificates and
    agents/<ID>.toml into OUTPUT."""
    from edgelm.broker_setup.acl import AclError, Identity
    from edgelm.broker_setup.writer import BrokerPlan, write_broker_config

    given = dict(devices=devices, clients=clients, home=home, hermes=hermes, monitor=monitor, operator=operator)
    try:
        identities = [Identity.parse(name, role) for option, role in ROLE_OPTIONS for name in _names(given[option])]
        if not identities:
            raise click.UsageError("name at least one identity (--devices, --clients, ...)")
        plan = BrokerPlan(identities, auth=auth, port=port, bind=bind, prefix=prefix, conf_dir=conf_dir,
                          data_dir=data_dir)
        if hosts:
            plan.hosts = list(hosts)
        if plugin:
            plan.plugin = plugin
        secrets = write_broker_config(plan, ca_dir, out)
    except (AclError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {out}/mosquitto.conf, dynamic-security.json, certs/ and clients/ for {len(identities)} identities "
               f"({auth} logins); passwords are in clients/<name>/password" if auth == "password" else
               f"wrote {out}/mosquitto.conf, dynamic-security.json, certs/ and clients/<name>/client.crt for {len(secrets)} identities")


@broker.command("migrate")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--plugin", default=None, help="The dynamic-security plugin on the broker host "
              "(default: found here, else Debian's path for this architecture).")
def migrate(directory, plugin) -> None:
    """Move a broker DIRECTORY written by an older `edgelm broker config` (acl_file, password_file) to
    dynamic security: same logins and passwords, and a group's shared subscriptions for its members only.
    Restart Mosquitto afterwards."""
    from edgelm.broker_setup.dynsec import plugin_path
    from edgelm.broker_setup.migrate import MigrateError
    from edgelm.broker_setup.migrate import migrate as run

    try:
        identities = run(directory, plugin or plugin_path())
    except (MigrateError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"migrated {len(identities)} logins to {directory}/dynamic-security.json; the old files are in "
               f"{directory}/pre-dynsec/; restart Mosquitto (systemctl restart mosquitto)")
