"""Task metrics without scikit-learn: accuracy, macro precision/recall/F1 and per-label scores."""

from __future__ import annotations

import numpy as np


def classification_report(y_true: list[int], y_pred: list[int], labels: list[str]) -> dict:
    true, pred = np.asarray(y_true), np.asarray(y_pred)
    per_label = {}
    present = sorted(set(true.tolist()))  # macro over labels that occur in the eval set
    for idx in present:
        tp = int(np.sum((pred == idx) & (true == idx)))
        fp = int(np.sum((pred == idx) & (true != idx)))
        fn = int(np.sum((pred != idx) & (true == idx)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[labels[idx]] = {"precision": round(precision, 4), "recall": round(recall, 4),
                                  "f1": round(f1, 4), "support": int(np.sum(true == idx))}
    scores = list(per_label.values())
    return {
        "n": int(true.size),
        "accuracy": round(float(np.mean(true == pred)) if true.size else 0.0, 4),
        "macro_precision": round(float(np.mean([s["precision"] for s in scores])) if scores else 0.0, 4),
        "macro_recall": round(float(np.mean([s["recall"] for s in scores])) if scores else 0.0, 4),
        "macro_f1": round(float(np.mean([s["f1"] for s in scores])) if scores else 0.0, 4),
        "per_label": per_label,
    }


def parity(reference: np.ndarray, candidate: np.ndarray, valid: np.ndarray | None = None) -> dict:
    """Max abs diff, mean cosine per row, top-1 agreement of two logit arrays [..., classes]."""
    ref = reference.reshape(-1, reference.shape[-1]).astype(np.float64)
    cand = candidate.reshape(-1, candidate.shape[-1]).astype(np.float64)
    if valid is not None:
        keep = valid.reshape(-1).astype(bool)
        ref, cand = ref[keep], cand[keep]
    cos = np.sum(ref * cand, axis=1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(cand, axis=1) + 1e-12)
    return {
        "n": int(ref.shape[0]),
        "max_abs_diff": round(float(np.max(np.abs(ref - cand))), 6),
        "cosine": round(float(np.mean(cos)), 6),
        "min_cosine": round(float(np.min(cos)), 6),
        "top1_agreement": round(float(np.mean(ref.argmax(1) == cand.argmax(1))), 4),
    }
