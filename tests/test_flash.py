"""`edgelm flash --rootfs` into temp directories shaped like Raspberry Pi OS Bookworm and Trixie: the tree,
the config's permissions, the units as systemd itself reads them, every wheel's tags against the target
(packaging.tags, not file names), and each refusal with its one-line message."""

from __future__ import annotations

import dataclasses
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename

import devices
from edge_agent.config import load_config
from edgelm.cli import cli
from edgelm.flash import FlashError
from edgelm.flash.rootfs import FlashOptions, flash_rootfs
from edgelm.flash.target import read_rootfs

ELF_AARCH64 = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HH", 2, 0xB7) + b"\x00" * 44
SYSTEMS = {  # name: (PRETTY_NAME, Python, glibc, where the glibc version is read)
    "bookworm": ("Raspbian GNU/Linux 12 (bookworm)", "3.11", "2.36", "dpkg"),
    "trixie": ("Debian GNU/Linux 13 (trixie)", "3.13", "2.41", "libc"),
    "jetson-nano": ("Ubuntu 18.04.6 LTS", "3.6", "2.27", "dpkg"),
}


def make_rootfs(root: Path, system: str) -> Path:
    pretty, python, glibc, source = SYSTEMS[system]
    for folder in ("etc", "usr/bin", "var/lib/dpkg", "usr/lib/aarch64-linux-gnu"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "etc/os-release").write_text(f'PRETTY_NAME="{pretty}"\nID=debian\n')
    (root / f"usr/bin/python{python}").write_bytes(ELF_AARCH64)
    if source == "dpkg":
        (root / "var/lib/dpkg/status").write_text(f"Package: libc6\nStatus: install ok installed\nArchitecture: arm64\n"
                                                  f"Version: {glibc}-9+rpt2+deb12u9\n\nPackage: zlib1g\nVersion: 1:1.3\n")
    else:  # trixie-like: only the version string inside libc
        (root / "usr/lib/aarch64-linux-gnu/libc.so.6").write_bytes(
            ELF_AARCH64 + b"\x00GNU C Library (Debian GLIBC " + glibc.encode() + b"-3) stable release version "
            + glibc.encode() + b".\n\x00")
    return root


def _flash(*args: str):
    return CliRunner().invoke(cli, ["flash", *args])


@pytest.mark.parametrize("system", ["bookworm", "trixie"])
def test_flash_writes_an_installable_board(bert_bundle, tmp_path, system):
    root = make_rootfs(tmp_path / "root", system)
    result = _flash(str(bert_bundle), "--device", "rpi5", "--rootfs", str(root), "--broker",
                    "mqtt://hub.local:1883", "--device-id", "kitchen")
    assert result.exit_code == 0, result.output
    target = read_rootfs(root)
    assert (target.python, target.glibc, target.arch) == SYSTEMS[system][1:3] + ("aarch64",)
    if system == "trixie":
        assert "Python 3.13" in result.output  # the profile says 3.11: the card wins, and says so
    config = root / "etc/edgelm/agent.toml"
    assert oct(config.stat().st_mode)[-3:] == "600"
    agent = load_config(config, env={})
    assert (agent.broker, agent.device_id, agent.device) == ("mqtt://hub.local:1883", "kitchen", "rpi5")
    assert agent.bundle == "/var/lib/edgelm/models/current"
    current = root / "var/lib/edgelm/models/current"
    assert os.readlink(current) == "bert-tiny/1.0.0"
    assert (current / "manifest.json").is_file()
    wants = root / "etc/systemd/system/multi-user.target.wants/edgelm-agent.service"
    assert os.readlink(wants) == "/etc/systemd/system/edgelm-agent.service"
    assert "MemoryMax=" in (root / "etc/systemd/system/edgelm-agent.service").read_text()
    install = (root / "opt/edgelm/install.sh").read_text()
    assert "--no-index" in install
    assert f"$R/usr/bin/python{target.python}\" -m venv --without-pip" in install
    _assert_wheels_fit(root / "opt/edgelm/wheelhouse/0.1.0", target)
    _assert_systemd_accepts(root / "etc/systemd/system", tmp_path / "verify")


