"""Sequence classification (intent / text-classification): tokenize, pad, run, softmax."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge_agent.runtime import Runtime


@dataclass
class Prediction:
    label: str
    confidence: float
    probabilities: np.ndarray

    def top(self, labels: list[str], k: int) -> list[dict]:
        order = np.argsort(-self.probabilities)[:k]
        return [{"name": labels[i], "confidence": round(float(self.probabilities[i]), 6)} for i in order]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def encode_batch(tokenizer, texts: list[str], max_len: int, input_names: list[str]) -> dict[str, np.ndarray]:
    """Pad to the longest text of the batch (not to max_len): short commands stay cheap."""
    encodings = tokenizer.encode_batch(texts)
    ids = [e.ids[:max_len] for e in encodings]
    if any(len(e.ids) > max_len for e in encodings):  # keep the final [SEP] when truncating
        ids = [i if len(e.ids) <= max_len else i[:-1] + [e.ids[-1]] for i, e in zip(ids, encodings)]
    width = max(len(i) for i in ids)
    pad_id = tokenizer.token_to_id("[PAD]") or 0
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    feeds = {"input_ids": input_ids, "attention_mask": mask}
    if "token_type_ids" in input_names:
        feeds["token_type_ids"] = np.zeros_like(input_ids)
    return feeds


class Classifier:
    def __init__(self, runtime: Runtime, tokenizer, labels: list[str], max_seq_len: int):
        self.runtime = runtime
        self.tokenizer = tokenizer
        self.labels = labels
        self.max_seq_len = max_seq_len

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    def logits(self, texts: list[str]) -> np.ndarray:
        feeds = encode_batch(self.tokenizer, texts, self.max_seq_len, self.runtime.input_names)
        return self.runtime.run(feeds)["logits"]

    def predict(self, texts: list[str]) -> list[Prediction]:
        probs = softmax(self.logits(texts).astype(np.float64))
        out = []
        for row in probs:
            best = int(row.argmax())
            out.append(Prediction(self.labels[best], float(row[best]), row))
        return out
