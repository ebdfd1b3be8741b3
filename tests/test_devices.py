from dataclasses import fields

import pytest
from click.testing import CliRunner

import devices
from edgelm.cli import cli

REQUIRED_BOARDS = {"rpi-zero-2w", "rpi3b", "rpi4b", "rpi5", "jetson-nano", "jetson-orin-nano", "x86-64", "aarch64"}


def test_required_boards_present_with_every_field():
    profiles = devices.all_profiles()
    assert set(profiles) >= REQUIRED_BOARDS
    for profile in profiles.values():
        for f in fields(profile):
            if f.name != "extra":
                assert getattr(profile, f.name) not in ("", None), (profile.name, f.name)
        assert profile.threads <= profile.cores
        assert profile.runtimes
        assert profile.ort_providers[-1] == "CPUExecutionProvider"


def test_jetson_nano_is_honestly_unsupported():
    nano = devices.get_profile("jetson-nano")
    assert nano.support == "unsupported"
    assert not nano.supported
    assert "3.6" in nano.why
    assert nano.python == "3.6"
    assert devices.get_profile("jetson-orin-nano").default_quantization == "fp16"
    assert devices.get_profile("rpi4b").ort_preset == "arm64"


def test_unknown_device_lists_known_ones():
    with pytest.raises(devices.UnknownDeviceError) as err:
        devices.get_profile("rpi9")
    assert "rpi5" in str(err.value)
    assert "x86-64" in str(err.value)


def test_wheel_tags_follow_glibc():
    tags = devices.get_profile("rpi5").wheel_platform_tags()
    assert tags[0] == "manylinux_2_36_aarch64"
    assert "manylinux_2_17_aarch64" in tags
    assert "manylinux2014_aarch64" in tags
    assert devices.get_profile("rpi5").python_tag() == "cp311"


@pytest.mark.parametrize(("model", "release", "expected"), [
    ("Raspberry Pi 5 Model B Rev 1.0", "", "rpi5"),
    ("Raspberry Pi 4 Model B Rev 1.4", "", "rpi4b"),
    ("Raspberry Pi Zero 2 W Rev 1.0", "", "rpi-zero-2w"),
    ("Raspberry Pi 3 Model B Plus Rev 1.3", "", "rpi3b"),
    ("NVIDIA Jetson Nano Developer Kit", "# R32 (release), REVISION: 7.1", "jetson-nano"),
    ("NVIDIA Jetson Orin Nano Developer Kit", "# R36 (release), REVISION: 3.0", "jetson-orin-nano"),
])
def test_detect_from_device_tree(tmp_path, model, release, expected):
    (tmp_path / "proc/device-tree").mkdir(parents=True)
    (tmp_path / "proc/device-tree/model").write_text(model + "\x00")
    if release:
        (tmp_path / "etc").mkdir()
        (tmp_path / "etc/nv_tegra_release").write_text(release)
    assert devices.detect(str(tmp_path)).name == expected


def test_detect_x86_from_cpuinfo(tmp_path):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/cpuinfo").write_text("flags : fpu sse avx2 avx512f avx512_vnni\n")
    assert devices.detect(str(tmp_path)).name == "x86-64-vnni"


def test_cli_devices():
    runner = CliRunner()
    listed = runner.invoke(cli, ["devices", "list"])
    assert listed.exit_code == 0
    assert "jetson-nano" in listed.output
    assert "unsupported" in listed.output
    shown = runner.invoke(cli, ["devices", "show", "rpi5"])
    assert shown.exit_code == 0
    assert "Cortex-A76" in shown.output
    bad = runner.invoke(cli, ["devices", "show", "nope"])
    assert bad.exit_code != 0
    assert "known devices" in bad.output
    assert runner.invoke(cli, ["devices", "detect"]).exit_code == 0
