"""Pruning benchmark on the fine-tuned MiniLM-L6 intent model: prune settings x (size, p50 latency at seq 32,
macro-F1 on held-out templates, accuracy on the noisy set) for fp32 and int8, one run, one table.

    python benchmarks/prune_bench.py [--checkpoint DIR] [--recover-steps 300] [--eval-every 5] [--json FILE]

DIR is a `edgelm train-intents` output (default: the model `edgelm demo` caches). Recovery distils the
unpruned model into the pruned one on the checkpoint's training sentences (train.jsonl), with cross-entropy
on their labels; they also define the vocabulary `--prune-vocab` keeps. `--settings "50% heads+FFN"` runs
only the named rows (and the unpruned one).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from converter.bench import run_isolated
from converter.data import load_eval, load_texts
from converter.metrics import classification_report
from converter.pipeline import ConvertOptions, convert
from converter.prune.stage import PruneOptions, prune_checkpoint
from converter.source import resolve
from edge_agent.inference.model import load_model
from edgelm.demo import default_cache_dir
from edgelm.tables import print_table

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = [
    ("none", None),
    ("25% heads+FFN", PruneOptions(heads="0.25", ffn=0.25)),
    ("37.5% heads+FFN", PruneOptions(heads="0.375", ffn=0.375)),
    ("50% heads+FFN", PruneOptions(heads="0.5", ffn=0.5)),
    ("vocab", PruneOptions(vocab=True)),
    ("vocab + 50%", PruneOptions(heads="0.5", ffn=0.5, vocab=True)),
]


def _subset(src: Path, dst: Path, every: int) -> Path:
    lines = [line for line in src.read_text().splitlines() if line.strip()]
    dst.write_text("\n".join(lines[::every]) + "\n")
    return dst


def _scores(bundle: Path, clean: Path, noisy: Path) -> dict:
    model = load_model(bundle, run_golden=False)
    assert model.classifier is not None
    labels = model.manifest.labels
    out = {}
    for name, path in (("clean", clean), ("noisy", noisy)):
        evalset = load_eval(path, labels)
        pred = [labels.index(p.label) for i in range(0, len(evalset.texts), 64)
                for p in model.classifier.predict(evalset.texts[i:i + 64])]
        out[name] = classification_report(evalset.labels, pred, labels)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=default_cache_dir() / "intents-en-es-small")
    parser.add_argument("--recover-steps", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=5, help="use every n-th eval sentence")
    parser.add_argument("--runs", type=int, default=3, help="latency runs per bundle (median of medians)")
    parser.add_argument("--settings", help="comma-separated setting names to run (the unpruned row always runs)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    wanted = {"none", *args.settings.split(",")} if args.settings else None
    ck = args.checkpoint
    work = Path(tempfile.mkdtemp(prefix="edgelm-prune-bench-"))
    clean = _subset(ck / "eval.jsonl", work / "eval.jsonl", args.eval_every)
    noisy = _subset(ck / "eval_noisy.jsonl", work / "eval_noisy.jsonl", args.eval_every)
    # the domain vocabulary and the distillation text: the training sentences (train-intents writes them)
    train_file = ck / "train.jsonl" if (ck / "train.jsonl").exists() else ck / "calibration.jsonl"
    domain = load_texts(train_file)
    recover_file = train_file
    rows = []
    console = Console()
    for name, popts in SETTINGS:
        if wanted is not None and name not in wanted:
            continue
        src = ck
        if popts is not None:
            popts.recover_steps = args.recover_steps if (popts.heads or popts.ffn) else 0
            popts.train_file = recover_file
            src = work / f"pruned-{len(rows)}"
            evalset = load_eval(clean, resolve(str(ck)).labels)
            prune_checkpoint(resolve(str(ck)), src, popts, domain, evalset, 32, note=console.print)
        for mode in ("none", "dynamic-int8"):
            out = work / f"bundle-{len(rows)}"
            result = convert(str(src), out, ConvertOptions(device="x86-64-vnni", quantize=mode, eval_file=clean,
                                                           calibration_file=ck / "calibration.jsonl",
                                                           max_accuracy_drop=100, quiet=True))
            vocab = json.loads((src / "config.json").read_text())["vocab_size"]
            p50 = statistics.median(statistics.median(run_isolated("ort", out / "model.onnx", vocab)["points"]["32x1"])
                                    for _ in range(args.runs))
            scores = _scores(out, clean, noisy)
            rows.append({"setting": name, "precision": "fp32" if mode == "none" else "int8",
                         "size_mb": round(result.manifest.metrics["size_bytes"] / 2**20, 2), "p50_ms": round(p50, 3),
                         "macro_f1": scores["clean"]["macro_f1"], "accuracy": scores["clean"]["accuracy"],
                         "noisy_accuracy": scores["noisy"]["accuracy"]})
            console.print(rows[-1])
    base = {r["precision"]: r for r in rows if r["setting"] == "none"}
    table = Table("setting", "prec", "MB", "size vs int8", "p50 ms @32", "speed-up vs int8", "macro-F1",
                  "Δ F1 pts", "noisy acc", title=f"pruning {ck.name} (n={sum(1 for _ in clean.open())})")
    for r in rows:
        ref = base["int8"]
        table.add_row(r["setting"], r["precision"], f"{r['size_mb']:.1f}", f"{r['size_mb'] / ref['size_mb']:.2f}",
                      f"{r['p50_ms']:.3f}", f"{ref['p50_ms'] / r['p50_ms']:.2f}x", f"{r['macro_f1']:.4f}",
                      f"{(r['macro_f1'] - base[r['precision']]['macro_f1']) * 100:+.2f}", f"{r['noisy_accuracy']:.4f}")
    print_table(table, console)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
