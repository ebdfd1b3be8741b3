"""The model's reading, corrected by what the home has, before it is aimed (home/targets.py). Only where the
sentence itself says which entity and the correction does the same thing to it:

- a name said in a form the slot missed ("the smart curtains" for Smart Curtain, the model's name slot
  "smart"): the home's name said in the sentence, singular or plural, the longest if several;
- a generic device word as the name with an area ("the front yard valve"): the area and that word's domain;
- an intent of a sibling kind for the named entity's domain: a percentage is a light's brightness, a
  cover's or valve's position, a fan's speed, a player's volume, whichever of those intents the model read;
  starting or docking a vacuum read as a lawn mower (and back); turning on a vacuum or mower, which HA
  cannot: starting it (never where the verbs say the other way);
- an item for "the shopping list" when the sentence names another to-do list of the home: added there;
- a percentage (or "halfway") said with turning on or opening a light, cover, valve or fan: that value,
  with the intent its kind takes ("bedroom lights at twenty percent": HassLightSet brightness 20);
- a number for a thermostat read as another kind's percentage: its temperature; "start" said of a switch
  or fan read as a vacuum's or mower's start: turning it on, and "stop" read as its docking: turning it off;
- a timer decreased with no time said and a word of removing it ("quita el temporizador"): cancelled;
- the kind of device meant where a kind or a word stands for the name (kinds.py: "the curtains" tagged as an
  area, the one vacuum of the home, its work said as its name, the one valve of a garden for its water);
- an area said that begins two of the home's area names: the one holding what was asked for (targets.area_meant);
- before all of these, words read as a target that are none go (not_targets.py: "halfway", "the house").

Without a home_file (no devices) nothing changes."""

from __future__ import annotations

import re
from typing import Any

from edge_agent.home.durations import duration_said, timer_parts
from edge_agent.home.ha_schema import to_ha_entities
from edge_agent.home.kinds import (
    DEVICE_WORDS,
    area_as_kind,
    known_domain,
    no_door_name,
    sole_of_kind,
    watered,
    work_as_machine,
)
from edge_agent.home.not_targets import targets_only
from edge_agent.home.said import degrees_said, number_said, percent_said, plain_words
from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import AREA_NEVER, area_meant
from edge_agent.home.values import (
    ANY_OF,
    HERE,
    TIMER_PARTS,
    UNIT_SAID,
    item_over_names,
    item_said,
    percent_as_brightness,
    whole_values,
)
from edge_agent.home.verbs import STARTS, says_the_opposite

# the same action for the other kind of entity, by the named entity's domain
SIBLINGS = {("HassLawnMowerStartMowing", "vacuum"): "HassVacuumStart",
            ("HassLawnMowerDock", "vacuum"): "HassVacuumReturnToBase",
            ("HassVacuumStart", "lawn_mower"): "HassLawnMowerStartMowing",
            ("HassVacuumReturnToBase", "lawn_mower"): "HassLawnMowerDock",
            **{(start, domain): "HassTurnOn" for start in ("HassVacuumStart", "HassLawnMowerStartMowing")
               for domain in ("switch", "fan")},
            # "stop the office fan" read as docking a machine, "para el lavavajillas" as pausing a player: a switch
            # or fan stopped is turned off (only on a word of stopping: "pause the dishwasher" is not sent)
            **{(dock, domain): "HassTurnOff" for dock in ("HassVacuumReturnToBase", "HassLawnMowerDock",
                                                          "HassMediaPause") for domain in ("switch", "fan")},
            # HA 2025.4's vacuums and mowers have no turn_on (HassTurnOn fails on them); its Spanish
            # templates start a vacuum with <enciende> ("enciende la aspiradora")
            ("HassTurnOn", "vacuum"): "HassVacuumStart", ("HassTurnOn", "lawn_mower"): "HassLawnMowerStartMowing"}
