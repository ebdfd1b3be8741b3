"""Check a converted model against its PyTorch original: logit parity and, given data, task metrics.

Every check runs; failures are collected and raised once (as optimum's validation does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from converter.errors import VerificationError
from converter.metrics import classification_report, parity
from devices import Quantization
from edge_agent.inference.classify import encode_batch

MIN_VERIFY_INPUTS = 64
BATCH = 16


@dataclass(frozen=True)
class Tolerance:
    min_cosine: float
    min_top1: float
    max_abs_diff: float | None = None


# Per quantization mode. Generation compares next-token argmax at every position, which int8 moves more.
TOLERANCES = {
    Quantization.NONE: Tolerance(min_cosine=0.9999, min_top1=0.99, max_abs_diff=1e-3),
    Quantization.FP16: Tolerance(min_cosine=0.999, min_top1=0.97),
    Quantization.DYNAMIC_INT8: Tolerance(min_cosine=0.99, min_top1=0.90),
    Quantization.STATIC_INT8: Tolerance(min_cosine=0.98, min_top1=0.85),
}
GENERATION_TOP1 = {Quantization.NONE: 0.99, Quantization.FP16: 0.95, Quantization.DYNAMIC_INT8: 0.80,
                   Quantization.STATIC_INT8: 0.75}


@dataclass
class EvalSet:
    texts: list[str]
    labels: list[int]
    slots: list[list[tuple[str, int, int]]] | None = None  # gold (name, start, end) per text


@dataclass
class Outputs:
    logits: np.ndarray  # [n, classes] or [n, seq, vocab]
    valid: np.ndarray | None = None  # generation: which positions are real tokens


def torch_classifier_logits(model, tokenizer, texts: list[str], max_len: int) -> np.ndarray:
    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    rows = []
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH):
            feeds = encode_batch(tokenizer, texts[start:start + BATCH], max_len, names)
            out = model(**{k: torch.from_numpy(v) for k, v in feeds.items()})
            rows.append(out.logits.float().numpy())
    return np.concatenate(rows)


def runtime_classifier_logits(runtime, tokenizer, texts: list[str], max_len: int) -> np.ndarray:
    rows = []
    for start in range(0, len(texts), BATCH):
        feeds = encode_batch(tokenizer, texts[start:start + BATCH], max_len, runtime.input_names)
        rows.append(runtime.run(feeds)["logits"].astype(np.float32))
    return np.concatenate(rows)


def _prompt_ids(tokenizer, texts: list[str], max_len: int) -> list[list[int]]:
    return [(tokenizer.encode(t).ids or [0])[:max_len] for t in texts]


def torch_lm_logits(model, tokenizer, texts: list[str], max_len: int) -> Outputs:
    import torch

    seqs = _prompt_ids(tokenizer, texts, max_len)
    width = max(len(s) for s in seqs)
    vocab = model.config.vocab_size
    logits = np.zeros((len(seqs), width, vocab), dtype=np.float32)
    valid = np.zeros((len(seqs), width), dtype=bool)
    with torch.inference_mode():
        for i, seq in enumerate(seqs):
            out = model(input_ids=torch.tensor([seq]), use_cache=False)
            logits[i, : len(seq)] = out.logits[0].float().numpy()
            valid[i, : len(seq)] = True
    return Outputs(logits, valid)


def runtime_lm_logits(generator, texts: list[str], max_len: int) -> Outputs:
    seqs = _prompt_ids(generator.tokenizer, texts, max_len)
    width = max(len(s) for s in seqs)
    rows, valid = [], np.zeros((len(seqs), width), dtype=bool)
    for i, seq in enumerate(seqs):
        out = generator.cache.position_logits(seq).astype(np.float32)
        padded = np.zeros((width, out.shape[-1]), dtype=np.float32)
        padded[: len(seq)] = out
        rows.append(padded)
        valid[i, : len(seq)] = True
    return Outputs(np.stack(rows), valid)


def check_parity(reference: Outputs, candidate: Outputs, quantization: str, generative: bool) -> tuple[dict, list[str]]:
    report = parity(reference.logits, candidate.logits, reference.valid)
    mode = Quantization(quantization)
    tol = TOLERANCES[mode]
    min_top1 = GENERATION_TOP1[mode] if generative else tol.min_top1
    failures = []
    if report["n"] < MIN_VERIFY_INPUTS and not generative:
        failures.append(f"only {report['n']} verification inputs (need >= {MIN_VERIFY_INPUTS})")
    if not np.isfinite(candidate.logits).all():
        failures.append("converted model produced NaN/inf")
    if report["cosine"] < tol.min_cosine:
        failures.append(f"cosine {report['cosine']:.5f} < {tol.min_cosine} ({quantization})")
    if report["top1_agreement"] < min_top1:
        what = "next-token agreement" if generative else "top-1 agreement"
        failures.append(f"{what} {report['top1_agreement']:.3f} < {min_top1} ({quantization})")
    if tol.max_abs_diff is not None and report["max_abs_diff"] > tol.max_abs_diff:
        failures.append(f"max abs diff {report['max_abs_diff']:.2e} > {tol.max_abs_diff:.0e} ({quantization})")
    return report, failures


def check_eval(reference_logits: np.ndarray, candidate_logits: np.ndarray, evalset: EvalSet,
               labels: list[str], max_drop_points: float) -> tuple[dict, list[str]]:
    original = classification_report(evalset.labels, reference_logits.argmax(1).tolist(), labels)
    converted = classification_report(evalset.labels, candidate_logits.argmax(1).tolist(), labels)
    failures = []
    for metric in ("accuracy", "macro_f1"):
        drop = (original[metric] - converted[metric]) * 100
        if drop > max_drop_points:
            failures.append(f"{metric} dropped {drop:.2f} points ({original[metric]:.4f} -> "
                            f"{converted[metric]:.4f}), budget {max_drop_points}")
    return {"original": original, "converted": converted}, failures


def raise_if_failed(failures: list[str], report: dict) -> None:
    if failures:
        raise VerificationError(failures, report)
