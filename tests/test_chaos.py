"""SIGKILL runs against the agent as its own process and against Mosquitto: 2,000 requests each, with six
agent kills, and 1,000 with four broker kills; nothing may be lost and nothing run twice. Marked slow."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edgelm.demo_broker import Mosquitto

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from chaos import run  # noqa: E402  (shared with benchmarks/resilience_bench.py)


@pytest.mark.slow
@pytest.mark.parametrize(("target", "kills", "requests"), [("agent", 6, 2000), ("broker", 4, 1000)])
def test_sigkill_runs_lose_nothing_and_run_nothing_twice(bert_bundle, tmp_path, target, kills, requests):
    """The broker run is 1,000 requests here (each kill waits out the client's 2 s resend); the benchmark
    (benchmarks/resilience_bench.py) runs 2,000 for both."""
    with Mosquitto() as broker:  # its own: this test kills it
        result = run(broker, bert_bundle, requests, kills, target, tmp_path / "state")
    print(result)
    assert result.kills == kills
    assert result.lost == 0
    assert result.run_twice == 0
    assert result.errors == {}
