"""Issue-4 report: the fp32 checkpoint, the int8 bundle and hassil's matcher on the same held-out-template
sentences, clean and noisy, per language, plus the out-of-domain false-trigger rate of each."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from converter.intents import hassil_baseline, ood
from converter.metrics import classification_report


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _torch_predict(checkpoint: Path, texts: list[str]) -> tuple[list[int], np.ndarray]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from converter.intents.train import BUDGETS, probabilities

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
    p = probabilities(model, AutoTokenizer.from_pretrained(checkpoint), texts, BUDGETS["full"].max_len)
    return p.argmax(1).tolist(), p.max(1)


def _bundle_predict(bundle: Path, texts: list[str]) -> tuple[list[int], np.ndarray]:
    from edge_agent.model import load_model

    model = load_model(bundle, run_golden=False)
    assert model.classifier is not None
    probs = np.concatenate([np.stack([p.probabilities for p in model.classifier.predict(texts[i:i + 64])])
                            for i in range(0, len(texts), 64)])
    return probs.argmax(1).tolist(), probs.max(1)


def build_report(checkpoint: Path, bundle: Path, langs: list[str], every: int = 1) -> dict:
    """`every`: use every n-th test sentence (hassil is slow with every name in every domain)."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    labels: list[str] = manifest["labels"]
    index = {name: i for i, name in enumerate(labels)}
    threshold = float(manifest.get("thresholds", {}).get("ood", 0.0))
    sets = {"clean": _rows(checkpoint / "eval.jsonl")[::every], "noisy": _rows(checkpoint / "eval_noisy.jsonl")[::every]}
    groups: dict[tuple[str, str], list[dict]] = {}
    for lang in langs:
        for set_name, rows in sets.items():
            groups[(lang, set_name)] = [r for r in rows if r.get("lang", "en") == lang and r["label"] in index]
        groups[(lang, "ood")] = [{"text": t, "lang": lang} for t in ood.split(lang)[1]]
    # Each system runs once over every sentence; the groups are slices of that one run.
    flat = [r for rows in groups.values() for r in rows]
    texts = [r["text"] for r in flat]
    runs = {"fp32 (torch)": _torch_predict(checkpoint, texts),
            "int8 bundle (onnxruntime)": _bundle_predict(bundle, texts)}
    hassil_pred = hassil_baseline.predict(flat, labels)
    report: dict = {"threshold": threshold, "rows": [], "ood": []}
    offset = 0
    for (lang, set_name), rows in groups.items():
        part = slice(offset, offset + len(rows))
        offset += len(rows)
        if set_name == "ood":
            for system, (_, conf) in runs.items():
                report["ood"].append({"system": system, "lang": lang, "n": len(rows),
                                      "false_trigger_rate": round(float(np.mean(conf[part] >= threshold)), 4)})
            report["ood"].append({"system": "hassil", "lang": lang, "n": len(rows), "false_trigger_rate": round(
                float(np.mean([p != -1 for p in hassil_pred[part]])), 4)})
            continue
        truth = [index[r["label"]] for r in rows]
        for system, (pred, _) in runs.items():
            report["rows"].append(_row(system, lang, set_name, truth, pred[part], labels))
        report["rows"].append(_row("hassil", lang, set_name, truth, hassil_pred[part], labels))
    return report


def _row(system: str, lang: str, set_name: str, truth: list[int], pred: list[int], labels: list[str]) -> dict:
    metrics = classification_report(truth, pred, labels)
    return {"system": system, "lang": lang, "set": set_name, "n": metrics["n"],
            "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
