"""Joint intent + slot model vs the intent-only model with the same encoder: int8 ONNX, p50/p95 of the raw
graph at seq 32 and 128, and of the whole `Classifier.predict` (tokenise, run, decode and normalise slots)
on home commands, measured side by side in one run. The issue-5 target: joint <= 1.2x intent-only.

    python benchmarks/slots_bench.py [--checkpoint DIR] [--runs 3]

DIR is an `edgelm train-intents --slots` output; without it the packaged MiniLM-L6 gets untrained heads
(42 intents, 51 tags), which costs the same to run."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from rich.table import Table

from converter.bench import run_isolated
from converter.pipeline import ConvertOptions, convert
from edge_agent.inference.model import load_model
from edgelm.tables import print_table

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = ["turn on the kitchen light", "set the brightness of the living room lamp to 40%",
            "set a timer for 1 hour and 10 minutes", "what is the temperature in the master bedroom",
            "add eggs to my shopping list", "close the garage door"]


def _checkpoints(checkpoint: Path | None, work: Path) -> tuple[Path, Path]:
    """(joint, intent-only) checkpoints sharing one encoder and intent head."""
    from transformers import AutoConfig, AutoTokenizer, BertForSequenceClassification

    from converter.intents.joint import JointIntentSlotModel
    from converter.intents.train import default_base

    if checkpoint is None:
        base = default_base()
        config = AutoConfig.from_pretrained(base, num_labels=42)
        config.slot_labels = ["O"] + [f"{p}-s{i}" for i in range(25) for p in "BI"]
        joint = JointIntentSlotModel.from_pretrained(base, config=config)
        checkpoint = work / "joint"
        joint.save_pretrained(checkpoint)
        AutoTokenizer.from_pretrained(base).save_pretrained(checkpoint)
    joint = JointIntentSlotModel.from_pretrained(checkpoint)
    config = joint.config.to_dict()
    config.pop("slot_labels")
    config["architectures"] = ["BertForSequenceClassification"]
    intent = BertForSequenceClassification(type(joint.config).from_dict(config))
    intent.load_state_dict({k: v for k, v in joint.state_dict().items() if not k.startswith("slot_")})
    intent_dir = work / "intent-only"
    intent.save_pretrained(intent_dir)
    AutoTokenizer.from_pretrained(checkpoint).save_pretrained(intent_dir)
    return checkpoint, intent_dir


def _predict_ms(bundle: Path) -> list[float]:
    model = load_model(bundle, run_golden=False)
    assert model.classifier is not None
    times = []
    for _ in range(20):
        for text in COMMANDS:
            t0 = time.perf_counter()
            model.classifier.predict([text])
            times.append((time.perf_counter() - t0) * 1000)
    return times[len(COMMANDS):]  # the first round warms up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edgelm-slots-bench-"))
    joint_ckpt, intent_ckpt = _checkpoints(args.checkpoint, work)
    bundles = {}
    for name, ckpt in (("intent-only", intent_ckpt), ("joint intent+slots", joint_ckpt)):
        bundles[name] = convert(str(ckpt), work / f"bundle-{name.split()[0]}", ConvertOptions(quiet=True)).bundle
    vocab = json.loads((joint_ckpt / "config.json").read_text())["vocab_size"]
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in bundles}
    for _ in range(args.runs):  # interleaved, so drift on a shared machine hits both alike
        for name, bundle in bundles.items():
            points = run_isolated("ort", bundle / "model.onnx", vocab, seqs=(32, 128))["points"]
            for key in ("32x1", "128x1"):
                samples[name].setdefault(key, []).extend(points[key])
            samples[name].setdefault("predict", []).extend(_predict_ms(bundle))
    rows = {}
    for name, points in samples.items():
        rows[name] = {key: (statistics.median(v), statistics.quantiles(v, n=20)[18]) for key, v in points.items()}
    table = Table("model", "size MB", "graph p50/p95 @32", "graph p50/p95 @128", "predict() p50/p95",
                  title=f"joint vs intent-only, int8 ONNX ({args.runs} runs)")
    for name, r in rows.items():
        size = (bundles[name] / "model.onnx").stat().st_size / 2**20
        table.add_row(name, f"{size:.1f}", *(f"{r[k][0]:.2f} / {r[k][1]:.2f} ms" for k in ("32x1", "128x1", "predict")))
    joint, intent = rows["joint intent+slots"], rows["intent-only"]
    table.add_row("ratio (joint / intent)", "", *(f"{joint[k][0] / intent[k][0]:.2f}x" for k in ("32x1", "128x1",
                                                                                                "predict")))
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
