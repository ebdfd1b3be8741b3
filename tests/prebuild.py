"""Build the suite's slow cached artifacts before pytest starts (`.ci/run` calls it), one at a time, with
progress: a cold run trains two models and converts them, which is not a test and never runs into a test's
timeout. Each is keyed by the code that makes it (tests/conftest.py), so a warm run finds them all and this
takes seconds. The tests then copy them from the cache exactly as they would have built them.

    python tests/prebuild.py [--list]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # conftest, run as a script

import conftest  # noqa: E402
import pytest  # noqa: E402


def _slots_model() -> Path:
    return conftest.build_slots_model(None)


def _demo_bundle() -> Path:
    from test_intents_demo import build_demo_bundle

    return build_demo_bundle(conftest.build_intents_tiny(None))


def _auto_pruned() -> Path:
    from test_prune import build_auto_pruned

    return build_auto_pruned(conftest.build_intents_tiny(None), None)


def _arm64_root() -> Path:
    from arm64_root import arm64_root

    return arm64_root()


def _hermes_venvs() -> list[Path]:
    from foreign_python import RHASSPY, SNIPS, venv_python

    return [venv_python(RHASSPY), venv_python(SNIPS)]


def _node_red() -> Path:
    from test_node_red import install_node_red

    return install_node_red()


# what each costs cold on an idle 2-core machine, so a reader of the log knows what to expect
BUILDS: list[tuple[str, str, Callable[[], object]]] = [
    ("intent model, en+es, tiny budget", "~1 min", lambda: conftest.build_intents_tiny(None)),
    ("its int8 bundle, as `edgelm demo --train` converts it", "~20 s", _demo_bundle),
    ("its `--prune-heads auto` bundle", "~40 s", _auto_pruned),
    ("joint intent + slot model, en, small budget", "~4 min", _slots_model),
    ("the slot model's ONNX int8 bundle", "~20 s", lambda: conftest.build_slots_bundle(_slots_model(), None)),
    ("the slot model's LiteRT bundle (Raspberry Pi 4)", "~45 s",
     lambda: conftest.build_slots_bundle(_slots_model(), None, fmt="tflite")),
    ("an arm64 Debian root with QEMU (debootstrap)", "~30 s", _arm64_root),
    ("Rhasspy's and Snips' Python 3.8 / 3.7 virtualenvs", "~10 s", _hermes_venvs),
    ("Node-RED 4 (npm)", "~15 s", _node_red),
]


def main(argv: list[str]) -> int:
    if "--list" in argv:
        for what, cold, _ in BUILDS:
            print(f"{what} ({cold} cold)")
        return 0
    conftest.CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    failed = []
    for index, (what, cold, build) in enumerate(BUILDS, 1):
        print(f"[{index}/{len(BUILDS)}] {what} (cold: {cold}) ...", flush=True)
        t0 = time.monotonic()
        try:
            build()
        except (Exception, pytest.fail.Exception) as exc:  # the tests that need it fail and say why
            failed.append(what)
            print(f"      FAILED after {time.monotonic() - t0:.0f} s: {type(exc).__name__}: {exc}", flush=True)
            continue
        print(f"      ready in {time.monotonic() - t0:.0f} s", flush=True)
    print(f"cached artifacts ready in {time.monotonic() - started:.0f} s under {conftest.CACHE_ROOT}"
          + (f"; not built: {', '.join(failed)} (the tests that need them will fail and say why)" if failed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
