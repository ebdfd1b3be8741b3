"""`edgelm broker migrate`: a broker directory written before dynamic security (acl_file + password_file,
tests/data/pre-dynsec.acl is what that release's `edgelm broker config` wrote for these logins) keeps its
logins and passwords and closes the shared-subscription hole, on a real Mosquitto."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from ota_helpers import variant
from test_broker_config import Site, _start_agent

from edge_agent.inference.signing import generate_keys
from edgelm.cli import cli
from edgelm.demo_broker import ConfiguredMosquitto, connack, free_port

pytestmark = pytest.mark.integration
OLD_ACL = Path(__file__).parent / "data" / "pre-dynsec.acl"
LOGINS = {"devices": "kitchen,hall@down", "clients": "alice", "home": "ha", "hermes": "rhasspy",
          "monitor": "grafana", "operator": "ops"}


def _as_before_dynsec(out: Path) -> None:
    """Rewrite a directory from today's `edgelm broker config` into the previous release's layout."""
    (out / "dynamic-security.json").unlink()
    shutil.copyfile(OLD_ACL, out / "acl")
    for user in ("kitchen", "hall", "alice", "ha", "rhasspy", "grafana", "ops"):
        password = (out / "clients" / user / "password").read_text().strip()
        create = [] if (out / "passwd").exists() else ["-c"]
        subprocess.run(["mosquitto_passwd", *create, "-b", str(out / "passwd"), user, password], check=True)
    conf = [line for line in (out / "mosquitto.conf").read_text().splitlines() if not line.startswith("plugin")]
    conf += [f"password_file {out / 'passwd'}", f"acl_file {out / 'acl'}"]
    (out / "mosquitto.conf").write_text("\n".join(conf) + "\n")


def test_an_old_broker_directory_keeps_its_logins_and_closes_the_share_hole(bert_bundle):
    root = Path(tempfile.mkdtemp(prefix="edgelm-migrate-"))  # Mosquitto, dropped to its user, must reach it
    port, out = free_port(), root / "out"
    args = ["broker", "config", "--ca-dir", str(root / "ca"), "-o", str(out), "--host", "127.0.0.1",
            "--port", str(port), "--bind", "127.0.0.1", "--data-dir", f"{root / 'data'}/"]
    for option, names in LOGINS.items():
        args += [f"--{option}", names]
    assert CliRunner().invoke(cli, args).exit_code == 0
    _as_before_dynsec(out)
    (root / "data").mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "mosquitto", str(root)], check=True)
    migrated = CliRunner().invoke(cli, ["broker", "migrate", str(out)])
    assert migrated.exit_code == 0, migrated.output
    again = CliRunner().invoke(cli, ["broker", "migrate", str(out)])
    keys = generate_keys(root / "keys")
    site = Site(out, port)
    try:
        with ConfiguredMosquitto(out / "mosquitto.conf", port, Path(site.ca)):
            logins = {user: connack(site.host, port, user, site.password(user), ca_file=Path(site.ca))
                      for user in ("kitchen", "hall", "alice", "ha", "rhasspy", "grafana", "ops")}
            wrong = connack(site.host, port, "alice", "not-hers", ca_file=Path(site.ca))
            hall = _start_agent(site, "hall", variant(bert_bundle, root / "v1", "1.0.0", keys[0]), keys[1])
            try:
                intruder = site.listen("alice").subscribe("$share/down/edgelm/group/down/request/+")
                with site.client("alice") as alice:
                    answered = [alice.request("turn on the light", group="down", timeout=5, retries=0)["device_id"]
                                for _ in range(6)]
                intruder.close()
            finally:
                hall.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert "restart Mosquitto" in migrated.output
    assert again.exit_code != 0
    assert "already migrated" in again.output
    assert len(again.output.strip().splitlines()) == 1
    assert set(logins.values()) == {"Success"}, logins
    assert wrong == "Not authorized"
    assert intruder.refused
    assert answered == ["hall"] * 6
