"""Another git revision's agent beside this checkout's, in one benchmark run: the revision is checked out
in a temporary worktree, and an agent started with `source_env(tree)` imports its code from there."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "rev"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def source_env(env: dict[str, str], source: Path | None) -> dict[str, str]:
    """`env` for an agent from `source` (None: this checkout). `python -m` puts the working directory
    first on sys.path; PYTHONSAFEPATH keeps it off, so PYTHONPATH decides."""
    return env if source is None else {**env, "PYTHONPATH": str(source), "PYTHONSAFEPATH": "1"}
