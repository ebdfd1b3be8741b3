"""Loading a new version and switching the worker to it. Beside the old model where both fit the board's
model memory budget (no request waits); else unload-then-load, with the worker held between two batches
for the pause, which is measured and reported."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge_agent.inference.bundle import Bundle
from edge_agent.inference.model import LoadedModel
from edge_agent.inference.serving import ModelRegistry, ServingModel

log = logging.getLogger(__name__)


@dataclass
class Swapped:
    before: Bundle  # what served until now (kept: a rollback loads it again; an extracted .tar.gz stays)
    model: ServingModel
    pause_ms: float | None  # None: loaded beside the old model, serving never stopped


def model_bytes(bundle: Bundle) -> int:
    size = bundle.manifest.metrics.get("size_bytes")
    if isinstance(size, int) and size > 0:
        return size
    return sum((bundle.path / name).stat().st_size for name in bundle.manifest.files if (bundle.path / name).is_file())


def swap_in(registry: ModelRegistry, path: Path, new_bytes: int, budget_bytes: int,
            load: Callable[[Path], LoadedModel], build: Callable[[LoadedModel], ServingModel]) -> Swapped:
    """Serve the bundle at `path` from the next batch on. Raises (old model still serving) if it fails
    to load or its golden examples fail."""
    running = registry.current()
    before = running.loaded.bundle
    if model_bytes(before) + new_bytes <= budget_bytes:
        started = time.monotonic()
        model = build(load(path))  # beside the old one: the worker keeps serving meanwhile
        loaded = time.monotonic()
        registry.swap(model)
        del running
        release_memory()
        log.info("loaded and checked %s in %.0f ms; old model released in %.0f ms", path, (loaded - started) * 1000,
                 (time.monotonic() - loaded) * 1000)
        return Swapped(before, model, None)
    log.warning("two models do not fit the %d MB model budget: unloading %s %s first (serving pauses)",
                budget_bytes >> 20, before.manifest.name, before.manifest.version)
    with registry.paused():
        started = time.monotonic()
        registry.take()
        del running
        release_memory()
        try:
            model = build(load(path))
        except Exception:
            registry.swap(build(load(before.path)))  # the old one again, then say why the new one failed
            raise
        registry.swap(model)
        pause_ms = (time.monotonic() - started) * 1000
    return Swapped(before, model, round(pause_ms, 1))


def release_memory() -> None:
    """Hand the heap pages the replaced model freed back to the OS (glibc keeps them otherwise). Its
    session was freed by reference counting already; a full gc.collect() would hold the GIL for tens of
    milliseconds and stall the requests being served, for nothing."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    try:
        trim = ctypes.CDLL(libc_name).malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return
    trim(0)
