"""Progress for long steps (export, quantize, verify) on stderr, via rich."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Steps:
    def __init__(self, total: int, quiet: bool = False):
        self.total = total
        self.done = 0
        self.console = Console(stderr=True, quiet=quiet)
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.done += 1
        label = f"[{self.done}/{self.total}] {title}"
        start = time.perf_counter()
        with self.console.status(label + " ..."):
            yield
        elapsed = time.perf_counter() - start
        self.timings[title] = round(elapsed, 2)
        self.console.print(f"{label} [green]done[/green] ({elapsed:.1f}s)")

    def note(self, text: str) -> None:
        self.console.print(f"    {text}")
