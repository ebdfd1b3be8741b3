"""An offline wheelhouse for exactly one target: its architecture, glibc and Python. pip downloads the
agent's dependencies for the target's platform tags (binary wheels only: a board must never compile), and
EdgeLM itself goes in as a wheel built from this checkout (or downloaded, for an installed release)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

import edge_agent
from edgelm.flash import FlashError
from edgelm.flash.target import Target

RUNTIME_EXTRAS = {"onnxruntime": "onnx", "litert": "litert"}
PIP_TIMEOUT_S = 600
# Dependencies of dependencies that the agent never imports, left out of the board's virtualenv (with
# whatever only they pull in). The board installs the wheelhouse with --no-deps, exactly as it is.
LEFT_OUT = {
    "huggingface-hub": "tokenizers needs it only for Tokenizer.from_pretrained (the hub); the agent loads "
                       "tokenizer.json from the bundle",
    "hf-xet": "the hub's download accelerator, for huggingface-hub",
    "pygments": "rich's syntax highlighting; the agent logs plain lines",
}


def extras_for(runtime: str) -> str:
    if runtime not in RUNTIME_EXTRAS:
        raise FlashError(f"bundle runtime {runtime!r} is not one EdgeLM can install ({', '.join(RUNTIME_EXTRAS)})")
    return f"agent,{RUNTIME_EXTRAS[runtime]}"


def build(target: Target, runtime: str, dest: Path, extra_wheels: list[Path] | None = None) -> list[Path]:
    """Fill `dest` with every wheel the agent needs on `target`; returns them."""
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in extra_wheels or []:  # e.g. NVIDIA's onnxruntime-gpu for JetPack, not on PyPI
        (dest / wheel.name).write_bytes(wheel.read_bytes())
    own = _edgelm_wheel(dest)
    # A runtime brought as an extra wheel (NVIDIA's onnxruntime-gpu for JetPack) replaces PyPI's: asking for
    # edgelm[onnx] too would pull the CPU onnxruntime beside it, and both install the same package.
    extras = "agent" if any(_dist(w).startswith("onnxruntime") for w in extra_wheels or []) else extras_for(runtime)
    brought = [dest / w.name for w in extra_wheels or []]
    cached = _cache_dir(target, own, extras, brought)
    if cached.is_dir():  # the same target, dependencies and extra wheels as a flash before: no pip at all
        for wheel in cached.glob("*.whl"):
            shutil.copyfile(wheel, dest / wheel.name)
        return sorted(dest.glob("*.whl"))
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--dest", str(dest),
           "--python-version", target.python, "--implementation", "cp", "--find-links", str(dest)]
    for tag in target.platform_tags():
        cmd += ["--platform", tag]
    # pip itself too: the board installs with it from the wheelhouse, needing neither ensurepip
    # (python3-venv) nor the network
    done = subprocess.run([*cmd, f"{own}[{extras}]", "pip", *map(str, brought)], capture_output=True, text=True,
                          timeout=PIP_TIMEOUT_S)
    if done.returncode != 0:
        raise FlashError(_why_not(done.stderr, target))
    keep = needed(sorted(dest.glob("*.whl")), [(own, extras), *((w, "") for w in brought)], target)
    for wheel in dest.glob("*.whl"):
        if wheel not in keep:
            wheel.unlink()
    _remember(cached, [w for w in dest.glob("*.whl") if w != own])
    return sorted(dest.glob("*.whl"))


def _cache_dir(target: Target, own: Path, extras: str, brought: list[Path]) -> Path:
    """Keyed by everything that decides the set: the target, EdgeLM's declared dependencies (not its code),
    the extras, the extra wheels and what is left out."""
    digest = hashlib.sha256()
    for part in (target.python, target.glibc, target.arch, extras, *sorted(LEFT_OUT),
                 *sorted(str(r) for r in _requires(own))):
        digest.update(part.encode() + b"\0")
    for wheel in brought:
        digest.update(hashlib.sha256(wheel.read_bytes()).digest())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "edgelm" / "wheelhouse"
    return base / digest.hexdigest()[:20]


def _remember(cached: Path, wheels: list[Path]) -> None:
    partial = cached.with_name(f".{cached.name}.{os.getpid()}")
    try:
        partial.mkdir(parents=True, exist_ok=True)
        for wheel in wheels:
            shutil.copyfile(wheel, partial / wheel.name)
        partial.rename(cached)
    except OSError:  # a cache that cannot be written only costs the next flash a download
        shutil.rmtree(partial, ignore_errors=True)


def needed(wheels: list[Path], roots: list[tuple[Path, str]], target: Target) -> set[Path]:
    """The wheels the roots (wheel, its extras) need on `target`, following Requires-Dist but never into
    LEFT_OUT (pip is kept: the board installs with it)."""
    by_name = {canonicalize_name(parse_wheel_filename(w.name)[0]): w for w in wheels}
    environment = {"python_version": target.python, "python_full_version": f"{target.python}.0",
                   "platform_machine": target.arch, "sys_platform": "linux", "platform_system": "Linux",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython", "os_name": "posix"}
    keep = {by_name[canonicalize_name("pip")], *(root for root, _ in roots)}
    todo = [(root, set(extras.split(",")) - {""}) for root, extras in roots]
    while todo:
        wheel, wanted = todo.pop()
        for requirement in _requires(wheel):
            name = canonicalize_name(requirement.name)
            if name in LEFT_OUT or name not in by_name:
                continue
            marker_ok = requirement.marker is None or any(
                requirement.marker.evaluate({**environment, "extra": extra}) for extra in wanted | {""})
            if marker_ok and by_name[name] not in keep:
                keep.add(by_name[name])
                todo.append((by_name[name], set(requirement.extras)))
    return keep


def _dist(wheel: Path) -> str:
    return str(canonicalize_name(parse_wheel_filename(wheel.name)[0]))


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode("utf-8", "replace")
    return [Requirement(line.split(":", 1)[1].strip()) for line in text.splitlines()
            if line.startswith("Requires-Dist:")]


def _edgelm_wheel(dest: Path) -> Path:
    """EdgeLM's own wheel: built from the source tree this code runs from, else the released one."""
    source = Path(edge_agent.__file__).resolve().parent.parent
    if (source / "pyproject.toml").is_file():
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
               "--wheel-dir", str(dest), str(source)]
    else:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(dest),
               f"edgelm=={edge_agent.__version__}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    if done.returncode != 0:
        raise FlashError(f"cannot make EdgeLM's own wheel: {done.stderr.strip().splitlines()[-1:]}")
    wheels = sorted(dest.glob(f"edgelm-{edge_agent.__version__}-*.whl"))
    if not wheels:
        raise FlashError(f"no edgelm-{edge_agent.__version__} wheel was made")
    return wheels[-1]


def _why_not(stderr: str, target: Target) -> str:
    """pip's failure as one line: which package has no wheel for which platform tag and Python."""
    match = re.search(r"No matching distribution found for ([^\s]+)", stderr)
    where = f"{target.platform_tags()[0]} / {target.python_tag}"
    if match:
        return f"no wheel of {match.group(1)} for {where} ({target.os_name}); see the board's profile notes"
    # pip 24 and newer check a package's Requires-Python before looking for wheels
    python = re.search(r"Package '([^']+)' requires a different Python: (\S+) not in '([^']+)'", stderr)
    if python:
        return (f"no wheel of {python.group(1)} for {where} ({target.os_name}): it needs Python {python.group(3)}, "
                f"the board has {python.group(2)}; see the board's profile notes")
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return f"cannot download the agent's wheels for {where}: {lines[-1] if lines else 'pip failed'}"
