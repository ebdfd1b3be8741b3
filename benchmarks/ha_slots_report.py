"""Does a bundle fill what Home Assistant's intent handlers expect? Every intent's slot-combination
examples from home-assistant-intents' intents.json, answered one at a time as the agent answers, turned
into HA's entities (edge_agent.home.ha_schema); a table per intent and every miss:

    python benchmarks/ha_slots_report.py [--bundle DIR] [--misses]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from edge_agent.inference.model import load_model
from edgelm.ha_slots import cannot_fill, fill_report
from edgelm.home_model import HOME_BUNDLE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=HOME_BUNDLE)
    parser.add_argument("--misses", action="store_true", help="list every example not filled")
    args = parser.parse_args()
    report = fill_report(load_model(args.bundle))
    print("| intent | in bundle | examples | right intent | filled as HA expects |")
    print("|---|---|---|---|---|")
    for intent, row in report.items():
        print(f"| {intent} | {'yes' if row['in_bundle'] else 'no'} | {row['examples']} | {row['intent_right']} | "
              f"{row['filled']} |")
    total = {k: sum(r[k] for r in report.values()) for k in ("examples", "intent_right", "filled")}
    print(f"| **all** | | {total['examples']} | {total['intent_right']} | {total['filled']} |")
    print(f"\nrecognised but never filled as HA expects: {', '.join(cannot_fill(report)) or 'none'}")
    if args.misses:
        for intent, row in report.items():
            for miss in row["misses"]:
                print(f"- {intent} ({miss['combination']}): {miss['text']!r} -> {miss['intent']} "
                      f"{miss['entities']}, HA wants {miss['wanted']}")


if __name__ == "__main__":
    main()