TIMER_REMOVED = re.compile(r"\b(?:quita|qu[ií]tame|quitad|elimina|borra|remove|delete|get rid of|kill)\b", re.IGNORECASE)
STOP_SAID = re.compile(r"\b(?:stop|halt|para|pare|det[eé]n|detener)\b", re.IGNORECASE)
VACUUM_NOUNS = r"vacuum|hoover|roomba|aspirador"
# the machine a sentence names, or the work only it does (HA's <clean> and <limpiar>: a mower never cleans)
MACHINE_WORDS = {"vacuum": re.compile(rf"\b({VACUUM_NOUNS}|robot|clean|limpi|aspir)", re.IGNORECASE),
                 "lawn_mower": re.compile(r"\b(mow|lawn|grass|césped|cortac|segador)", re.IGNORECASE)}
VACUUM_SAID = re.compile(rf"\b({VACUUM_NOUNS})", re.IGNORECASE)  # not "robot" alone: "do robots dream"
VACUUMING = re.compile(r"\b(?:vacuuming|hoovering|aspirar|aspirando)\b", re.IGNORECASE)  # "empieza a aspirar"
# the intents that set a percentage, and the one (with its slot) each kind of entity takes
PERCENT_INTENTS = frozenset({"HassLightSet", "HassSetPosition", "HassFanSetSpeed", "HassSetVolume"})
BY_PERCENT = re.compile(r"\bby\b|\ben un\b", re.IGNORECASE)  # "open it by 20%": a change, not a position
BY_DOMAIN = {"light": ("HassLightSet", "brightness"), "cover": ("HassSetPosition", "position"),
             "valve": ("HassSetPosition", "position"), "fan": ("HassFanSetSpeed", "percentage"),
             "media_player": ("HassSetVolume", "volume_level"), "climate": ("HassClimateSetTemperature", "temperature")}
# turning on / opening with a percentage: the kinds where that is the same as setting it (not turning off a
# light "to 20%"); covers and valves close to a position too
SET_BY_TURNING = {"HassTurnOn": frozenset({"light", "cover", "valve", "fan"}),
                  "HassTurnOff": frozenset({"cover", "valve"})}
PERCENT_SLOTS = ("brightness", "position", "percentage", "volume_level")
SET_SLOTS = {"HassClimateSetTemperature": ("temperature",), "HassLightSet": ("brightness", "color", "temperature")}
def _says(said: str, phrase: str) -> bool:
    """Whether `phrase` is said, word for word, in `said` (the sentence's words, space-framed: `_spoken`)."""
    words = plain_words(phrase)
    return bool(words) and f" {' '.join(words)} " in said


def _spoken(text: str) -> str:
    return " " + " ".join(plain_words(text)) + " "


def named_in_text(text: str, home: HomeEntities, domain: str | None = None) -> str | None:
    """The home's name (or the name of the alias) said in the sentence; the longest; None if none or tied."""
    said = _spoken(text)
    found: dict[str, int] = {}
    for candidate in home.candidates("name"):
        name = home.canonical("name", candidate)
        if domain and not any(d.name == name and d.domain == domain for d in home.devices):
            continue
        if _says(said, candidate):
            found[name] = max(found.get(name, 0), len(plain_words(candidate)))
    if not found:
        return None
    longest = max(found.values())
    best = [name for name, size in found.items() if size == longest]
    return best[0] if len(best) == 1 else None


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
    begun = _named_by_start(str(name), home)
    return entities if begun is None else [(k, begun if k == "name" else v) for k, v in entities]


def _named_by_start(name: str, home: HomeEntities) -> str | None:
    """The one name of the home that begins with the words said ("Roborock" for Roborock Downstairs); never
    for a device word, nor for the start of an area's or floor's name ("kitchen": Kitchen Light or the
    kitchen), nor a lock's or an alarm's (only their whole names reach them)."""
    words = plain_words(name)
    rooms = (*home.candidates("area"), *home.candidates("floor"))
    if not words or name.lower() in DEVICE_WORDS or any(plain_words(room)[:len(words)] == words for room in rooms):
        return None
    begun = {home.canonical("name", c) for c in home.candidates("name")
             if len(plain_words(c)) > len(words) and plain_words(c)[:len(words)] == words}
    if len(begun) != 1 or home.domains_of(next(iter(begun))) & AREA_NEVER:
        return None
    return begun.pop()


