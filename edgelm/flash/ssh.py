"""Flash a running board over the OpenSSH client: probe it, stream the same files a --rootfs flash writes
(tar over ssh), create the service user, install offline, `systemctl enable --now`, and wait for the
agent's `online` on the broker. `root` is a prefix on the board (normally "/"; tests use a temp dir)."""

from __future__ import annotations

import shlex
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edgelm.agent_process import OnlineWatcher
from edgelm.flash import FlashError, units
from edgelm.flash.rootfs import Action, FlashOptions, apply, plan

PROBE = r"""R={root}
cat "$R/etc/os-release" 2>/dev/null; echo @@
for p in "$R"/usr/bin/python3.*; do
  case "$(basename "$p")" in python3.[0-9]|python3.[0-9][0-9]) echo "$(basename "$p") $(head -c 64 "$p" | od -An -tx1 | tr -d ' \n')";; esac
done; echo @@
awk '/^Package: libc6$/{{f=1}} f&&/^Version:/{{print $2; exit}}' "$R/var/lib/dpkg/status" 2>/dev/null; echo @@
test -e "$R/etc/edgelm/agent.toml" && echo has-config; true
"""
INSTALL = r"""set -eu
R={root}
grep -q '^{user}:' "$R/etc/passwd" || useradd --system --prefix "$R" --home-dir {state} --shell /usr/sbin/nologin {user}
ids=$(awk -F: '$1=="{user}" {{print $3 ":" $4}}' "$R/etc/passwd")  # numeric: the names live in $R/etc
mkdir -p "$R{state}"
chown -R "$ids" "$R{state}" "$R{etc}/agent.toml"
chmod 600 "$R{etc}/agent.toml"
EDGELM_ROOT="$R" sh "$R{opt}/install.sh"
systemctl daemon-reload
systemctl enable --now {unit}
"""


@dataclass
class SshTarget:
    destination: str  # user@host[:port]
    options: list[str] = field(default_factory=list)  # e.g. ["-i", "key", "-J", "jump"]
    root: str = "/"

    def quoted_root(self) -> str:
        """The prefix for remote shell scripts: "" for the board's own /."""
        return shlex.quote(self.root.rstrip("/"))

    def command(self, remote: str) -> list[str]:
        host, _, port = self.destination.partition(":")
        return ["ssh", "-o", "BatchMode=yes", *(["-p", port] if port else []), *self.options, host, remote]

    def run(self, script: str, stdin: bytes | None = None, timeout: float = 600) -> str:
        done = subprocess.run(self.command(f"sh -c {shlex.quote(script)}"), input=stdin, capture_output=True,
                              timeout=timeout)
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip().splitlines()
            raise FlashError(f"ssh {self.destination}: {why[-1] if why else f'exit {done.returncode}'}")
        return done.stdout.decode(errors="replace")


def flash_ssh(target: SshTarget, opts: FlashOptions, dry_run: bool, warn: Callable[[str], None],
              wait_online_s: float = 180) -> list[Action]:
    root = target.quoted_root()
    with tempfile.TemporaryDirectory(prefix="edgelm-ssh-") as tmp:
        work = Path(tmp)
        has_config = _shadow_root(target.run(PROBE.format(root=root)), work / "shadow")
        actions = plan(work / "shadow", opts, work / "wheels", warn)
        if has_config and opts.config_file is None:  # flashing again keeps the board's config
            actions = [a for a in actions if a.path != f"{units.ETC}/agent.toml"]
        if dry_run:
            return actions
        stage = work / "stage"
        apply(stage, actions)
        cleared = "".join(f"rm -rf {root}{shlex.quote(a.path)} && " for a in actions if a.empty_dir)
        target.run(f"{cleared}mkdir -p {root}/ && tar -C {root}/ -xpf -", stdin=_tar(stage))
        watcher = OnlineWatcher(opts.broker, opts.device_id)
        try:
            target.run(INSTALL.format(root=root, user=units.USER, state=units.STATE, etc=units.ETC, opt=units.OPT,
                                      unit=units.AGENT_UNIT))
            if not watcher.online.wait(wait_online_s):
                raise FlashError(f"the agent on {target.destination} did not come online within {wait_online_s:.0f} s "
                                 f"(journalctl -u {units.AGENT_UNIT} on the board says why)")
        finally:
            watcher.close()
    return actions


def remove_ssh(target: SshTarget, purge: bool) -> list[str]:
    """Stop and disable the agent, then delete what flash wrote; /var/lib/edgelm only with purge."""
    from edgelm.flash.rootfs import REMOVED

    root = target.quoted_root()
    paths = [*REMOVED, *([units.STATE] if purge else [])]
    target.run(f"R={root}\nsystemctl disable --now {units.AGENT_UNIT} || true\n"
               + "".join(f'rm -rf "$R{path}"\n' for path in paths) + "systemctl daemon-reload || true\n")
    return paths


def _shadow_root(probe: str, shadow: Path) -> bool:
    """A local tree with just what read_rootfs reads, rebuilt from the board's answers."""
    parts = probe.split("@@\n")
    if len(parts) < 4:
        raise FlashError("the board's answer to the probe was cut short")
    os_release, pythons, libc, rest = parts[0], parts[1], parts[2].strip(), parts[3]
    (shadow / "etc").mkdir(parents=True)
    (shadow / "usr" / "bin").mkdir(parents=True)
    (shadow / "etc" / "os-release").write_text(os_release)
    for line in pythons.split("\n"):
        if line.strip():
            name, header = line.split()
            (shadow / "usr" / "bin" / name).write_bytes(bytes.fromhex(header))
    if libc:
        (shadow / "var" / "lib" / "dpkg").mkdir(parents=True)
        (shadow / "var" / "lib" / "dpkg" / "status").write_text(f"Package: libc6\nVersion: {libc}\n")
    return "has-config" in rest


def _tar(stage: Path) -> bytes:
    with tempfile.TemporaryFile() as buffer:
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for child in sorted(stage.iterdir()):
                archive.add(child, arcname=child.name)
        buffer.seek(0)
        return buffer.read()
