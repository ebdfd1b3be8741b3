"""An arm64 Debian Bookworm root (Python 3.11, glibc 2.36: Raspberry Pi OS Bookworm's) and a QEMU that runs
it, both cached under the test cache, never in the repo.

debootstrap's foreign stage leaves the packages as .deb files; `dpkg-deb -x` unpacks each. Bookworm's own
QEMU 7.2 crashes in onnxruntime and LiteRT on model load; trixie's `qemu-user` (QEMU 10, static binaries)
does not, so it is fetched with a one-off sources list that changes nothing system-wide."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import CACHE_ROOT, unavailable

MIRROR = "http://deb.debian.org/debian"
PACKAGES = "python3"
KEY = "bookworm-minbase-python3-qemu10"



def _run(cmd: list[str], **kw) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        unavailable(f"{' '.join(cmd[:3])} failed: {(done.stderr or done.stdout)[-400:]}")


def arm64_root() -> Path:
    """The cached root, with qemu-aarch64 (static) at usr/bin/qemu-aarch64-static inside it."""
    target = CACHE_ROOT / f"arm64-{KEY}"
    if (target / ".complete").exists():
        return target
    if shutil.which("debootstrap") is None or shutil.which("dpkg-deb") is None:
        unavailable("debootstrap and dpkg-deb are needed (apt-get install debootstrap)")
    partial = CACHE_ROOT / f".arm64-{KEY}.{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    _run(["debootstrap", "--arch=arm64", "--foreign", "--variant=minbase", f"--include={PACKAGES}", "bookworm",
          str(partial / "root"), MIRROR], timeout=600)
    for deb in sorted((partial / "root" / "var/cache/apt/archives").glob("*.deb")):
        _run(["dpkg-deb", "-x", str(deb), str(partial / "root")])
    _fetch_qemu(partial)
    shutil.rmtree(target, ignore_errors=True)
    (partial / "root" / ".complete").write_text(KEY)
    (partial / "root").rename(target)
    shutil.rmtree(partial, ignore_errors=True)
    return target


def _fetch_qemu(work: Path) -> None:
    apt = work / "apt"
    (apt / "lists" / "partial").mkdir(parents=True)
    (apt / "sources.list").write_text(f"deb {MIRROR} trixie main\n")
    options = ["-o", f"Dir::Etc::SourceList={apt / 'sources.list'}", "-o", "Dir::Etc::SourceParts=/dev/null",
               "-o", f"Dir::State::Lists={apt / 'lists'}", "-o", f"Dir::Cache={apt / 'cache'}"]
    _run(["apt-get", *options, "update", "-qq"], timeout=300)
    _run(["apt-get", *options, "download", "qemu-user"], cwd=apt, timeout=300)
    deb = next(apt.glob("qemu-user_*.deb"))
    _run(["dpkg-deb", "-x", str(deb), str(apt / "qemu")])
    shutil.copy2(apt / "qemu" / "usr/bin/qemu-aarch64", work / "root" / "usr/bin/qemu-aarch64-static")


def board_copy(root: Path, into: Path) -> Path:
    """A private copy to flash into (hard links where the file system allows: nothing the test does rewrites
    a file of the root)."""
    if subprocess.run(["cp", "-al", str(root), str(into)], capture_output=True).returncode != 0:
        shutil.rmtree(into, ignore_errors=True)
        _run(["cp", "-a", str(root), str(into)])
    return into
