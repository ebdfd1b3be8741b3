"""Values Home Assistant requires, whole and in the unit the sentence said (issue 32, part 4). HA rejects an
intent without a slot its handler requires ("Received invalid slot info", a traceback in its log) and acts
on what it gets: "add oat milk" tagged as two items added "oat"; "a timer for 7 minutes" with 7 tagged as
seconds ran for 7 seconds. So, before an intent is sent:

- spans of one free-text slot (item, search query, message) with only spaces between them are one value;
- a timer part takes the unit the word after its number names (minutes, minutos, hours, ...);
- every slot HA requires is there, else not-recognized with what is missing, spoken; a timer's duration
  is one said with its unit ("the movie starts at nine" has a number, not a duration: HA's templates all
  say the unit).

REQUIRED is intents.json's `required` slots (tests/test_values.py checks it against the installed
home-assistant-intents); ANY_OF adds what a handler needs one of although intents.json marks none."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from edge_agent.home.language import spoken
from edge_agent.home.numbers import parse_number_words
from edge_agent.home.said import MAXIMUM, NOT_ALONE, number_said, way_said
from edge_agent.home.slots import HomeEntities

# HA's current state of an entity id (replies.States, not imported: the reports reach this module through
# inference/reading.py, and their cached conversions are keyed by the code they import)
States = Callable[[str], "dict[str, Any] | None"]

REQUIRED: dict[str, tuple[str, ...]] = {
    "HassBroadcast": ("message",),
    "HassClimateSetFanMode": ("fan_mode",),
    "HassClimateSetTemperature": ("temperature",),
    "HassFanSetSpeed": ("percentage",),
    "HassListAddItem": ("item", "name"),
    "HassListCompleteItem": ("item", "name"),
    "HassListRemoveItem": ("item", "name"),
    "HassMediaSearchAndPlay": ("search_query",),
    "HassSetPosition": ("position",),
    "HassSetVolume": ("volume_level",),
    "HassSetVolumeRelative": ("volume_step",),
    "HassShoppingListAddItem": ("item",),
    "HassShoppingListCompleteItem": ("item",),
    "HassVacuumCleanArea": ("area",),
}
TIMER_PARTS = ("hours", "minutes", "seconds")
ANY_OF: dict[str, tuple[str, ...]] = {
    "HassStartTimer": TIMER_PARTS, "HassIncreaseTimer": TIMER_PARTS, "HassDecreaseTimer": TIMER_PARTS,
    "HassLightSet": ("brightness", "color", "temperature"),
}
# the intents whose value makes them what they are (a timer its duration, a position its value, a cleaning
# its area): read without it, the model may have read something else altogether ("the movie starts at
# nine" as a timer), so every front refuses it (`undefined`). Any other value missing, the tagger may have
# missed in a sentence that says it ("… to 8700 kelvin" as HassLightSet): Wyoming asks for it, MQTT
# clients get the intent.
DEFINING = frozenset({"HassSetPosition", "HassVacuumCleanArea"})
# "clean this room", "aspira aquí": the area is the speaker's (HA takes the satellite's), not missing
HERE = re.compile(r"\b(?:here|this room|aqu[ií]|ac[aá]|(?:est[ae]|esta)\s+(?:pieza|habitaci[oó]n|cuarto|sala))\b",
                  re.IGNORECASE)
# a value said as a change ("two degrees cooler", "by 30 percent", "10% more", "sube la luz un 20%", "en 2
# grados"): HA's setting intents take the value to set, so the number alone would be set ("make it two degrees
# cooler" set the thermostat to 2); refused as incomplete (`undefined`). HassSetVolumeRelative is the change.
CHANNEL = re.compile(r"\b(?:channels?|canal(?:es)?|inputs?|hdmi|stations?|emisoras?|cadenas?)\b", re.IGNORECASE)
SET_TO = frozenset({"HassClimateSetTemperature", "HassLightSet", "HassSetPosition", "HassSetVolume", "HassFanSetSpeed"})
_NUMBER = (r"(?:\d+|one|two|three|four|five|ten|fifteen|twenty|thirty|fifty|un|una|uno|dos|tres|cuatro|cinco|diez|"
           r"veinte|treinta|cincuenta)")
_SOME = r"(?:notch|degree|bit|little|tad|lot|half|third|quarter)\b"
_UNIT = r"\s*(?:%|percent|per cent|degrees?|grados?|por\s*ciento|points?|puntos?|notch(?:es)?|steps?)"
RELATIVE = re.compile(
    rf"\bby\s+(?:an?\s+)?(?:{_NUMBER}|{_SOME})\b|\b(?:up|down)\s+(?:an?\s+)?(?:{_NUMBER}{_UNIT}|{_SOME})|"
    rf"\b{_NUMBER}(?:{_UNIT})?\s+(?:warmer|cooler|hotter|colder|brighter|dimmer|darker|louder|quieter|softer|"
    rf"higher|lower|more|less|up|down|m[aá]s|menos)\b|"
    # "baja el termostato en 2 grados", "sube la luz un 20%" (not "sube la temperatura a 22 grados")
    rf"\b(?:sub|baj|aument|reduc|dismin)\w*(?:\s+(?!a\b|al\b|hasta\b)\w+){{0,6}}?\s+(?:un\s+)?{_NUMBER}{_UNIT}",
    re.IGNORECASE)
# "make the tv quieter" with no number at all: the value read came from nowhere ("a bit brighter, like eighty
# percent" says the value); so "pon la tele más baja" (set to 1), "el termostato más alto" (set to 100). Not
# HA's superlative of a value, "el brillo más bajo", "al más bajo", "a lo más alto": the lowest is a value.
COMPARATIVE = re.compile(r"\b(?:warmer|cooler|hotter|colder|brighter|dimmer|darker|louder|quieter|softer|higher|lower)\b"
                         r"|\bm[aá]s\s+(?:alt[oa]s?|baj[oa]s?|fuerte|flojo|suave|tenue|brillante|oscur[oa]|clar[oa]|"
                         r"calient\w*|fresc[oa]|fr[ií]o|calor|luz|volumen|brillo)\b"
                         r"|\bless\b|\bmenos\s+(?!\d)\w+", re.I)
SUPERLATIVE = re.compile(r"\b(?:brillo|volumen|temperatura|intensidad|luminosidad|posici[oó]n|nivel|velocidad|lo|al|a)"
                         r"\s+m[aá]s\b", re.I)
WHOLE = frozenset({"item", "search_query", "message"})
# a number said below zero: the tagger keeps its digits only ("set the thermostat to minus 5" read as 5)
NEGATIVE = re.compile(r"(?:\bminus|\bmenos|\bnegative|\bnegativo|(?<![\w%])[-−])\s*(\d|[^\W\d_]+)", re.IGNORECASE)
PERCENTS = ("brightness", "volume_level", "position", "percentage")
SPEED_LEVEL = re.compile(r"\b(?:speed|level|setting|velocidad|nivel|marcha)\s+(?:number\s+|n[uú]mero\s+)?"
                         r"(?:\d{1,2}|one|two|three|four|five|uno|dos|tres|cuatro|cinco)\b"
                         r"(?!\s*(?:%|percent|per\s*cent|por\s*ciento))", re.IGNORECASE)
UNITS = ((re.compile(r"\s*(hours?|horas?|hrs?)\b", re.IGNORECASE), "hours"),
         (re.compile(r"\s*(minutes?|minutos?|mins?)\b", re.IGNORECASE), "minutes"),
         (re.compile(r"\s*(seconds?|segundos?|secs?)\b", re.IGNORECASE), "seconds"))
UNIT_SAID = re.compile(r"\b(?:hours?|horas?|hrs?|minutes?|minutos?|mins?|seconds?|segundos?|secs?)\b", re.IGNORECASE)
# how a missing value is named when it is asked for
NEEDED = {
    "en": {"position": "a position", "temperature": "a temperature", "percentage": "a speed",
           "volume_level": "a volume", "volume_step": "a volume change", "item": "the item",
           "name": "the list", "search_query": "what to play", "message": "the message", "fan_mode": "a fan mode",
           "area": "the room", "hours": "a duration", "brightness": "a brightness or colour"},
    "es": {"position": "una posición", "temperature": "una temperatura", "percentage": "una velocidad",
           "volume_level": "un volumen", "volume_step": "cuánto cambiar el volumen", "item": "el artículo",
           "name": "la lista", "search_query": "qué poner", "message": "el mensaje", "fan_mode": "un modo",
           "area": "la habitación", "hours": "una duración", "brightness": "un brillo o un color"},
}
ASK = {"en": "Sorry, I need {what} for that", "es": "Lo siento, para eso necesito {what}"}
# a temperature the thermostat rejects (HA raises "temp_out_of_range" after the intent is sent: its text spoken)
RANGE = {"en": "Sorry, {name} can only be set from {low} to {high} degrees",
         "es": "Lo siento, {name} solo se puede poner entre {low} y {high} grados"}
# "add two bottles of wine to the shopping list": the item is all that stands between the verb and the list
_AGAIN = r"(?:\s+(?:back|again|too|also|as well|de nuevo|otra vez))?"  # "put eggs back on the list": not "eggs back"
ITEM_SAID = re.compile(r"\b(?:add|put|a[ñn]ad[ea]|agrega|apunta|mete|pon)\s+(?P<item>.+?)" + _AGAIN +
                       r"\s+(?:to|on|onto|in|into|a|en)"
                       r"\s+(?:the|my|our|la|mi|nuestra)\s+(?:[\w'’-]+\s+){0,3}(?:list\b|lista\b)", re.IGNORECASE)
# "add buy new tyres to my chores": no word "list", the list said by its own name
ITEM_BEFORE_LIST = re.compile(r"\b(?:add|put|a[ñn]ad[ea]|agrega|apunta|mete|pon)\s+(?P<item>.+?)" + _AGAIN +
                              r"\s+(?:to|on|onto|in|into|a|en)\s+(?:the|my|our|la|mi|mis|nuestra)\s+\S", re.IGNORECASE)
PRONOUNS = frozenset({"it", "them", "that", "this", "lo", "la", "los", "las", "eso", "esto"})
ADD_ITEM = frozenset({"HassShoppingListAddItem", "HassListAddItem"})


def whole_values(slots: list[dict], text: str) -> list[dict]:
    """Adjacent spans of free text joined into one value, the first one's kind ("play the news": the tagger's
    search_query "the" and item "news"); timer parts in the unit said after them."""
    out: list[dict] = []
    for slot in slots:
        slot = dict(slot)
        last = out[-1] if out else None
        if (last is not None and slot["name"] in WHOLE and last["name"] in WHOLE
                and _positions(last, slot) and not text[last["end"]:slot["start"]].strip()):
            joined = text[last["start"]:slot["end"]]
            last.update(value=joined, raw=joined, end=slot["end"])
            continue
        if slot["name"] in TIMER_PARTS or slot["name"].removeprefix("start_") in TIMER_PARTS:
            slot["name"] = _unit_said(slot, text)
        out.append(slot)
    return out


def item_said(intent: str, entities: list[tuple[str, Any]], text: str) -> list[tuple[str, Any]]:
    """The item as the sentence says it whole, where the tagger took part of it ("of wine"); a pronoun
    ("add it") is no item."""
    match = ITEM_SAID.search(text)
    if intent not in ADD_ITEM or match is None or match.group("item").lower() in PRONOUNS:
        return entities
    said = match.group("item")
    tagged = [str(v) for k, v in entities if k == "item"]
    if any(value.lower() not in said.lower() for value in tagged):
        return entities  # the tagger read an item elsewhere: not widened into another
    return [(k, v) for k, v in entities if k != "item"] + [("item", said)]


def item_over_names(intent: str, slots: list[dict], text: str, home: HomeEntities) -> list[dict]:
    """An item tagged in part as a name beside the home's list ("buy new" + name "tyres" + Personal Tasks,
    "add buy new tyres to my tasks"; "add fix the porch light to my tasks"): the item as said, the
    fragment no name. Only where another name slot is one of the home's to-do lists or the word "list" is
    said after the item, and the fragment is said inside the item and is no list (HA takes one name; a
    device is never a list to add to)."""
    if intent not in ADD_ITEM:  # before any work: every reading passes here
        return slots
    names = [s for s in slots if s["name"] == "name"]
    lists = {d.name for d in home.devices if d.domain == "todo"}
    fragments = [s for s in names if s["value"] not in lists]
    if not fragments or not lists:
        return slots
    list_tagged = any(s["value"] in lists for s in names)  # else "…to the shopping list": the word said
    match = ITEM_SAID.search(text) or (ITEM_BEFORE_LIST.search(text) if list_tagged else None)
    if match is None or match.group("item").lower() in PRONOUNS:
        return slots
    said = match.group("item")
    if any(str(s["value"]).lower() not in said.lower() for s in [*fragments, *(s for s in slots if s["name"] == "item")]):
        return slots  # a fragment or an item outside the item said: not joined
    return [s for s in slots if s["name"] != "item" and s not in fragments] + [{"name": "item", "value": said}]


def out_of_range(intent: str, entities: list[tuple[str, Any]], home: HomeEntities, states: States | None,
                 language: str | None) -> str | None:
    """Why a thermostat will not take that temperature (outside its min_temp..max_temp now), spoken; None
    if it will or the states cannot say."""
    slots = dict(entities)
    value = slots.get("temperature")
    if intent != "HassClimateSetTemperature" or not isinstance(value, (int, float)) or states is None:
        return None
    climates = [d for d in home.devices if d.domain == "climate" and d.entity_id
                and slots.get("name") in (None, d.name) and slots.get("area") in (None, d.area)]
    ranges = []
    for device in climates:
        attributes = (states(device.entity_id or "") or {}).get("attributes", {})
        low, high = attributes.get("min_temp"), attributes.get("max_temp")
        if not isinstance(low, (int, float)) or not isinstance(high, (int, float)):
            return None
        ranges.append((device.name, low, high))
    if not ranges or any(low <= value <= high for _, low, high in ranges):
        return None
    name, low, high = ranges[0]
    return RANGE[spoken(language)].format(name=name, low=f"{low:g}", high=f"{high:g}")


def missing(intent: str, entities: list[tuple[str, Any]], text: str | None = None) -> str | None:
    """The first value HA requires for the intent that the entities lack; with the sentence, a timer's
    duration also needs a unit said in it."""
    have = {name for name, _ in entities}
    if ANY_OF.get(intent) == TIMER_PARTS and text is not None and not UNIT_SAID.search(text):
        return TIMER_PARTS[0]
    for name in REQUIRED.get(intent, ()):
        if name not in have:
            return name
    group = ANY_OF.get(intent)
    if group and not have & set(group):
        return group[0]
    return None


def undefined(intent: str, entities: list[tuple[str, Any]], text: str) -> bool:
    """Whether the reading lacks the value that makes it its intent: a timer with no unit said in the
    sentence, a position or a cleaning without its value (a cleaning "here" has the speaker's area), a value
    to set said as a change."""
    if ANY_OF.get(intent) == TIMER_PARTS:
        return not UNIT_SAID.search(text)
    if intent == "HassVacuumCleanArea" and HERE.search(text):
        return False
    if intent in SET_TO and (RELATIVE.search(text) or (COMPARATIVE.search(text) and not SUPERLATIVE.search(text)
                                                     and number_said(text) is None)):
        return True  # a change said, not the value to set
    if intent in SET_TO and CHANNEL.search(text):
        return True  # "put the tv on channel 5" set its volume to 5: a channel or input is no value of HA's
    if intent == "HassFanSetSpeed" and SPEED_LEVEL.search(text):
        return True  # "speed 2" was sent as 2%: a fan's level is no percentage without its number of speeds
    if intent in SET_TO and (_negative(text) or _beyond(entities)):
        return True  # "to minus 5" was sent as 5, "to 150%" as a brightness HA rejects: no value it can set
    if intent == "HassSetVolumeRelative" and "volume_step" not in dict(entities) and way_said(text) is None \
            and not MAXIMUM.search(text):
        return True  # "the volume on this tv goes to a hundred": no change said, up or down
    return intent in DEFINING and missing(intent, entities) is not None


def _negative(text: str) -> bool:
    """A number said below zero, in digits or words ("minus 5", "menos cinco grados")."""
    return any(said.isdigit() or (said.lower() not in NOT_ALONE and parse_number_words(said) is not None)
               for said in (m.group(1) for m in NEGATIVE.finditer(text)))


def _beyond(entities: list[tuple[str, Any]]) -> bool:
    """A percentage above 100 or below 0 ("set the bedroom lights to 150%"): HA's slot schemas reject it."""
    return any(slot in PERCENTS and isinstance(value, (int, float)) and not 0 <= value <= 100
               for slot, value in entities)


def percent_as_brightness(intent: str, entities: list[tuple[str, Any]], text: str) -> list[tuple[str, Any]]:
    """A light's value said in percent, or one of 0 to 100, is its brightness, whatever the tagger called it:
    "dim the kitchen lights to 20 percent" and "luz del salón al 30", tagged as a colour temperature (kelvin to
    HA), set the lights to 20 K and 30 K."""
    slots = dict(entities)
    value = slots.get("temperature")
    if intent != "HassLightSet" or "brightness" in slots or value is None or not (
            re.search(rf"\b{re.escape(str(value))}\s*(?:%|percent\b|per cent\b|por\s*ciento\b)", text, re.I)
            or (isinstance(value, (int, float)) and 0 <= value <= 100)):  # "al 30": no light is 30 K
        return entities
    return [("brightness" if slot == "temperature" else slot, v) for slot, v in entities]


def ask_for(what: str, language: str | None) -> str:
    lang = spoken(language)
    return ASK[lang].format(what=NEEDED[lang].get(what, what.replace("_", " ")))


def _positions(a: dict, b: dict) -> bool:
    return all(isinstance(s.get(k), int) for s in (a, b) for k in ("start", "end"))


def _unit_said(slot: dict, text: str) -> str:
    """The timer part named right after the number ("7 minutes": minutes), else the tagger's."""
    end = slot.get("end")
    if not isinstance(end, int):
        return slot["name"]
    prefix = "start_" if slot["name"].startswith("start_") else ""
    for pattern, unit in UNITS:
        if pattern.match(text, end):
            return prefix + unit
    return slot["name"]