def _assert_wheels_fit(wheelhouse: Path, target) -> None:
    version = tuple(int(x) for x in target.python.split("."))
    accepted = {*cpython_tags(version, platforms=target.platform_tags()),
                *compatible_tags(version, platforms=target.platform_tags())}
    names = set()
    for wheel in wheelhouse.glob("*.whl"):
        name, _, _, tags = parse_wheel_filename(wheel.name)
        names.add(str(name))
        assert tags & accepted, f"{wheel.name} does not install on {target}"
    assert {"edgelm", "onnxruntime", "tokenizers", "numpy", "paho-mqtt"} <= names


def _assert_systemd_accepts(units: Path, work: Path) -> None:
    """systemd-analyze verify on copies whose ExecStart is an executable stub (systemd 252 refuses one that
    does not exist yet on this machine)."""
    work.mkdir()
    stub = work / "stub"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    copies = []
    for unit in ("edgelm-agent.service", "edgelm-install.service"):
        text = "\n".join(f"ExecStart={stub}" if line.startswith("ExecStart=") else line
                         for line in (units / unit).read_text().splitlines())
        (work / unit).write_text(text + "\n")
        copies.append(str(work / unit))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *copies], capture_output=True, text=True,
                          cwd=work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == done.stderr.strip() == "", done.stdout + done.stderr  # not a single complaint


