"""Home Assistant intent data and the `edgelm demo` main job, end to end (tiny training budget)."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from converter.intents_data import add_noise, balance, build
from edgelm.cli import cli


@pytest.fixture(scope="module")
def data():
    return build(["en", "es"], per_template=4, per_intent=60, seed=0)


def test_split_is_by_template(data):
    train = {e.template for e in data.train}
    assert train.isdisjoint({e.template for e in data.test})
    assert train.isdisjoint({e.template for e in data.validation})
    assert {e.lang for e in data.test} == {"en", "es"}
    assert len(data.labels) >= 38 and "HassTurnOn" in data.labels
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
    assert len(noisy) >= 3 and text not in noisy
    assert all(abs(len(n.split()) - 5) <= 1 for n in noisy)


def test_demo_end_to_end(tmp_path):
    runner = CliRunner(env={"COLUMNS": "200"})  # rich wraps table cells at 80 columns otherwise
    result = runner.invoke(cli, ["demo", "--budget", "tiny", "--cache-dir", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    for step in ("[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"):
        assert step in out
    assert "enciende las luces de la cocina" in out and "turn on the kitchen lights" in out
    assert '"rss_mb"' in out and '"latency_ms"' in out
    manifest = json.loads((tmp_path / "bundle-en-es-tiny" / "manifest.json").read_text())
    report = json.loads((tmp_path / "intents-en-es-tiny" / "train_report.json").read_text())
    assert manifest["thresholds"]["ood"] == report["ood"]["threshold"]  # calibrated, carried into the bundle
    for lang in ("en", "es"):
        assert 0 <= report["ood"][lang]["false_trigger_rate"] <= 1
        assert report["ood"][lang]["in_domain_recall"] > 0.5
    again = runner.invoke(cli, ["demo", "--budget", "tiny", "--cache-dir", str(tmp_path)])
    assert again.exit_code == 0 and "reusing" in again.output
