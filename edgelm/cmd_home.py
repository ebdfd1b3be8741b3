"""`edgelm home sync`: the home's areas, floors and exposed entities from Home Assistant, as the agent's
home_file (library: edgelm.home_sync)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


@click.group()
def home() -> None:
    """The home's own names, for slot values Home Assistant resolves."""


@home.command("sync")
@click.option("--ha-url", required=True, help="Home Assistant, e.g. http://homeassistant.local:8123")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A file holding a long-lived access token (else $HA_TOKEN; never a flag: `ps` shows flags).")
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The home_file to write (the agent's home_file setting).")
@click.option("--watch", is_flag=True, help="Keep running: rewrite the file whenever HA's registries change.")
def sync(ha_url: str, token_file: Path | None, out: Path, watch: bool) -> None:
    """Write OUT from HA's area, floor and entity registries (entities exposed to Assist)."""
    from edgelm import home_sync

    def report(document: dict, changed: bool) -> None:
        counts = f"{len(document['areas'])} areas, {len(document['floors'])} floors, {len(document['names'])} names"
        click.echo(f"{out}: {counts}{'' if changed else ' (unchanged)'}", err=True)

    try:
        token = home_sync.read_token(token_file)
        if watch:
            asyncio.run(home_sync.watch(ha_url, token, out, report))
        else:
            report(*asyncio.run(home_sync.sync_once(ha_url, token, out)))
    except (home_sync.SyncError, ImportError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot reach Home Assistant at {ha_url}: {exc.strerror or exc}") from exc
    except KeyboardInterrupt:
        pass