def test_dry_run_writes_nothing_and_flashing_again_keeps_the_config(bert_bundle, tmp_path):
    root = make_rootfs(tmp_path / "root", "bookworm")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    dry = _flash(str(bert_bundle), "--device", "rpi5", "--rootfs", str(root), "--broker", "mqtt://a:1883",
                 "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would write /etc/edgelm/agent.toml" in dry.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    args = [str(bert_bundle), "--device", "rpi5", "--rootfs", str(root)]
    assert _flash(*args, "--broker", "mqtt://first:1883").exit_code == 0
    assert _flash(*args, "--broker", "mqtt://second:1883").exit_code == 0  # an upgrade keeps the board's config
    assert load_config(root / "etc/edgelm/agent.toml", env={}).broker == "mqtt://first:1883"
    mine = tmp_path / "mine.toml"
    mine.write_text('[agent]\nmax_batch = 4\nhome_areas = ["Kitchen"]\n')
    assert _flash(*args, "--broker", "mqtt://third:1883", "--config", str(mine)).exit_code == 0
    replaced = load_config(root / "etc/edgelm/agent.toml", env={})
    assert (replaced.broker, replaced.max_batch, replaced.home_areas) == ("mqtt://third:1883", 4, ["Kitchen"])
    assert _flash("--device", "rpi5", "--rootfs", str(root), "--remove").exit_code == 0
    assert not (root / "etc/edgelm").exists()
    assert not (root / "opt/edgelm").exists()
    assert (root / "var/lib/edgelm/models/current/manifest.json").is_file()  # kept without --purge
    assert _flash("--device", "rpi5", "--rootfs", str(root), "--remove", "--purge").exit_code == 0
    assert not (root / "var/lib/edgelm").exists()


def test_each_refusal_is_one_line_and_writes_nothing(bert_bundle, bert_tflite_bundle, tmp_path):
    from edge_agent.inference import signing

    root = make_rootfs(tmp_path / "root", "bookworm")
    base = ["--rootfs", str(root), "--broker", "mqtt://a:1883"]
    key_dir = tmp_path / "keys"
    _, public = signing.generate_keys(key_dir)
    cases = {
        "profile jetson": _flash(str(bert_tflite_bundle), "--device", "jetson-orin-nano", *base),
        "x86": _flash(str(bert_bundle), "--device", "x86-64", *base),
        "unsigned": _flash(str(bert_bundle), "--device", "rpi5", *base, "--require-signed", "--trust-key",
                           str(public)),
    }
    expected = {"profile jetson": "does not have", "x86": "is aarch64", "unsigned": "requires signed bundles"}
    for case, result in cases.items():
        assert result.exit_code != 0, case
        errors = [line for line in result.output.splitlines() if not line.startswith("warning: ")]
        assert len(errors) == 1, (case, result.output)  # one line (warnings about the card aside)
        assert expected[case] in errors[0], (case, errors[0])
    nano = make_rootfs(tmp_path / "nano", "jetson-nano")
    no_wheel = _flash(str(bert_bundle), "--device", "jetson-orin-nano", "--rootfs", str(nano), "--broker",
                      "mqtt://a:1883")
    assert no_wheel.exit_code != 0
    assert "no wheel of" in no_wheel.output  # whichever package pip names first, by its version
    assert "cp36" in no_wheel.output
    assert not (root / "etc/edgelm").exists()
    assert not (nano / "etc/edgelm").exists()
    tight = dataclasses.replace(devices.get_profile("rpi5"), model_memory_budget_mb=0)
    with pytest.raises(FlashError, match="allows 0 MB"):
        flash_rootfs(root, FlashOptions(bert_bundle, tight, "mqtt://a:1883", "k"), False, lambda w: None)
    shutil.rmtree(tmp_path / "keys")


def test_the_agent_says_which_execution_provider_it_really_got(bert_bundle, broker, device_id, caplog):
    """A Jetson profile asks for TensorRT and CUDA; without NVIDIA's onnxruntime-gpu the agent runs on the
    CPU and says so at start (docs: README, Put it on a board, Jetson)."""
    import logging

    from edge_agent.service import Agent

    config = load_config(None, env={}, bundle=str(bert_bundle), broker=broker.url, device_id=device_id,
                         device="jetson-orin-nano", telemetry_interval_s=0)
    agent = Agent(config)
    with caplog.at_level(logging.INFO, logger="edge_agent.service"):
        agent.start()
        agent.stop()
    said = caplog.text
    assert "execution providers CPUExecutionProvider" in said
    assert "asks for TensorrtExecutionProvider, CUDAExecutionProvider" in said


def _fake_wheel(folder: Path, name: str, version: str, tag: str, requires: list[str]) -> Path:
    """A minimal valid wheel (what NVIDIA's JetPack onnxruntime-gpu looks like to pip: a name, tags, deps)."""
    import zipfile

    dist = f"{name.replace('-', '_')}-{version}"
    wheel = folder / f"{dist}-{tag}.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{dist}.dist-info/METADATA", metadata)
        archive.writestr(f"{dist}.dist-info/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return wheel


def test_signed_bundles_and_a_jetpack_runtime_wheel(bert_bundle, tmp_path):
    from edge_agent.inference import signing

    signed = tmp_path / "signed"
    shutil.copytree(bert_bundle, signed)
    private, public = signing.generate_keys(tmp_path / "keys")
    assert CliRunner().invoke(cli, ["sign", str(signed), "--key", str(private)]).exit_code == 0
    root = make_rootfs(tmp_path / "root", "bookworm")
    gpu = _fake_wheel(tmp_path, "onnxruntime-gpu", "1.23.0", "cp311-cp311-manylinux_2_35_aarch64",
                      ["numpy>=1.21", "protobuf"])
    result = _flash(str(signed), "--device", "jetson-orin-nano", "--rootfs", str(root), "--broker", "mqtt://a:1883",
                    "--trust-key", str(public), "--require-signed", "--extra-wheel", str(gpu))
    assert result.exit_code == 0, result.output
    assert (root / "etc/edgelm/trust.pub").read_bytes() == public.read_bytes()
    assert load_config(root / "etc/edgelm/agent.toml", env={}).trust_key == "/etc/edgelm/trust.pub"
    names = {str(parse_wheel_filename(w.name)[0]) for w in (root / "opt/edgelm/wheelhouse/0.1.0").glob("*.whl")}
    assert {"onnxruntime-gpu", "protobuf", "numpy"} <= names
    assert "onnxruntime" not in names  # PyPI's CPU build would install the same package beside it
