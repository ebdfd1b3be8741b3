"""What a board's root filesystem really runs: architecture (the python3 binary's ELF header), Python version
(its name), glibc (dpkg's libc6 entry, else the version string inside libc) and the OS release. The profile
says what a board usually has; the target says what this card has."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from devices import DeviceProfile
from edgelm.flash import FlashError

ELF_MACHINES = {0xB7: "aarch64", 0x3E: "x86_64", 0x28: "armv7l"}
LIBC_CANDIDATES = ["usr/lib/aarch64-linux-gnu", "lib/aarch64-linux-gnu", "usr/lib/x86_64-linux-gnu",
                   "lib/x86_64-linux-gnu", "usr/lib/arm-linux-gnueabihf", "usr/lib64", "usr/lib"]


@dataclass(frozen=True)
class Target:
    arch: str
    python: str  # "3.11"
    glibc: str  # "2.36"
    os_name: str  # PRETTY_NAME of etc/os-release

    @property
    def python_tag(self) -> str:
        return "cp" + self.python.replace(".", "")

    def platform_tags(self) -> list[str]:
        """pip platform tags this target accepts, newest first."""
        major, minor = (int(x) for x in self.glibc.split(".")[:2])
        tags = [f"manylinux_{major}_{m}_{self.arch}" for m in range(minor, 16, -1)]
        return [*tags, f"manylinux2014_{self.arch}"]


def read_rootfs(root: Path) -> Target:
    python = _python_binary(root)
    return Target(arch=_elf_arch(python), python=python.name.removeprefix("python"), glibc=_glibc(root),
                  os_name=_os_release(root).get("PRETTY_NAME", "unknown"))


def check_against(target: Target, profile: DeviceProfile) -> list[str]:
    """Warnings where the card differs from the profile; an architecture mismatch is an error."""
    if target.arch != profile.arch:
        raise FlashError(f"the root filesystem is {target.arch} ({target.os_name}) but profile {profile.name} is "
                         f"{profile.arch}: pick the board's profile (edgelm devices list)")
    warnings = []
    if target.python != profile.python:
        warnings.append(f"the card has Python {target.python}, profile {profile.name} says {profile.python}: "
                        f"the wheelhouse is built for {target.python}")
    if target.glibc != profile.glibc:
        warnings.append(f"the card has glibc {target.glibc}, profile {profile.name} says {profile.glibc}: "
                        f"wheels are picked for {target.glibc}")
    return warnings


def _os_release(root: Path) -> dict[str, str]:
    for name in ("etc/os-release", "usr/lib/os-release"):
        path = root / name
        if path.is_file():
            pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
            return {k: v.strip().strip('"') for k, v in pairs}
    raise FlashError(f"{root} has no etc/os-release: is it the root filesystem of a board?")


def _python_binary(root: Path) -> Path:
    found = [p for p in (root / "usr" / "bin").glob("python3.*") if re.fullmatch(r"python3\.\d+", p.name)]
    if not found:
        raise FlashError(f"{root} has no usr/bin/python3.X: the agent needs the board's Python 3")
    return max(found, key=lambda p: int(p.name.split(".")[1]))


def _elf_arch(binary: Path) -> str:
    with open(binary, "rb") as elf:
        header = elf.read(20)
    if header[:4] != b"\x7fELF" or len(header) < 20:
        raise FlashError(f"{binary} is not an ELF executable")
    endian = "<" if header[5] == 1 else ">"
    machine = struct.unpack(f"{endian}H", header[18:20])[0]
    if machine not in ELF_MACHINES:
        raise FlashError(f"{binary} is for ELF machine {machine:#x}, which EdgeLM has no wheels for")
    return ELF_MACHINES[machine]


def _glibc(root: Path) -> str:
    status = root / "var" / "lib" / "dpkg" / "status"
    if status.is_file():
        for block in status.read_text(errors="replace").split("\n\n"):
            if re.search(r"^Package: libc6$", block, re.M):
                match = re.search(r"^Version: (\d+\.\d+)", block, re.M)
                if match:
                    return match.group(1)
    for folder in LIBC_CANDIDATES:  # bookworm's libc file is plain libc.so.6: read the version inside it
        libc = root / folder / "libc.so.6"
        if libc.is_file():
            found = re.search(rb"GNU C Library [^\n]*?version (\d+\.\d+)", libc.read_bytes())
            if found:
                return found.group(1).decode()
    raise FlashError(f"cannot tell the glibc version of {root} (no libc6 in var/lib/dpkg/status, no libc.so.6)")
