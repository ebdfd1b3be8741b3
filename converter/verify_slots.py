"""The slot half of the verification gate (task intent-slots): span-level slot F1 of the PyTorch original
and of the converted model on the eval set's gold spans, through the agent's own decoder, so what is
verified is what the agent will answer."""

from __future__ import annotations

import numpy as np

from converter.verify import EvalSet
from edge_agent.home.slots import tagged_spans
from edge_agent.inference.classify import Classifier


class TorchRuntime:
    """The PyTorch joint model behind the agent's Runtime interface."""

    name = "torch"
    input_names = ["input_ids", "attention_mask", "token_type_ids"]
    output_names = ["logits", "slot_logits"]
    input_shapes: dict[str, list] = {}
    providers = ["torch"]

    def __init__(self, model):
        self.model = model

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import torch

        with torch.inference_mode():
            out = self.model(**{k: torch.from_numpy(np.asarray(v, dtype=np.int64)) for k, v in feeds.items()})
        return {"logits": out.logits.float().numpy(), "slot_logits": out.slot_logits.float().numpy()}


def predicted_spans(runtime, tokenizer, labels: list[str], slot_labels: list[str], texts: list[str],
                    max_len: int) -> list[list[tuple[str, int, int]]]:
    return classifier_spans(Classifier(runtime, tokenizer, labels, max_len, slot_labels=slot_labels), texts)


def classifier_spans(classifier: Classifier, texts: list[str], batch: int = 32) -> list[list[tuple[str, int, int]]]:
    return [tagged_spans(pred.slots) for start in range(0, len(texts), batch)
            for pred in classifier.predict(texts[start:start + batch])]


def span_f1(gold: list[list[tuple[str, int, int]]], pred: list[list[tuple[str, int, int]]]) -> dict:
    """Exact span and label (CoNLL-style), micro-averaged."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        tp += len(set(g) & set(p))
        fp += len(set(p) - set(g))
        fn += len(set(g) - set(p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n_spans": tp + fn, "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def check_slots(reference: list[list[tuple[str, int, int]]], candidate: list[list[tuple[str, int, int]]],
                evalset: EvalSet, max_drop_points: float) -> tuple[dict, list[str]]:
    assert evalset.slots is not None
    original, converted = span_f1(evalset.slots, reference), span_f1(evalset.slots, candidate)
    agreement = float(np.mean([set(a) == set(b) for a, b in zip(reference, candidate)])) if reference else 1.0
    report = {"original": original, "converted": converted, "span_agreement": round(agreement, 4)}
    drop = (original["f1"] - converted["f1"]) * 100
    failures = []
    if drop > max_drop_points:
        failures.append(f"slot F1 dropped {drop:.2f} points ({original['f1']:.4f} -> {converted['f1']:.4f}), "
                        f"budget {max_drop_points}")
    return report, failures