def _to_list(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities):
    """'Put X on the personal tasks list' read as the shopping list's, or as a list's with the list's name
    tagged as a second item: the list the sentence names."""
    named = intent == "HassListAddItem" and any(k == "name" for k, _ in entities)
    if intent not in ("HassShoppingListAddItem", "HassListAddItem") or named \
            or not any(d.domain == "todo" for d in home.devices):
        return intent, entities
    listed = named_in_text(text, home, domain="todo")
    if listed is None or (intent == "HassShoppingListAddItem" and listed.lower() == "shopping list"):
        return intent, entities
    kept = [(k, v) for k, v in entities if k != "name" and not (k == "item" and plain_words(str(v)) == plain_words(listed))]
    return "HassListAddItem", [*kept, ("name", listed)]


def _value_said(domain: str, text: str) -> int | None:
    """The value the sentence says for that kind: a percentage (or "halfway" for a position or a brightness,
    "atenúa las luces a la mitad"), a thermostat's number as it is."""
    if domain == "climate":
        return number_said(text)
    return percent_said(text, halfway=domain in ("cover", "valve", "light"))


def _with_parts(entities: list[tuple[str, Any]], parts: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The timer parts replaced where the first one stood (or added at the end)."""
    at = next((i for i, (k, _) in enumerate(entities) if k in TIMER_PARTS), len(entities))
    kept = [(k, v) for k, v in entities if k not in TIMER_PARTS]
    return kept[:at] + parts + kept[at:]


def retarget(intent: str, entities: list[tuple[str, Any]], home: HomeEntities,
             text: str = "") -> tuple[str, list[tuple[str, Any]]]:
    if intent == "HassDecreaseTimer" and TIMER_REMOVED.search(text) and not UNIT_SAID.search(text):
        # "quita el temporizador": HA's "quita cinco minutos …" with no time said is the timer removed
        return "HassCancelTimer", [(k, v) for k, v in entities if k not in TIMER_PARTS]
    if ANY_OF.get(intent) == TIMER_PARTS and not any(k.startswith("start_") for k, _ in entities) \
            and (seconds := duration_said(text)) is not None:
        # "media hora" read as 30 hours, "an hour and a half" as 30 seconds: the duration the words say
        entities = _with_parts(entities, timer_parts(seconds))
    entities = area_as_kind(intent, known_domain(entities), home)
    entities = work_as_machine(intent, _fix_name(entities, text, home), home)
    entities = sole_of_kind(no_door_name(intent, entities, home), home, text)
    entities = watered(intent, entities, home, text)
    intent, entities = _to_list(intent, entities, text, home)
    slots = dict(entities)
    domains = home.domains_of(slots.get("name")) or ({slots["domain"]} if "domain" in slots else set())
    domain = next(iter(domains)) if len(domains) == 1 else None
    setting = (intent in PERCENT_INTENTS or intent == "HassClimateSetTemperature"
               or (domain in SET_BY_TURNING.get(intent, ()) and not BY_PERCENT.search(text)))
    if setting and domain in BY_DOMAIN:
        wanted, slot = BY_DOMAIN[domain]
        value = next((slots[s] for s in PERCENT_SLOTS if s in slots), None) if setting and intent not in \
            SET_BY_TURNING else None
        value = _value_said(domain, text) if value is None else value
        if wanted != intent and (intent in PERCENT_INTENTS or value is not None):
            # a value for the named entity, said with another kind's intent, or with turning it on
            kept = [(k, v) for k, v in entities if k not in (*PERCENT_SLOTS, "color", "temperature", "domain")]
            kept += [("domain", domain)] if wanted == "HassSetPosition" and "name" not in slots else []
            return wanted, kept + ([(slot, value)] if value is not None else [])
        if wanted == intent and not set(SET_SLOTS.get(intent, (slot,))) & slots.keys() and value is not None:
            return intent, [*entities, (slot, value)]  # the value the tagger missed, said in words
    if intent == "HassClimateSetTemperature" and domain is None and "temperature" not in slots \
            and (degrees := number_said(text)) is not None:
        return intent, [*entities, ("temperature", degrees)]  # "heat the house to 22": HA takes its one thermostat
    if domain is not None and (sibling := SIBLINGS.get((intent, domain))) and not says_the_opposite(text, sibling) \
            and (sibling != "HassTurnOff" or STOP_SAID.search(text)):
        return sibling, entities
    if domain is None and (only := _only_machine(intent, home, text)) is not None \
            and not says_the_opposite(text, SIBLINGS[(intent, only)]):
        return SIBLINGS[(intent, only)], entities  # "start the vacuum" read as mowing, in a home with no mower
    return intent, entities


def on_the_way(intent: str, slots: list[dict], text: str,
               home: HomeEntities) -> tuple[str, list[tuple[str, Any]]]:
    """The model's reading as HA would get it: HA's slot names, values whole as said, a to-do item as said,
    then corrected by what the home has. Every front and every report that asks whether HA could carry a
    reading out starts from this one."""
    slots = targets_only(intent, whole_values(slots, text), text, home)  # "halfway" is no Hallway
    if intent == "HassMediaSearchAndPlay" and not any(s["name"] == "search_query" for s in slots):
        # what to play tagged as a list item ("pon algo de jazz"): HA's slot for it is the search query
        slots = [{**s, "name": "search_query"} if s["name"] == "item" else s for s in slots]
    if intent == "HassTurnOn" and any(s["name"] == "color" for s in slots):
        intent = "HassLightSet"  # "turn the bedroom lamp blue": HassTurnOn has no colour and would drop it
    entities, _dropped = to_ha_entities(intent, item_over_names(intent, slots, text, home))
    intent, entities = retarget(intent, item_said(intent, entities, text), home, text)
    return intent, area_meant(intent, percent_as_brightness(intent, _degrees(intent, entities, text), text), text, home)


def _degrees(intent: str, entities: list[tuple[str, Any]], text: str) -> list[tuple[str, Any]]:
    """A thermostat set to the one number the sentence says, whole: "twenty one and a half" was tagged 20
    ("twenty") and set to 20, "veintiuno y medio" set to 21."""
    if intent != "HassClimateSetTemperature" or (degrees := degrees_said(text)) is None:
        return entities
    return [*[(k, v) for k, v in entities if k != "temperature"], ("temperature", degrees)]


def started(intent: str, slots: list[dict], text: str, home: HomeEntities) -> str:
    """"start the vacuum" read as cleaning a room it does not name: HassVacuumStart, the same machine
    started. Only when the sentence names the vacuum, says one of HA's start or clean verbs, and names no
    room: no area or floor slot, none the home lists, no "here" (the satellite's room). Otherwise the
    cleaning stays without its area (values.undefined: refused), "hay que limpiar las ventanas" (no machine)
    and "vacuum, go home" (no verb: returning it is the opposite) alike."""
    if intent != "HassVacuumCleanArea" or any(s["name"] in ("area", "floor") for s in slots):
        return intent
    said = _spoken(text)
    if any(_says(said, room) for room in (*home.candidates("area"), *home.candidates("floor"))) \
            or HERE.search(text) or not ((VACUUM_SAID.search(text) or VACUUMING.search(text)) and STARTS.search(text)):
        return intent
    return "HassVacuumStart"


def _only_machine(intent: str, home: HomeEntities, text: str) -> str | None:
    """The other machine's domain when the sentence names that machine (or its work), not the intent's own,
    and the home has that one and not the other: a vacuum never gets a lawn mower's intent, nor a mower a
    vacuum's."""
    kinds = {d.domain for d in home.devices}
    own, other = ("lawn_mower", "vacuum") if intent.startswith("HassLawnMower") else ("vacuum", "lawn_mower")
    said = {kind for kind, words in MACHINE_WORDS.items() if words.search(text)}
    if (intent, other) in SIBLINGS and own not in kinds and other in kinds and said == {other}:
        return other
    return None
