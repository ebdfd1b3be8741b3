"""The suite's build cache under pytest-xdist: workers that ask for one artifact at once build it once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASK = """
import sys, time
from pathlib import Path
sys.path.insert(0, "tests")
from conftest import Recipe, cached_build

def build(out: Path) -> None:
    out.mkdir(parents=True)
    with open(sys.argv[1], "a") as log:
        log.write("built\\n")
    time.sleep(1.5)  # long enough for the other worker to ask meanwhile
    (out / "artifact").write_text("x")

print(cached_build(Recipe("lock-probe", code=(), packages=()), build, None))
"""


def test_two_workers_asking_at_once_build_once(tmp_path):
    log = tmp_path / "builds.log"
    env = {**os.environ, "EDGELM_TEST_CACHE": str(tmp_path / "cache")}
    workers = [subprocess.Popen([sys.executable, "-c", ASK, str(log)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                text=True) for _ in range(2)]
    paths = [worker.communicate(timeout=120)[0].strip() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    assert log.read_text().splitlines() == ["built"]
    assert paths[0] == paths[1]
    assert (Path(paths[0]) / "artifact").read_text() == "x"
