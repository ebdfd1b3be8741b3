"""Issue-5 report: span-level slot F1 (exact span and label) of the fp32 joint model, its int8 bundle and
hassil, on held-out templates and on the same templates with names no training sentence contains.

    edgelm train-intents -o DIR --lang en,es --slots
    edgelm convert DIR -o BUNDLE --eval DIR/eval.jsonl --calibration DIR/calibration.jsonl
    python benchmarks/slots_report.py --checkpoint DIR --bundle BUNDLE [--every 4]"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from converter.intents.slots_report import build_report
from edgelm.tables import print_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--lang", default="en,es")
    parser.add_argument("--every", type=int, default=1, help="use every n-th test sentence (hassil is slow)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    report = build_report(args.checkpoint, args.bundle, args.lang.split(","), args.every)
    table = Table("set", "lang", "system", "sentences", "spans", "slot F1", "P", "R", "area/floor/name F1",
                  "same, any of the 3 kinds", title=f"slots: {args.checkpoint.name}")
    for r in report:
        table.add_row(r["set"], r["lang"], r["system"], str(r["sentences"]), str(r["all"]["n_spans"]),
                      f"{r['all']['f1']:.3f}", f"{r['all']['precision']:.3f}", f"{r['all']['recall']:.3f}",
                      f"{r['entities']['f1']:.3f}", f"{r['entities_any_kind']['f1']:.3f}")
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
