"""The model's reading, corrected by what the home has, before it is aimed (home/targets.py). Only where the
sentence itself says which entity and the correction does the same thing to it:

- a name said in a form the slot missed ("the smart curtains" for Smart Curtain, the model's name slot
  "smart"): the home's name said in the sentence, singular or plural, the longest if several;
- a generic device word as the name with an area ("the front yard valve"): the area and that word's domain;
- an intent of a sibling kind for the named entity's domain: a percentage is a light's brightness, a
  cover's or valve's position, a fan's speed, a player's volume, whichever of those intents the model read;
  starting or docking a vacuum read as a lawn mower (and back);
- an item for "the shopping list" when the sentence names another to-do list of the home: added there.

Without a home_file (no devices) nothing changes."""

from __future__ import annotations

import re
from typing import Any

from edge_agent.home.slots import HomeEntities

# a name slot that is only a kind of device: the domain it means
DEVICE_WORDS = {"valve": "valve", "valves": "valve", "válvula": "valve", "valvula": "valve",
                "light": "light", "lights": "light", "luz": "light", "luces": "light", "lamp": "light",
                "fan": "fan", "fans": "fan", "ventilador": "fan", "blinds": "cover", "blind": "cover",
                "curtains": "cover", "curtain": "cover", "shades": "cover", "persianas": "cover",
                "persiana": "cover", "cortinas": "cover", "cortina": "cover", "lock": "lock", "locks": "lock",
                "cerradura": "lock", "vacuum": "vacuum", "aspiradora": "vacuum", "aspirador": "vacuum"}
# the same action for the other kind of entity, by the named entity's domain
SIBLINGS = {("HassLawnMowerStartMowing", "vacuum"): "HassVacuumStart",
            ("HassLawnMowerDock", "vacuum"): "HassVacuumReturnToBase",
            ("HassVacuumStart", "lawn_mower"): "HassLawnMowerStartMowing",
            ("HassVacuumReturnToBase", "lawn_mower"): "HassLawnMowerDock"}
# the intents that set a percentage, and the one (with its slot) each kind of entity takes
PERCENT_INTENTS = frozenset({"HassLightSet", "HassSetPosition", "HassFanSetSpeed", "HassSetVolume"})
BY_DOMAIN = {"light": ("HassLightSet", "brightness"), "cover": ("HassSetPosition", "position"),
             "valve": ("HassSetPosition", "position"), "fan": ("HassFanSetSpeed", "percentage"),
             "media_player": ("HassSetVolume", "volume_level")}
PERCENT_SLOTS = ("brightness", "position", "percentage", "volume_level")
PERCENT = re.compile(r"(\d{1,3})\s*(%|percent\b|por ciento\b)", re.IGNORECASE)
WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    """Lower-cased words, plural endings off ("curtains" and "curtain" alike)."""
    return [re.sub(r"(?<=\w\w)(es|s)$", "", w) for w in WORD.findall(text.lower())]


def named_in_text(text: str, home: HomeEntities, domain: str | None = None) -> str | None:
    """The home's name (or the name of the alias) said in the sentence; the longest; None if none or tied."""
    said = " " + " ".join(_words(text)) + " "
    found: dict[str, int] = {}
    for candidate in home.candidates("name"):
        name = home.canonical("name", candidate)
        if domain and not any(d.name == name and d.domain == domain for d in home.devices):
            continue
        words = _words(candidate)
        if words and f" {' '.join(words)} " in said:
            found[name] = max(found.get(name, 0), len(words))
    if not found:
        return None
    longest = max(found.values())
    best = [name for name, size in found.items() if size == longest]
    return best[0] if len(best) == 1 else None


def _domains(name: Any, home: HomeEntities) -> set[str]:
    return {d.domain for d in home.devices if d.name == name and d.domain}


def _fix_name(entities: list[tuple[str, Any]], text: str, home: HomeEntities) -> list[tuple[str, Any]]:
    slots = dict(entities)
    name = slots.get("name")
    if name is None or name in home.names or not home.names:
        return entities
    said = named_in_text(text, home)
    if said is not None:  # the name says which entity: a device class read beside the fragment goes
        return [(k, said if k == "name" else v) for k, v in entities if k != "device_class"]
    word = str(name).lower()
    if word in DEVICE_WORDS and ("area" in slots or "floor" in slots) and "domain" not in slots:
        return [(k, v) for k, v in entities if k != "name"] + [("domain", DEVICE_WORDS[word])]
    return entities


def _to_list(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities):
    """'Put X on the personal tasks list' read as the shopping list's: the list the sentence names."""
    if intent != "HassShoppingListAddItem" or not any(d.domain == "todo" for d in home.devices):
        return intent, entities
    listed = named_in_text(text, home, domain="todo")
    if listed is None or listed.lower() == "shopping list":
        return intent, entities
    return "HassListAddItem", [(k, v) for k, v in entities if k != "name"] + [("name", listed)]


def retarget(intent: str, entities: list[tuple[str, Any]], home: HomeEntities,
             text: str = "") -> tuple[str, list[tuple[str, Any]]]:
    entities = _fix_name(entities, text, home)
    intent, entities = _to_list(intent, entities, text, home)
    slots = dict(entities)
    domains = _domains(slots.get("name"), home)
    if intent in PERCENT_INTENTS and len(domains) == 1 and (domain := next(iter(domains))) in BY_DOMAIN:
        wanted, slot = BY_DOMAIN[domain]
        if wanted != intent:  # a percentage for the named entity, said with its own kind's intent
            value = next((slots[s] for s in PERCENT_SLOTS if s in slots), None)
            if value is None and (match := PERCENT.search(text)):
                value = int(match.group(1))
            kept = [(k, v) for k, v in entities if k not in (*PERCENT_SLOTS, "color", "temperature", "domain")]
            return wanted, kept + ([(slot, value)] if value is not None else [])
    if len(domains) == 1 and (sibling := SIBLINGS.get((intent, next(iter(domains))))):
        return sibling, entities
    return intent, entities
