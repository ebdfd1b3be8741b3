"""What a reading sent to Home Assistant must have said, bar HA's own bare-name templates (issue 33): a word of
turning a way for a turning ("my kettle", "Parent Trap", "toggle the porch light" say none: the model's guess of
a way is a guess), the list for a to-do item, the machine or its way for a vacuum or a mower; and the word
"scene" or "escena" alone, which is no name. Refused as `unsaid` (reading.py)."""

from __future__ import annotations

import re
from typing import Any

from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import TURNING, implied_domain
from edge_agent.home.verbs import LIST_SAID, MACHINE_WORDS, says_turning

TARGET_SLOTS = ("name", "area", "floor")
SCENE_WORD = re.compile(r"(?:scene|script|escena|escenario)(?:\s+(?:de|del))?", re.IGNORECASE)
NAME_LEAD = re.compile(r"\s*(?:(?:de|del|el|la|los|las|the|my|our|mi|mis)\s+)*", re.IGNORECASE)
FILLER = re.compile(r"\b(?:the|my|our|a|el|la|los|las|lo|mi|mis|please|por\s+favor|now|ahora|ya|hey|ok|okay|"
                    r"vale|oye)\b|[^\w\s]", re.IGNORECASE)
SCENE_VERB = re.compile(r"\b(?:chang\w*|transition\w*|switch\w*|cambi\w*|pas[ae])\s+(?:to|a|al)\b", re.IGNORECASE)
BARE_NAME_DOMAINS = frozenset({"light", "switch", "fan", "media_player", "input_boolean", "climate", "scene"})


def scene_word_dropped(slots: list[dict], text: str) -> list[dict]:
    """The slots without a name that is only the word "scene" or "script" ("encienda la escena la cafetera" tags
    "escena" and "cafetera": the first would be sent). Where it was the only name, the words after it are the
    name ("activa la escena cine"), articles aside."""
    words = [s for s in slots if s["name"] == "name" and SCENE_WORD.fullmatch(str(s["value"]).strip())]
    if not words:
        return slots
    kept = [s for s in slots if s not in words]
    if any(s["name"] == "name" for s in kept) or not isinstance(words[-1].get("end"), int):
        return kept
    end = min((s["start"] for s in kept if isinstance(s.get("start"), int) and s["start"] > words[-1]["end"]),
              default=len(text))
    rest = NAME_LEAD.match(text, words[-1]["end"], end)
    name = text[rest.end() if rest else words[-1]["end"]:end].strip(" ,.!?")
    if not name:
        return kept
    start = text.index(name, words[-1]["end"])
    return sorted([*kept, {**words[-1], "value": name, "start": start, "end": start + len(name)}],
                  key=lambda s: s.get("start") or 0)


def way_unsaid(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities, spans: list[dict]) -> bool:
    """Whether what HA would be sent is a turning with no word of turning a way (bar HA's bare-name
    templates), a to-do item with no list said or named, or a vacuum's or mower's work with neither the
    machine nor its way said."""
    if intent in TURNING and says_turning(text):
        return False
    if intent == "HassTurnOn" and SCENE_VERB.search(text):  # HA's "change to [the] {name} [scene]"
        names = _names(entities)
        return not names or any(home.domains_of(name) - {"scene", "script"} for name in names)
    if intent in TURNING:
        return not (_only_named(spans, text) and _bare_name_turned_on(intent, entities, home))
    if intent.startswith(("HassList", "HassShoppingList")):
        return not LIST_SAID.search(text) and not _list_named(entities, home)
    words = MACHINE_WORDS.get(intent)
    return words is not None and not words.search(text)


def _names(entities: list[tuple[str, Any]]) -> list[str]:
    return [str(value) for key, value in entities if key == "name"]


def _only_named(spans: list[dict], text: str) -> bool:
    """Whether the sentence is its target's name alone ("the porch light", "la lámpara, por favor"), as HA's
    bare-name template takes it; "alterna la luz del porche" says something else, which the agent does not
    know."""
    rest = text
    for span in spans:
        if span["name"] in TARGET_SLOTS and isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
            rest = rest[:span["start"]] + " " * (span["end"] - span["start"]) + rest[span["end"]:]
    return not FILLER.sub(" ", rest).strip()


def _list_named(entities: list[tuple[str, Any]], home: HomeEntities) -> bool:
    """A list named without the word list: one of the home's to-do lists, or with no home to ask, an item and
    a name both read ("check off eggs from groceries")."""
    names = _names(entities)
    if home.devices:
        return any("todo" in home.domains_of(name) for name in names)
    return bool(names) and any(key == "item" for key, _ in entities)


def _bare_name_turned_on(intent: str, entities: list[tuple[str, Any]], home: HomeEntities) -> bool:
    """Whether HA turns this target on by its bare name: its templates "[the] {name}" (a light, switch, fan,
    player, helper or thermostat) and "{name} scene". The home's domain where it lists one, else the name's
    own words ("the floor lamp"); "Parent Trap", "my kettle" or an area alone ask nothing."""
    names = _names(entities)
    return intent == "HassTurnOn" and bool(names) and all(
        (home.domains_of(name) or {implied_domain(name) or ""}) & BARE_NAME_DOMAINS for name in names)
