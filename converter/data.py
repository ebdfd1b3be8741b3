"""Texts the converter verifies and calibrates with: jsonl files, or generated samples."""

from __future__ import annotations

import json
import random
from pathlib import Path

from converter.errors import ConversionError
from converter.verify import EvalSet


def read_jsonl(path: Path, need_label: bool) -> list[dict]:
    rows = []
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise ConversionError(f"cannot read {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConversionError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ConversionError(f"{path}:{number}: each line needs a \"text\" string")
        if need_label and "label" not in row:
            raise ConversionError(f"{path}:{number}: each line needs a \"label\"")
        rows.append(row)
    if not rows:
        raise ConversionError(f"{path} holds no examples")
    return rows


def load_eval(path: Path, labels: list[str]) -> EvalSet:
    rows = read_jsonl(path, need_label=True)
    index = {name: i for i, name in enumerate(labels)}
    unknown = sorted({str(r["label"]) for r in rows if str(r["label"]) not in index
                      and not (isinstance(r["label"], int) and 0 <= r["label"] < len(labels))})
    if unknown:
        raise ConversionError(f"{path}: labels not in the model: {', '.join(unknown[:10])}; "
                              f"model labels: {', '.join(labels[:20])}")
    ids = [r["label"] if isinstance(r["label"], int) else index[str(r["label"])] for r in rows]
    slots = None
    if all(isinstance(r.get("slots"), list) for r in rows):  # gold spans (train-intents --slots writes them)
        try:
            slots = [[(str(s["name"]), int(s["start"]), int(s["end"])) for s in r["slots"]] for r in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise ConversionError(f"{path}: each slot needs name, start and end ({exc})") from exc
    return EvalSet([r["text"] for r in rows], ids, slots)


def load_texts(path: Path) -> list[str]:
    return [r["text"] for r in read_jsonl(path, need_label=False)]


def synthetic_texts(tokenizer, n: int, max_words: int, seed: int = 0) -> list[str]:
    """Mixed-length pseudo-sentences from the tokenizer's own word pieces (no data set needed)."""
    vocab = [t.lstrip("Ġ▁") for t in tokenizer.get_vocab() if not t.startswith(("##", "[", "<"))]
    words = sorted({w for w in vocab if w.isalpha() and len(w) >= 2}) or ["hello", "world"]
    rng = random.Random(seed)
    lengths = [1 + (i * 7) % max(max_words, 1) for i in range(n)]  # spread evenly over 1..max_words
    return [" ".join(rng.choice(words) for _ in range(k)) for k in lengths]
