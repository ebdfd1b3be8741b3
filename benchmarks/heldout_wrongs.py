"""Wrong actions on held-out generated data (issue 33's target: at most 0.5% on any held-out set): HA's
validation and test templates of the home model's recipe (never trained on) and the chat corpora's test split,
through the agent's whole reading (HA's templates first, the abstain rule, the home's corrections).

A wrong action is judged as the hand-written sets judge it (converter/intents/safety.py): the opposite action,
an action on another name than the one said, or any action for a sentence that asks for none (a question,
chat); another intent read in place of the one asked is counted beside them, as another mistake. Two
ways of asking: `mqtt`, the reading an MQTT or Hermes client gets from an agent without a home file (the
sentences' invented names pass as they are); `home`, what Home Assistant would be sent in the benchmark
home (benchmarks/ha_assist/), where a name the home lacks is refused, as HA would refuse it.

    python benchmarks/heldout_wrongs.py [--bundle DIR] [--every N] [--show 10]"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass

from rich.table import Table

from converter.intents import chitchat
from converter.intents.data import Example, build
from converter.intents.safety import as_asked, benchmark_home, judge, opposite
from converter.intents.train import BUDGETS
from edge_agent.home.refusals import Refusal
from edge_agent.home.retarget import on_the_way
from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import target
from edge_agent.inference.abstain import acts, opposite_margin
from edge_agent.inference.model import load_model
from edge_agent.inference.reading import agent_reading
from edgelm.home_model import HOME_BUNDLE
from edgelm.tables import print_table


@dataclass(frozen=True)
class Case:
    text: str
    lang: str
    gold: str | None  # None: chat, which asks for no action
    name: str | None  # the name the sentence says, if any


def _cases(langs: list[str], every: int, seed: int = 0) -> dict[str, list[Case]]:
    """The held-out sentences of a model trained with `seed` (it decides which templates were held out)."""
    cfg = BUDGETS["full"]
    data = build(langs, cfg.per_template, cfg.per_intent, seed, extras=True)
    _, chat = chitchat.out_of_domain(langs, cfg.per_intent * 3 // 2, seed)

    def name(example: Example) -> str | None:
        return next((example.text[s.start:s.end] for s in example.slots if s.name == "name"), None)
    return {"validation": [Case(e.text, e.lang, e.label, name(e)) for e in data.validation[::every]],
            "test templates": [Case(e.text, e.lang, e.label, name(e)) for e in data.test[::every]],
            "chat": [Case(line.text, line.lang, None, None) for line in chat[::every]]}


ARTICLES = ("the ", "my ", "el ", "la ", "los ", "las ", "mi ", "mis ")


def home_name(said: str | None, home: HomeEntities | None) -> str | None:
    """The home's own name for a name said ("la puerta principal": Front Door), as HA would be sent it: the
    name or alias itself, case and a leading article aside. Not the agent's fuzzy snap (slots.snap), so a
    name the agent snapped to the wrong device counts as another target; a name the home does not hold stays
    as said, and the sets' word comparison (safety.judge) decides."""
    if said is None or home is None:
        return said
    names = {name.casefold(): name for name in home.candidates("name")}
    key = said.casefold().strip()
    for article in ("", *ARTICLES):
        if key.startswith(article) and key[len(article):] in names:
            return home.canonical("name", names[key[len(article):]])
    return said


def verdict(case: Case, intent: str | None, name: str | None, home: HomeEntities | None = None) -> str:
    """The sets' verdict (safety.judge: right, refused, wrong, wrong_action), a wrong action by its kind."""
    intent, name = as_asked(intent, name)
    said = judge(case.gold, intent, home_name(case.name, home), name)
    if said != "wrong_action":
        return said
    if not acts(case.gold):
        return "wrong_action: for no action"
    return "wrong_action: opposite" if intent == opposite(str(case.gold)) else "wrong_action: another target"


def _answer(case: Case, classifier, threshold, margin, home: HomeEntities | None) -> tuple[str | None, str | None]:
    """(the intent sent, the name sent), or (None, None) when nothing is sent."""
    reading = agent_reading(case.text, classifier.predict([case.text])[0], classifier, threshold, margin)
    if reading.intent is None:
        return None, None
    if home is None:
        return reading.intent, next((str(s.get("value")) for s in reading.slots if s["name"] == "name"), None)
    intent, entities = on_the_way(reading.intent, reading.slots, case.text, home)
    aimed = target(intent, entities, case.text, home)
    if isinstance(aimed, Refusal):
        return None, None
    return intent, next((str(value) for key, value in aimed if key == "name"), None)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=HOME_BUNDLE)
    parser.add_argument("--every", type=int, default=1, help="use every n-th sentence")
    parser.add_argument("--show", type=int, default=10, help="print up to N wrong actions of each kind")
    parser.add_argument("--way", action="append", choices=["mqtt", "home"], help="only this way (repeatable)")
    return parser.parse_args()


def main() -> None:
    args = _args()
    model = load_model(args.bundle)
    assert model.classifier is not None
    threshold = model.manifest.thresholds.get("ood")
    margin = opposite_margin(model.manifest.name, model.manifest.version, model.manifest.thresholds)
    home = benchmark_home()
    home.templates_first = True
    ways = {"mqtt": (model.classifier, None), "home": (model.classifier.with_home(home), home)}
    ways = {way: ways[way] for way in args.way or ways}
    table = Table(title=f"Held-out wrong actions, {model.manifest.name} {model.manifest.version}")
    for column in ("set", "lang", "way", "sentences", "right", "refused", "other mistakes", "wrong actions",
                   "opposite", "another target", "action for none"):
        table.add_column(column)
    shown: Counter[str] = Counter()
    seed = int(model.manifest.provenance.get("seed", 0))  # the split its training held out
    for set_name, cases in _cases(model.manifest.languages or ["en"], args.every, seed).items():
        for lang in sorted({c.lang for c in cases}):
            for way, (classifier, housed) in ways.items():
                verdicts: Counter[str] = Counter()
                for case in (c for c in cases if c.lang == lang):
                    said = verdict(case, *_answer(case, classifier, threshold, margin, housed), housed)
                    verdicts[said] += 1
                    if said.startswith("wrong_action") and shown[said] < args.show:
                        shown[said] += 1
                        print(f"{set_name}\t{lang}\t{way}\t{said}\t{case.gold}\t{case.text}", flush=True)
                n = max(1, sum(verdicts.values()))
                wrong = sum(v for k, v in verdicts.items() if k.startswith("wrong_action"))
                table.add_row(set_name, lang, way, str(n), f"{verdicts['right'] / n:.3f}", f"{verdicts['refused'] / n:.1%}",
                              str(verdicts["wrong"]), f"{wrong} ({wrong / n:.2%})",
                              *(str(verdicts[f"wrong_action: {k}"]) for k in ("opposite", "another target", "for no action")))
    print_table(table)


if __name__ == "__main__":
    main()
