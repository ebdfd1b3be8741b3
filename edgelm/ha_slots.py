"""Does an answer carry what Home Assistant's handler needs? Each intent's `slot_combinations` in
home-assistant-intents' own `intents.json` name the slots HA fills for an example sentence; the bundle
answers the sentence (as the agent does: one request, out-of-domain rejection on), ha_schema turns its
slots into HA's entities, and the combination is filled when every slot it names is among them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edge_agent.home.ha_schema import to_ha_entities
from edge_agent.protocol.labels import recognised


def ha_intents() -> dict[str, dict]:
    """intents.json of the installed home-assistant-intents (what HA declares, intent by intent)."""
    import home_assistant_intents

    return json.loads((Path(home_assistant_intents.__file__).parent / "intents.json").read_text())


def examples(declared: dict) -> list[tuple[str, list[str], str]]:
    """(combination, slots it names, example sentence) for one intent."""
    out = []
    for combination, spec in sorted(declared.get("slot_combinations", {}).items()):
        said = spec.get("example") or []
        out += [(combination, list(spec.get("slots", [])), text) for text in ([said] if isinstance(said, str) else said)]
    return out


def fill_report(model) -> dict[str, dict]:
    """{intent: examples, intent_right, filled, misses, sent (text, label, HA entities)} for every HA intent; `in_bundle` False where the
    bundle cannot name the intent at all."""
    threshold = model.manifest.thresholds.get("ood")
    labels = set(model.manifest.labels)
    report: dict[str, dict] = {}
    for intent, declared in sorted(ha_intents().items()):
        row: dict[str, Any] = {"in_bundle": intent in labels, "examples": 0, "intent_right": 0, "filled": 0,
                               "misses": [], "sent": []}
        for combination, wanted, text in examples(declared):
            said = model.classifier.predict([text])[0]
            answered = said.label if recognised(said.label, said.confidence, threshold) else None
            entities, _ = to_ha_entities(said.label, said.slots)
            row["sent"].append((text, said.label, entities))  # what the Wyoming service would send
            filled = answered == intent and set(wanted) <= {name for name, _ in entities}
            row["examples"] += 1
            row["intent_right"] += answered == intent
            row["filled"] += filled
            if not filled:
                row["misses"].append({"combination": combination, "text": text, "intent": answered,
                                      "entities": dict(entities), "wanted": wanted})
        report[intent] = row
    return report


def cannot_fill(report: dict[str, dict]) -> list[str]:
    """Intents the bundle recognises on some example but fills as HA expects on none."""
    return sorted(i for i, row in report.items() if row["in_bundle"] and row["intent_right"] and not row["filled"])
