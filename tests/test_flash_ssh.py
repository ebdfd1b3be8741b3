"""`edgelm flash --ssh` against a real OpenSSH server that the test starts on 127.0.0.1 with its own config,
host key and user key. The board is a prefix directory (this machine's own Python 3.11 and glibc, x86_64),
so nothing is written to the real /etc or /opt: the user is made with `useradd --prefix`, and a
`systemctl` stand-in records its calls and starts the unit's ExecStart (prefixed) in the background, so
flash really waits for the agent's `online`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import unavailable

from edge_agent.config import load_config
from edgelm.cli import cli
from edgelm.demo_broker import free_port

STANDIN = r"""#!/bin/sh
R="$EDGELM_TEST_ROOT"
echo "$*" >> "$R/systemctl.log"
if [ "$1 $2" = "disable --now" ]; then kill "$(cat "$R/agent.pid")"; exit 0; fi
[ "$1 $2" = "enable --now" ] || exit 0
set -- $(sed -n 's/^ExecStart=//p' "$R/etc/systemd/system/$3")
prog="$R$1"; shift
args=$(echo "$*" | sed "s#--config /#--config $R/#")
# what systemd would give the unit: its state directory; the bundle path in agent.toml is the board's
EDGELM_BUNDLE="$R/var/lib/edgelm/models/current" STATE_DIRECTORY="$R/var/lib/edgelm" \
    nohup "$prog" $args > "$R/agent.log" 2>&1 &
echo $! > "$R/agent.pid"
"""



@pytest.fixture
def board(tmp_path):
    """A prefix root shaped like this machine, and an sshd that logs root in with a test key."""
    if not Path("/usr/sbin/sshd").exists() or shutil.which("ssh") is None or not Path("/usr/bin/python3.11").exists():
        unavailable("openssh-server, openssh-client and Debian's python3.11 are needed")
    root = tmp_path / "board"
    for folder in ("etc", "usr/bin", "var/lib/dpkg"):
        (root / folder).mkdir(parents=True)
    for name in ("os-release", "passwd", "group", "shadow", "gshadow"):
        shutil.copy2(Path("/etc") / name, root / "etc" / name)
    shutil.copy2("/var/lib/dpkg/status", root / "var/lib/dpkg/status")
    (root / "usr/bin/python3.11").symlink_to("/usr/bin/python3.11")
    keys, standin = tmp_path / "keys", tmp_path / "bin"
    keys.mkdir()
    standin.mkdir()
    (standin / "systemctl").write_text(STANDIN)
    (standin / "systemctl").chmod(0o755)
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    port = free_port()
    (keys / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nPidFile {keys / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {keys / 'user.pub'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
        f"SetEnv PATH={standin}:/usr/sbin:/usr/bin:/sbin:/bin EDGELM_TEST_ROOT={root}\n")
    Path("/run/sshd").mkdir(exist_ok=True)
    sshd_log = open(keys / "sshd.log", "w")  # noqa: SIM115 (closed when sshd ends)
    sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(keys / "sshd_config")], stderr=sshd_log)
    _wait_for_port(port, sshd)
    ssh = ["-i", str(keys / "user"), "--ssh-option", "StrictHostKeyChecking=no", "--ssh-option",
           "UserKnownHostsFile=/dev/null", "--ssh", f"root@127.0.0.1:{port}", "--ssh-root", str(root)]
    try:
        yield root, ssh
    finally:
        pid = root / "agent.pid"
        if pid.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid.read_text()), signal.SIGTERM)
        sshd.terminate()
        sshd.wait(10)
        sshd_log.close()


def _wait_for_port(port: int, sshd: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sshd.poll() is not None:
            raise AssertionError("sshd exited at start (see its log in the test's keys folder)")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise AssertionError("sshd did not listen within 10 s")


def test_flash_over_ssh_installs_enables_and_waits_for_online(bert_bundle, broker, device_id, board):
    root, ssh = board
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["flash", str(bert_bundle), "--device", "x86-64", *ssh, "--broker", broker.url,
                                      "--device-id", device_id])
    took = time.monotonic() - started
    agent_log = (root / "agent.log").read_text() if (root / "agent.log").exists() else ""
    assert result.exit_code == 0, result.output + agent_log
    assert f"{device_id} is online" in result.output
    print(f"flash over ssh to online: {took:.1f} s")
    assert "glibc 2.36" in result.output  # the x86-64 profile says 2.28: the board's own wins, with a warning
    calls = (root / "systemctl.log").read_text().splitlines()
    assert calls == ["daemon-reload", "enable --now edgelm-agent.service"]
    user = [line for line in (root / "etc/passwd").read_text().splitlines() if line.startswith("edgelm:")]
    assert len(user) == 1
    uid = int(user[0].split(":")[2])
    config = root / "etc/edgelm/agent.toml"
    assert (config.stat().st_uid, oct(config.stat().st_mode)[-3:]) == (uid, "600")
    assert load_config(config, env={}).broker == broker.url
    venvs = list((root / "opt/edgelm/venvs").iterdir())
    assert len(venvs) == 1
    assert (venvs[0] / ".complete").exists()
    assert os.readlink(root / "opt/edgelm/venv") == f"venvs/{venvs[0].name}"
    assert "edgelm:" not in Path("/etc/passwd").read_text()  # the real /etc and /opt are untouched
    assert not Path("/opt/edgelm").exists()
    removed = CliRunner().invoke(cli, ["flash", "--device", "x86-64", *ssh, "--remove"])
    assert removed.exit_code == 0, removed.output
    assert (root / "systemctl.log").read_text().splitlines()[2:] == ["disable --now edgelm-agent.service",
                                                                       "daemon-reload"]
    assert not (root / "opt/edgelm").exists()
    assert not (root / "etc/edgelm").exists()
    assert (root / "var/lib/edgelm/models/current/manifest.json").exists()  # kept without --purge
    pid = int((root / "agent.pid").read_text())
    for _ in range(100):  # the agent stops
        if not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower():
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the agent still runs after --remove")
