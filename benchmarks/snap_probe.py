"""Names said for devices the benchmark home does not have (issue 33, session 13): every room × device kind,
en and es ("attic light", "puerta del jardín"), snapped to the home's names by the whole-string similarity
alone (the rule before session 13) and by the agent's `slots.snap` (every word said must be the name's).
Counts how many snap at all and how many onto another room's device: an action on another target.

    python benchmarks/snap_probe.py"""

from __future__ import annotations

import difflib

from rich.table import Table

from converter.intents.safety import benchmark_home
from edge_agent.home.slots import SNAP_MIN_SCORE, fold, snap
from edgelm.tables import print_table

ROOMS_EN = ["kitchen", "living room", "dining room", "hallway", "porch", "garage", "office", "den", "basement",
            "bedroom", "bathroom", "attic", "patio", "laundry room", "nursery", "guest room", "study", "upstairs",
            "master bedroom", "kids room"]
KINDS_EN = ["light", "lights", "lamp", "fan", "door", "blinds", "curtains", "speaker", "heater"]
# each Spanish room with the English room its devices are named by in the benchmark home
ROOMS_ES = {"cocina": "kitchen", "salón": "living room", "comedor": "dining room", "pasillo": "hallway",
            "porche": "porch", "garaje": "garage", "oficina": "office", "estudio": "den", "sótano": "basement",
            "dormitorio": "bedroom", "baño": "bathroom", "ático": "attic", "terraza": "terrace", "entrada": "entry",
            "lavadero": "laundry", "jardín": "garden"}
KINDS_ES = ["luz del", "luces del", "lámpara del", "ventilador del", "puerta del", "persianas del", "cortinas del",
            "altavoz del"]


def whole_string(said: str, candidates: list[str]) -> str | None:
    """The rule before session 13: the closest name by difflib ratio, at SNAP_MIN_SCORE or above."""
    score, best = max((difflib.SequenceMatcher(None, fold(said), fold(c)).ratio(), c) for c in candidates)
    return best if score >= SNAP_MIN_SCORE else None


def main() -> None:
    home = benchmark_home()
    names = home.candidates("name")
    grids = {"en": [(f"{room} {kind}", room) for room in ROOMS_EN for kind in KINDS_EN],
             "es": [(f"{kind} {room}", english) for room, english in ROOMS_ES.items() for kind in KINDS_ES]}
    rules = {"whole string (before)": lambda said: whole_string(said, names),
             "agent's snap": lambda said: (m := snap(said, names, lambda n: home.canonical("name", n))) and m[0]}
    table = Table(title="Names said for room × kind, snapped to the benchmark home's names")
    for column in ("lang", "rule", "names said", "snapped", "onto another room's device", "e.g."):
        table.add_column(column)
    for lang, grid in grids.items():
        for rule, snapped_to in rules.items():
            hits = [(said, home.canonical("name", found)) for said, _ in grid if (found := snapped_to(said))]
            room_of = dict(grid)
            other = [(said, name) for said, name in hits
                     if not (fold(name) == room_of[said] or fold(name).startswith(room_of[said] + " "))]
            table.add_row(lang, rule, str(len(grid)), str(len(hits)), str(len(other)),
                          "; ".join(f"{said} → {name}" for said, name in other[:2]))
    print_table(table)


if __name__ == "__main__":
    main()
