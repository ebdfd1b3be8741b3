"""Intent report: accuracy and macro-F1 of the fp32 model, the int8 bundle and hassil's template matcher on
held-out templates (clean and with small noise), per language; out-of-domain false triggers (held-out corpus
chit-chat, hand-written chit-chat); the right intent on hand-written natural commands (benchmarks/handwritten).

    python benchmarks/intents_report.py --checkpoint DIR --bundle DIR [--lang en,es] [--ha-fuzzy VENV]

Defaults to the models `edgelm demo` caches (~/.cache/edgelm/intents-en-es-small, bundle-en-es-small)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from converter.intents.report import build_report
from edgelm.demo import default_cache_dir
from edgelm.tables import print_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = default_cache_dir()
    parser.add_argument("--checkpoint", type=Path, default=cache / "intents-en-es-small")
    parser.add_argument("--bundle", type=Path, default=cache / "bundle-en-es-small")
    parser.add_argument("--lang", default="en,es")
    parser.add_argument("--every", type=int, default=1, help="use every n-th test sentence")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--ha-fuzzy", type=Path, metavar="VENV",
                        help="also run HA 2025.9's strict+fuzzy matcher from this virtualenv (made when missing)")
    args = parser.parse_args()
    report = build_report(args.checkpoint, args.bundle, args.lang.split(","), args.every, args.ha_fuzzy)
    table = Table("system", "lang", "set", "n", "accuracy", "macro-F1", title=f"intents: {args.checkpoint.name}")
    for r in report["rows"]:
        table.add_row(r["system"], r["lang"], r["set"], str(r["n"]), f"{r['accuracy']:.3f}", f"{r['macro_f1']:.3f}")
    console = Console()
    print_table(table, console)
    ood_table = Table("system", "lang", "set", "n", "false triggers",
                      title=f"out-of-domain: intent given where none is (threshold {report['threshold']:.3f})")
    for r in report["ood"]:
        ood_table.add_row(r["system"], r["lang"], r["set"], str(r["n"]), f"{r['false_trigger_rate']:.3f}")
    print_table(ood_table, console)
    hand = Table("system", "lang", "n", "right intent", title="hand-written natural commands (as the agent answers)")
    for r in report["handwritten"]:
        hand.add_row(r["system"], r["lang"], str(r["n"]), f"{r['right_intent']:.3f}")
    print_table(hand, console)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
