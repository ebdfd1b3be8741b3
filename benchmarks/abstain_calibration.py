"""The abstain rule's cost on held-out generated data (issue 33): HA's validation templates of the home
model's own recipe (never trained on, never a test set), run through the shipped model the way the agent
answers. For each opposite margin: the commands refused (where the verbs do not settle which of the two
was asked: abstain.py), and of those how many the model had wrong anyway;
and the commands the no-action cues refuse; and what asking an unrecognised state question costs (reading.py):
the held-out chit-chat (the corpora's test split) and validation commands it answers as HassGetState, with
the benchmark home's names; and the right readings that HA could not carry out as read
(reading.cannot_send: an action with nothing to aim it, a reading without the value that makes it its
intent). A bundle's margin (abstain.py CALIBRATED_MARGINS, or its manifest's
`thresholds.opposite_margin`) is the largest that refuses at most 1% of them.

    python benchmarks/abstain_calibration.py [--bundle DIR] [--every N] [--budget full] [--seed 0]"""

from __future__ import annotations

import argparse

import numpy as np
from rich.table import Table

from converter.intents import chitchat
from converter.intents.data import build
from converter.intents.safety import benchmark_home
from converter.intents.train import BUDGETS
from edge_agent.home.ha_schema import to_ha_entities
from edge_agent.home.targets import unaimed
from edge_agent.home.values import undefined, whole_values
from edge_agent.home.verbs import says_its_way
from edge_agent.inference.abstain import OPPOSITE, acts, decide
from edge_agent.inference.model import load_model
from edge_agent.inference.reading import STATE_INTENT, agent_reading
from edge_agent.protocol.labels import recognised
from edgelm.home_model import HOME_BUNDLE
from edgelm.tables import print_table

MARGINS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MOST_REFUSED = 0.01


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=HOME_BUNDLE)
    parser.add_argument("--budget", default="full")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=int, default=4, help="use every n-th validation sentence")
    args = parser.parse_args()
    model = load_model(args.bundle)
    classifier = model.classifier
    assert classifier is not None
    cfg = BUDGETS[args.budget]
    rows = build(model.manifest.languages or ["en"], cfg.per_template, cfg.per_intent, args.seed, extras=True).validation
    rows = [r for r in rows if r.label in classifier.labels][::args.every]
    threshold = model.manifest.thresholds.get("ood")
    gaps, wrong, cued, polarity, polarity_right, reread, unsent, unsaid, settled = [], [], 0, 0, 0, 0, 0, 0, 0
    for row in rows:  # one at a time, as the agent answers a lone request
        pred = classifier.predict([row.text])[0]
        order = np.argsort(-pred.probabilities)
        first, second = classifier.labels[order[0]], classifier.labels[order[1]]
        known = recognised(pred.label, pred.confidence, threshold)
        opposite = known and acts(first) and OPPOSITE.get(first) == second
        settles = says_its_way(row.text, first)  # the verbs say which: no margin applies
        settled += opposite and settles
        opposite = opposite and not settles
        gaps.append(float(pred.probabilities[order[0]] - pred.probabilities[order[1]]) if opposite else np.inf)
        wrong.append(first != row.label)
        instead, abstained = decide(row.text, classifier.labels, pred.probabilities, None) if known else (None, None)
        cued += abstained == "no_action"
        polarity += abstained == "opposite"  # with no margin: the verb said the opposite polarity
        polarity_right += abstained == "opposite" and first == row.label
        unsaid += abstained == "unsaid" and first == row.label
        reread += instead is not None and first == row.label  # a right action answered as a state question
        unsent += known and first == row.label and _unsendable(first, pred.slots, row.text)
    table = Table(title=f"abstain rule on {len(rows)} validation commands ({model.manifest.name} "
                        f"{model.manifest.version}); {settled} opposite pairs settled by the verbs; no-action cues refuse {cued} ({cued / len(rows):.2%}), the verb's "
                        f"polarity {polarity} ({polarity_right} of them right), {reread} right actions answered as "
                        f"state questions, {unsaid} right ones refused as unsaid (an intent said without any of its "
                        f"own words, a cover with no way said)")
    for column in ("opposite margin", "refused", "of them wrong anyway", "right ones refused"):
        table.add_column(column)
    chosen = None
    for margin in MARGINS:
        refused = [w for g, w in zip(gaps, wrong) if g < margin]
        share = len(refused) / len(rows)
        chosen = margin if share <= MOST_REFUSED else chosen
        table.add_row(f"{margin:.2f}", f"{len(refused)} ({share:.2%})", str(sum(refused)),
                      str(len(refused) - sum(refused)))
    print_table(table)
    print(f"largest margin refusing at most {MOST_REFUSED:.0%}: {chosen}")
    print(f"right readings refused as HA could not carry them out (no_target, incomplete): {unsent} of {len(rows)}")
    chat = [line.text for line in chitchat.out_of_domain(model.manifest.languages or ["en"], cfg.per_intent * 3 // 2,
                                                         args.seed)[1]][::args.every]
    others = [r.text for r in rows if r.label != STATE_INTENT]
    home = classifier.with_home(benchmark_home())
    print(f"unrecognised state questions asked as {STATE_INTENT} (benchmark home): "
          f"{_asked(home, chat, threshold)} of {len(chat)} held-out chit-chat, "
          f"{_asked(home, others, threshold)} of {len(others)} validation commands of other intents")


def _unsendable(intent: str, slots: list[dict], text: str) -> bool:
    """no_target or incomplete (reading.cannot_send), which need no home's lists (the validation
    sentences name other homes' devices, so unknown_target is not measured here)."""
    entities, _dropped = to_ha_entities(intent, whole_values(slots, text))
    return unaimed(intent, dict(entities), text) or undefined(intent, entities, text)


def _asked(home, texts: list[str], threshold: float | None) -> int:
    """How many of `texts` the model (told the home's names) does not recognise and the agent asks as a
    state question."""
    asked = 0
    for text in texts:
        pred = home.predict([text])[0]
        asked += not recognised(pred.label, pred.confidence, threshold) and \
            agent_reading(text, pred, home, threshold, None).intent == STATE_INTENT
    return asked


if __name__ == "__main__":
    main()
