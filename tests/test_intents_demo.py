"""Home Assistant intent data and the `edgelm demo` main job, end to end (tiny training budget)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import INTENTS_TINY, cached_convert

from converter.intents.data import add_noise, balance, build
from edgelm.cli import cli


@pytest.fixture(scope="module")
def data():
    return build(["en", "es"], per_template=4, per_intent=60, seed=0)


def test_split_is_by_template(data):
    train = {e.template for e in data.train}
    assert train.isdisjoint({e.template for e in data.test})
    assert train.isdisjoint({e.template for e in data.validation})
    assert {e.lang for e in data.test} == {"en", "es"}
    assert len(data.labels) >= 38
    assert "HassTurnOn" in data.labels
    # no sentence is left with an unexpanded {list} or <rule>
    assert not [e.text for e in data.train if "{" in e.text or "<" in e.text]


def test_caps_and_balance(data):
    counts: dict[str, int] = {}
    for e in data.train:
        counts[(e.label, e.lang)] = counts.get((e.label, e.lang), 0) + 1
    assert max(counts.values()) <= 60
    balanced = balance(data.train, 50, seed=0)
    per_label: dict[str, int] = {}
    for e in balanced:
        per_label[e.label] = per_label.get(e.label, 0) + 1
    assert min(per_label.values()) >= 50


def test_noise_changes_text_a_little():
    rng = random.Random(3)
    text = "turn on the kitchen light"
    noisy = {add_noise(text, rng) for _ in range(30)}
    assert len(noisy) >= 3
    assert text not in noisy
    assert all(abs(len(n.split()) - 5) <= 1 for n in noisy)


def build_demo_bundle(cache: Path, into: Path | None = None) -> Path:
    """The int8 bundle `edgelm demo --train --budget tiny` converts from the model in `cache`, converted with
    the demo's own settings and cached like every conversion (tests/prebuild.py makes it before the tests)."""
    from edgelm.demo import convert_settings

    settings = convert_settings(cache / "intents-en-es-tiny")
    return cached_convert("intents-en-es-tiny-demo", cache / "intents-en-es-tiny", into, source=INTENTS_TINY,
                          **settings).bundle


@pytest.fixture(scope="module")
def demo_run(intents_cache):
    cache = intents_cache  # the demo reuses the trained model there and the bundle made from it
    build_demo_bundle(cache, cache / "bundle-en-es-tiny")
    runner = CliRunner(env={"COLUMNS": "200"})  # rich wraps table cells at 80 columns otherwise
    result = runner.invoke(cli, ["demo", "--train", "--budget", "tiny", "--cache-dir", str(cache), "--json"],
                           catch_exceptions=False)
    return cache, result


def test_demo_end_to_end(demo_run):
    tmp_path, result = demo_run
    assert result.exit_code == 0, result.output
    out = result.output
    for step in ("[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"):
        assert step in out
    assert "Mosquitto (MQTT 5)" in out
    assert "enciende las luces de la cocina" in out
    assert "turn on the kitchen lights" in out
    assert '"rss_mb"' in out
    assert '"latency_ms"' in out
    manifest = json.loads((tmp_path / "bundle-en-es-tiny" / "manifest.json").read_text())
    report = json.loads((tmp_path / "intents-en-es-tiny" / "train_report.json").read_text())
    assert manifest["thresholds"]["ood"] == report["ood"]["threshold"]  # calibrated, carried into the bundle
    assert manifest["labels"][-1] == "OutOfDomain"  # the trained class, beside the threshold
    for lang in ("en", "es"):
        for part in ("class", "threshold", "both"):
            assert 0 <= report["ood"][lang][part]["false_trigger_rate"] <= 1
        assert report["ood"][lang]["both"]["in_domain_recall"] > 0.5


def test_demo_reuses_its_cache_and_falls_back_to_amqtt(demo_run):
    """Where Mosquitto is missing the demo runs an in-process amqtt broker; the agent then speaks 3.1.1."""
    from edgelm.demo import COMMANDS, DemoOptions, run_demo

    tmp_path, first = demo_run
    assert first.exit_code == 0
    summary = run_demo(DemoOptions(cache_dir=tmp_path, budget="tiny", train=True, broker="amqtt"))
    assert summary["broker"] == {"kind": "AmqttBroker", "protocol": "3.1.1"}
    assert [a["text"] for a in summary["answers"]] == [text for _, text in COMMANDS]
    assert all("intent" in a and "latency_ms" in a for a in summary["answers"])  # intent None: rejected as OOD
    assert summary["telemetry"]["requests"] >= len(COMMANDS)


def test_hassil_baseline_is_the_real_matcher():
    from converter.intents.hassil_baseline import HassilMatcher

    en = HassilMatcher("en")
    match = en.match("turn on the kitchen lights")
    assert match.intent == "HassTurnOn"
    assert match.entities == {"area": "kitchen", "domain": "light"}
    assert en.match("set a timer for 10 minutes").intent == "HassStartTimer"
    assert en.match("trun on the kitchen lights").intent is None  # one typo defeats a template matcher
    assert en.match("I love this song").intent is None
    assert HassilMatcher("es").match("enciende las luces de la cocina").intent == "HassTurnOn"


def test_intents_report_compares_model_bundle_and_hassil(demo_run):
    from converter.intents.report import build_report

    tmp_path, _ = demo_run
    # every 4th held-out sentence: still hundreds per language, a quarter of the time (hassil is slow)
    report = build_report(tmp_path / "intents-en-es-tiny", tmp_path / "bundle-en-es-tiny", ["en", "es"], every=4)
    rows = {(r["system"], r["lang"], r["set"]): r for r in report["rows"]}
    assert len(rows) == 3 * 2 * 2
    for lang in ("en", "es"):
        # hassil is given the lists the sentences were expanded with, so clean held-out text is its home turf
        assert rows[("hassil", lang, "clean")]["accuracy"] > 0.9
        assert rows[("hassil", lang, "noisy")]["accuracy"] < rows[("hassil", lang, "clean")]["accuracy"]
        fp32 = rows[("fp32 (torch)", lang, "clean")]
        int8 = rows[("int8 bundle (onnxruntime)", lang, "clean")]
        assert fp32["n"] == int8["n"] > 0
        assert abs(fp32["accuracy"] - int8["accuracy"]) < 0.05
    systems = {"fp32 (torch)", "int8 bundle (onnxruntime)", "hassil"}
    assert {r["system"] for r in report["ood"]} == systems
    assert {(r["lang"], r["set"]) for r in report["ood"]} == {
        (lang, s) for lang in ("en", "es") for s in ("ood", "ood held-out corpus", "ood hand-written")}
    hand = {(r["system"], r["lang"]): r for r in report["handwritten"]}
    assert set(hand) == {(s, lang) for s in systems for lang in ("en", "es")}
    assert all(r["n"] >= 100 for r in hand.values())
    assert hand[("hassil", "en")]["right_intent"] < 0.9  # natural phrasing is not a template's home turf
