"""Other Pythons for the clients that only run there: Snips' `hermes-python` (a cp37 wheel) and Rhasspy's
libraries (Python 3.7/3.8). pyenv provides the interpreters; each virtual environment is built once per
pinned requirement list and cached beside the test models. A missing interpreter or a
failed install fails the test (never a skip)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from conftest import CACHE_ROOT, unavailable

SNIPS = ("3.7", ("hermes-python==0.8.1",))
RHASSPY = ("3.8", ("rhasspy-hermes==0.6.2", "rhasspy-dialogue-hermes==0.6.1"))



def interpreter(version: str) -> Path:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(root.glob(f"{version}.*/bin/python"), key=lambda p: [int(x) for x in p.parts[-3].split(".")])
    if not found:
        unavailable(f"no Python {version} under {root} (pyenv install {version})")
    return found[-1]


def venv_python(spec: tuple[str, tuple[str, ...]]) -> Path:
    """The python of a cached venv for (version, pinned requirements)."""
    version, requirements = spec
    key = hashlib.sha256("\0".join((version, *requirements)).encode()).hexdigest()[:12]
    target = CACHE_ROOT / f"venv-py{version}-{key}"
    if not (target / ".complete").exists():
        partial = CACHE_ROOT / f".venv-py{version}-{key}.{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            subprocess.run([str(interpreter(version)), "-m", "venv", str(partial)], check=True, capture_output=True)
            subprocess.run([str(partial / "bin" / "python"), "-m", "pip", "install", "-q", *requirements], check=True,
                           capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            unavailable(f"cannot install {' '.join(requirements)} for Python {version}: {(exc.stderr or '')[-300:]}")
        (partial / ".complete").write_text(key)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)  # venvs are not relocatable: scripts keep their path, so -m is used below
    return target / "bin" / "python"
