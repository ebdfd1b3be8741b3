"""What answering Home Assistant's templates before the model costs the agent (issue 33, part 4): resident
memory, start-up time, time per sentence and the installed size of what it needs, against stated limits
that keep the Raspberry Pi Zero 2 W profile (512 MB: agent baseline + two models side by side) whole.

    python benchmarks/templates_cost.py [--home FILE]

Sentences: every hand-written command and chit-chat line (en, es), run once each after a warm-up; the home
is the real-HA benchmark's (benchmarks/ha_assist/home.yaml) unless --home names an agent home file."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from importlib import metadata
from pathlib import Path

import psutil
from rich.table import Table

from converter.intents.safety import benchmark_home
from edge_agent.home.names_file import load_home
from edge_agent.home.templates import TemplateMatcher
from edgelm.tables import print_table

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["hassil", "home-assistant-intents", "unicode-rbnf", "PyYAML"]  # what the agent extra adds
LIMITS = {"rss_mb": 25.0, "startup_s": 1.0, "installed_mb": 15.0}  # x86-64 here; the A53 is ~8-10x slower


def _installed_mb(dist: str) -> float:
    files = metadata.distribution(dist).files or []
    return sum(f.size or 0 for f in files) / 1e6


def _sentences() -> list[str]:
    texts = []
    for path in sorted((ROOT / "benchmarks" / "handwritten").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an agent home file (default: the real-HA benchmark's home)")
    args = parser.parse_args()
    home = load_home({}, args.home, True) if args.home else benchmark_home()
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    matcher = TemplateMatcher(["en", "es"], home)
    startup = time.perf_counter() - started
    texts = _sentences()
    times, matched = [], 0
    for text in texts:
        t0 = time.perf_counter()
        matched += matcher.match(text) is not None
        times.append((time.perf_counter() - t0) * 1000)
    rss = (process.memory_info().rss - before) / 1e6
    installed = sum(_installed_mb(d) for d in PACKAGES)
    table = Table(title=f"HA templates before the model: {len(texts)} sentences, {matched} matched exactly")
    for column in ("measure", "value", "limit"):
        table.add_column(column)
    table.add_row("resident memory added (en + es, after every sentence)", f"{rss:.1f} MB", f"≤ {LIMITS['rss_mb']} MB")
    table.add_row("start-up (load + compile both languages)", f"{startup:.2f} s", f"≤ {LIMITS['startup_s']} s")
    table.add_row("per sentence p50 / p95 / max", f"{statistics.median(times):.1f} / "
                  f"{sorted(times)[int(len(times) * 0.95)]:.1f} / {max(times):.1f} ms", "")
    table.add_row("installed (" + ", ".join(PACKAGES) + ")", f"{installed:.1f} MB", f"≤ {LIMITS['installed_mb']} MB")
    print_table(table)


if __name__ == "__main__":
    main()
