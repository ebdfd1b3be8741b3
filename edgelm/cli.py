"""Entry point. Each command group lives in its own module and is imported only when used, so
`edgelm agent run` on a board never imports the converter (or torch)."""

from __future__ import annotations

import importlib
import logging

import click

from edgelm.quiet import HEAVY_COMMANDS, quiet_third_party

LAZY_COMMANDS = {
    "devices": "edgelm.cmd_devices:devices",
    "convert": "edgelm.cmd_convert:convert",
    "inspect": "edgelm.cmd_bundle:inspect_cmd",
    "bench": "edgelm.cmd_bench:bench",
    "keys": "edgelm.cmd_bundle:keys",
    "sign": "edgelm.cmd_bundle:sign",
    "agent": "edgelm.cmd_agent:agent",
    "ask": "edgelm.cmd_agent:ask",
    "demo": "edgelm.cmd_demo:demo",
    "flash": "edgelm.cmd_flash:flash",
    "fleet": "edgelm.cmd_fleet:fleet",
    "home": "edgelm.cmd_home:home",
    "deploy": "edgelm.cmd_deploy:deploy",
    "broker": "edgelm.cmd_broker:broker",
    "train-intents": "edgelm.cmd_demo:train_intents_cmd",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug), third-party warnings too.")
@click.version_option(package_name="edgelm")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """EdgeLM: convert, flash and serve small language models on edge boards."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose and ctx.invoked_subcommand in HEAVY_COMMANDS:
        quiet_third_party()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
