"""`edgelm flash`: a thin command over edgelm.flash."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path), required=False)
@click.option("--device", "device_name", required=True, help="Board profile (edgelm devices list).")
@click.option("--rootfs", type=click.Path(path_type=Path), default=None,
              help="The board's root filesystem, mounted (an SD card or an image).")
@click.option("--ssh", "ssh_destination", default=None, help="A running board: USER@HOST[:PORT] (OpenSSH client).")
@click.option("-i", "--identity", default=None, help="With --ssh: the private key (as ssh -i).")
@click.option("-J", "--jump", default=None, help="With --ssh: jump host(s) (as ssh -J).")
@click.option("--ssh-option", "ssh_options", multiple=True, help="With --ssh: an ssh -o option (repeatable).")
@click.option("--ssh-root", default="/", show_default=True, help="With --ssh: where the board's / is (a prefix).")
@click.option("--broker", default=None, help="mqtt://host:1883 or mqtts://host:8883, as the board sees it.")
@click.option("--device-id", default=None, help="The agent's id (default: the device profile's name).")
@click.option("--group", default=None)
@click.option("--config", "config_file", type=click.Path(exists=True, path_type=Path),
              help="An agent.toml to install (flashing again keeps the board's config unless this is given).")
@click.option("--trust-key", type=click.Path(exists=True, path_type=Path), help="Install this public key; "
              "the agent then refuses unsigned bundles.")
@click.option("--require-signed", is_flag=True, help="Refuse to flash an unsigned bundle (needs --trust-key).")
@click.option("--extra-wheel", "extra_wheels", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="A wheel PyPI does not have (e.g. NVIDIA's onnxruntime-gpu for JetPack).")
@click.option("--dry-run", is_flag=True, help="Check everything and list what would be written.")
@click.option("--remove", is_flag=True, help="Remove the agent (models and answers stay unless --purge).")
@click.option("--purge", is_flag=True, help="With --remove: also /var/lib/edgelm.")
def flash(bundle, device_name, rootfs, ssh_destination, identity, jump, ssh_options, ssh_root, broker, device_id,
          group, config_file, trust_key, require_signed, extra_wheels, dry_run, remove, purge) -> None:
    """Put the agent, BUNDLE, an offline wheelhouse and systemd units onto a board: its root filesystem
    (--rootfs) or the running board over SSH (--ssh; success only once the agent is online)."""
    import devices
    from edgelm.flash import FlashError
    from edgelm.flash.rootfs import FlashOptions, flash_rootfs
    from edgelm.flash.rootfs import remove as remove_agent
    from edgelm.flash.ssh import SshTarget, flash_ssh, remove_ssh

    if (rootfs is None) == (ssh_destination is None):
        raise click.UsageError("give exactly one of --rootfs DIR or --ssh USER@HOST")
    if remove:
        try:
            removed = remove_agent(rootfs, purge) if rootfs is not None else remove_ssh(
                SshTarget(ssh_destination, _ssh_args(identity, jump, ssh_options), ssh_root), purge)
        except FlashError as exc:
            raise click.ClickException(str(exc)) from exc
        for path in removed:
            click.echo(f"removed {path}")
        return
    if bundle is None or broker is None:
        raise click.UsageError("give BUNDLE and --broker (or --remove)")
    try:
        profile = devices.get_profile(device_name)
        opts = FlashOptions(bundle, profile, broker, device_id or profile.name, group, config_file, trust_key,
                            require_signed, list(extra_wheels))
        warn = lambda w: click.echo(f"warning: {w}", err=True)  # noqa: E731
        if rootfs is not None:
            actions = flash_rootfs(rootfs, opts, dry_run, warn)
        else:
            actions = flash_ssh(SshTarget(ssh_destination, _ssh_args(identity, jump, ssh_options), ssh_root), opts,
                                dry_run, warn)
    except (FlashError, devices.UnknownDeviceError) as exc:
        raise click.ClickException(str(exc)) from exc
    for action in actions:
        click.echo(("would " if dry_run else "") + action.describe())
    if dry_run:
        return
    if rootfs is not None:
        click.echo(f"flashed {rootfs}: the agent installs itself at first boot and starts as edgelm-agent.service")
    else:
        click.echo(f"flashed {ssh_destination}: edgelm-agent.service is running and {opts.device_id} is online")


def _ssh_args(identity: str | None, jump: str | None, options: tuple[str, ...]) -> list[str]:
    return [*(["-i", identity] if identity else []), *(["-J", jump] if jump else []),
            *(arg for option in options for arg in ("-o", option))]
