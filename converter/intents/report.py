"""Issue-4 report: the fp32 checkpoint, the int8 bundle and hassil's matcher on the same held-out-template
sentences, clean and noisy, per language, plus the out-of-domain false-trigger rate of each."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from converter.intents import ha_fuzzy, hassil_baseline, ood
from converter.metrics import classification_report


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


HANDWRITTEN = Path(__file__).resolve().parents[2] / "benchmarks" / "handwritten"


def handwritten(lang: str, kind: str) -> list[dict]:
    """The hand-written sets (never trained on, never used to choose a threshold): kind commands|chitchat."""
    path = HANDWRITTEN / f"{kind}_{lang}.jsonl"
    return [{**row, "lang": lang, "label": row["intent"]} for row in _rows(path)] if path.exists() else []


def _torch_probs(checkpoint: Path, texts: list[str]) -> np.ndarray:
    from transformers import AutoTokenizer

    from converter.intents.train import BUDGETS, probabilities
    from converter.source import load_torch_model, resolve

    model = load_torch_model(resolve(str(checkpoint)))  # the joint intent + slot class too
    return probabilities(model, AutoTokenizer.from_pretrained(checkpoint), texts, BUDGETS["full"].max_len)


def _bundle_probs(bundle: Path, texts: list[str]) -> np.ndarray:
    from edge_agent.inference.model import load_model

    model = load_model(bundle, run_golden=False)
    assert model.classifier is not None
    return np.concatenate([np.stack([p.probabilities for p in model.classifier.predict(texts[i:i + 64])])
                           for i in range(0, len(texts), 64)])


def _groups(checkpoint: Path, langs: list[str], index: dict[str, int], every: int) -> dict[tuple[str, str], list[dict]]:
    sets = {"clean": _rows(checkpoint / "eval.jsonl")[::every], "noisy": _rows(checkpoint / "eval_noisy.jsonl")[::every]}
    held_out = _rows(checkpoint / "eval_ood.jsonl") if (checkpoint / "eval_ood.jsonl").exists() else []
    groups: dict[tuple[str, str], list[dict]] = {}
    for lang in langs:
        for set_name, rows in sets.items():
            groups[(lang, set_name)] = [r for r in rows if r.get("lang", "en") == lang and r["label"] in index]
        groups[(lang, "ood")] = [{"text": t, "lang": lang} for t in ood.split(lang)[1]]
        groups[(lang, "ood held-out corpus")] = [r for r in held_out if r["lang"] == lang]
        groups[(lang, "ood hand-written")] = handwritten(lang, "chitchat")
        groups[(lang, "hand-written commands")] = handwritten(lang, "commands")
    return groups


def build_report(checkpoint: Path, bundle: Path, langs: list[str], every: int = 1,
                 ha_fuzzy_venv: Path | None = None) -> dict:
    """`every`: use every n-th test sentence (hassil is slow with every name in every domain);
    `ha_fuzzy_venv`: also run HA 2025.9's strict + fuzzy matcher from that virtualenv."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    labels: list[str] = manifest["labels"]
    index = {name: i for i, name in enumerate(labels)}
    threshold = float(manifest.get("thresholds", {}).get("ood", 0.0))
    rejection = ood.Rejection(labels)
    groups = _groups(checkpoint, langs, index, every)
    # Each system runs once over every sentence; the groups are slices of that one run.
    flat = [r for rows in groups.values() for r in rows]
    texts = [r["text"] for r in flat]
    runs = {"fp32 (torch)": _torch_probs(checkpoint, texts), "int8 bundle (onnxruntime)": _bundle_probs(bundle, texts)}
    matchers = {"hassil": np.array(hassil_baseline.predict(flat, labels))}
    if ha_fuzzy_venv is not None:
        matchers["HA 2025.9 strict+fuzzy"] = np.array(ha_fuzzy.predict(flat, labels, ha_fuzzy_venv))
    report: dict = {"threshold": threshold, "rows": [], "ood": [], "handwritten": []}
    offset = 0
    for (lang, set_name), rows in groups.items():
        part = slice(offset, offset + len(rows))
        offset += len(rows)
        if not rows:
            continue
        # what the agent answers: an intent index, or -1 for `intent: null`
        answered = {system: np.where(rejection.accepted(probs[part], threshold), probs[part].argmax(1), -1)
                    for system, probs in runs.items()}
        answered.update({system: pred[part] for system, pred in matchers.items()})
        if set_name.startswith("ood"):
            for system, pred in answered.items():
                report["ood"].append({"system": system, "lang": lang, "set": set_name, "n": len(rows),
                                      "false_trigger_rate": round(float(np.mean(pred != -1)), 4)})
        elif set_name == "hand-written commands":
            truth = np.array([index.get(r["label"], -2) for r in rows])
            for system, pred in answered.items():
                report["handwritten"].append({"system": system, "lang": lang, "n": len(rows),
                                              "right_intent": round(float(np.mean(pred == truth)), 4)})
        else:
            truth_list = [index[r["label"]] for r in rows]
            for system, probs in runs.items():
                report["rows"].append(_row(system, lang, set_name, truth_list, probs[part].argmax(1).tolist(), labels))
            for system, pred in matchers.items():
                report["rows"].append(_row(system, lang, set_name, truth_list, pred[part].tolist(), labels))
    return report


def _row(system: str, lang: str, set_name: str, truth: list[int], pred: list[int], labels: list[str]) -> dict:
    metrics = classification_report(truth, pred, labels)
    return {"system": system, "lang": lang, "set": set_name, "n": metrics["n"],
            "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
