"""`edgelm devices list|show|detect`."""

from __future__ import annotations

import json

import click

import devices as device_profiles


@click.group()
def devices() -> None:
    """Board profiles: what each board runs and how models are built for it."""


@devices.command("list")
def list_cmd() -> None:
    rows = device_profiles.all_profiles().values()
    click.echo(f"{'name':<18} {'arch':<8} {'py':<5} {'RAM MB':>7}  {'format/quant':<22} support")
    for p in rows:
        click.echo(f"{p.name:<18} {p.arch:<8} {p.python:<5} {p.ram_mb:>7}  "
                   f"{p.default_format + '/' + p.default_quantization:<22} {p.support}")


@devices.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def show(name: str, as_json: bool) -> None:
    try:
        profile = device_profiles.get_profile(name)
    except device_profiles.UnknownDeviceError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    data = profile.to_dict()
    data["wheel_platform_tags"] = profile.wheel_platform_tags()[:4]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if key != "extra":
            click.echo(f"{key:<24} {', '.join(value) if isinstance(value, list) else value}")


@devices.command("detect")
def detect() -> None:
    profile = device_profiles.detect()
    click.echo(f"{profile.name}  ({profile.title})")
