"""An offline wheelhouse for exactly one target: its architecture, glibc and Python. pip downloads the
agent's dependencies for the target's platform tags (binary wheels only: a board must never compile), and
EdgeLM itself goes in as a wheel built from this checkout (or downloaded, for an installed release)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import edge_agent
from edgelm.flash import FlashError
from edgelm.flash.target import Target

RUNTIME_EXTRAS = {"onnxruntime": "onnx", "litert": "litert"}
PIP_TIMEOUT_S = 600


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
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--dest", str(dest),
           "--python-version", target.python, "--implementation", "cp", "--find-links", str(dest)]
    for tag in target.platform_tags():
        cmd += ["--platform", tag]
    # pip itself too: the board installs with it from the wheelhouse, needing neither ensurepip
    # (python3-venv) nor the network
    done = subprocess.run([*cmd, f"{own}[{extras_for(runtime)}]", "pip"], capture_output=True, text=True,
                          timeout=PIP_TIMEOUT_S)
    if done.returncode != 0:
        raise FlashError(_why_not(done.stderr, target))
    return sorted(dest.glob("*.whl"))


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
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return f"cannot download the agent's wheels for {where}: {lines[-1] if lines else 'pip failed'}"
