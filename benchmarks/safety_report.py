"""Every hand-written set: right, wrong actions and refusals side by side (issue 33: a wrong action is an
action on another target, the opposite action, or any action for a sentence that asks for none), for the
model alone (its intent unless out of domain), for the agent (the abstain rule too) and for the agent with
Home Assistant's own templates answering first. Names are read as with the real-HA benchmark's home file.

    python benchmarks/safety_report.py [--bundle DIR] [--json FILE]

Defaults to the shipped `home` model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from converter.intents.home_gate import handwritten_scores
from edge_agent.inference.model import load_model
from edgelm.home_model import HOME_BUNDLE
from edgelm.tables import print_table

SETS = (("hand-written", ""), ("blind", "blind_"), ("blind v2", "blind2_"))


def rows(scores: dict[str, dict], who: str) -> list[list[str]]:
    out = []
    for lang, row in scores.items():
        for title, prefix in SETS:
            if f"{prefix}n_commands" in row:
                out.append([lang, title, who, f"{row[f'{prefix}commands_right']:.3f} of {row[f'{prefix}n_commands']}",
                            f"{row[f'{prefix}chitchat_false_triggers']:.1%} of {row[f'{prefix}n_chitchat']}",
                            str(row[f"{prefix}wrong_actions"]), str(row[f"{prefix}refused"])])
        for title, prefix in (("safety", "safety_"), ("safety v2", "safety2_")):
            if f"{prefix}n" in row:
                out.append([lang, title, who, f"{row[f'{prefix}right']:.3f} of {row[f'{prefix}n']}", "",
                            str(row[f"{prefix}wrong_actions"]), str(row[f"{prefix}refused"])])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=HOME_BUNDLE)
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args()
    model = load_model(args.bundle)
    langs = model.manifest.languages or ["en"]
    scores = {"model": handwritten_scores(model, langs), "agent": handwritten_scores(model, langs, abstain=True),
              "templates": handwritten_scores(model, langs, abstain=True, templates=True)}
    table = Table(title=f"{model.manifest.name} {model.manifest.version}: every hand-written set")
    for column in ("lang", "set", "answers", "commands right", "chit-chat that triggers", "wrong actions", "refused"):
        table.add_column(column)
    every = zip(rows(scores["model"], "model"), rows(scores["agent"], "agent, abstain rule"),
                rows(scores["templates"], "agent, HA templates first"))
    for row in (r for group in every for r in group):
        table.add_row(*row)
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1))


if __name__ == "__main__":
    main()
