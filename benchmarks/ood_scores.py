"""Out-of-domain scores compared (issue 33, part 3): the agent's rule (trained class + confidence threshold),
an energy score and the Mahalanobis distance of the pooled encoder output, alone and combined with the rule.
Each score is calibrated on half of HA's held-out validation commands (never trained on) to keep a target
share of the commands the rule keeps; measured on the other half, on held-out chit-chat (the corpora's test
split) and on the hand-written sets (commands right, chit-chat that triggers).

    python benchmarks/ood_scores.py [--bundle DIR] [--keep 0.99] [--every 4]"""

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


def _handwritten(langs: list[str], kind: str) -> list[dict]:
    return [row for lang in langs for prefix in PREFIXES for row in handwritten(lang, f"{prefix}{kind}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=HOME_BUNDLE)
    parser.add_argument("--keep", type=float, default=0.99, help="share of validation commands each score keeps")
    parser.add_argument("--every", type=int, default=4, help="use every n-th validation sentence")
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
    scores = {"energy": lambda lg, ft: energy(lg, in_domain), "Mahalanobis": lambda lg, ft: mahalanobis.score(ft)}
    kept_by_rule = rule(val_logits)[fit_rows]
    deciders = {"agent's rule (class + confidence)": rule}
    for name, score in scores.items():
        cut = threshold(score(val_logits[fit_rows], val_features[fit_rows])[kept_by_rule], args.keep)
        deciders[f"{name} alone"] = lambda lg, ft=None, s=score, c=cut: s(lg, ft) >= c
        deciders[f"rule + {name}"] = lambda lg, ft=None, s=score, c=cut: rule(lg) & (s(lg, ft) >= c)
    expected = np.array([labels.index(r["label"]) if r["label"] in labels else -1 for r in commands])
    table = Table(title=f"out-of-domain scores, {model.manifest.name} {model.manifest.version}: calibrated to keep "
                        f"{args.keep:.0%} of {len(validation) // 2} validation commands")
    for column in ("decides", "validation kept (other half)", "held-out chit-chat accepted",
                   "hand-written commands right", "hand-written chit-chat that triggers"):
        table.add_column(column)
    for name, accept in deciders.items():
        kept = {k: (accept(lg) if name.startswith("agent") else accept(lg, ft)) for k, (lg, ft) in runs.items()}
        right = kept["commands"] & (runs["commands"][0].argmax(1) == expected)
        table.add_row(name, f"{kept['validation'][1::2].mean():.3f}", f"{kept['chat'].mean():.1%} of {len(chat)}",
                      f"{right.mean():.3f} of {len(commands)}", f"{kept['hand chat'].mean():.1%} of {len(hand_chat)}")
    print_table(table)


if __name__ == "__main__":
    main()
