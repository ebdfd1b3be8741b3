"""Readings whose intent the sentence's words and the named kind settle, for every front (MQTT clients get
it too, not only the way to HA in retarget.py):

- a media player turned up or down is its volume ("turn the tv down", "crank up the speaker", "baja la
  tele"): HassTurnOn would switch it on, and "down" said with it was refused as the opposite way;
- a light "set" with nothing to set, said off ("luces del comedor apagadas"): turned off (HassLightSet with
  no value is HA's light.turn_on, the opposite); said on ("pon las luces de la cocina"):
  turned on, which HA's Wyoming would otherwise ask a brightness for."""

from __future__ import annotations

import re

from edge_agent.home.numbers import unaccented
from edge_agent.home.said import says_a_number
from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import implied_domain
from edge_agent.home.verbs import ways_said

# "sube la tele", "súbele al altavoz", "bájale a la tele" (accents off first)
VOLUME_WAYS = {way: re.compile(rf"\b(?:turn|crank|bump)\b(?:\s+[\w']+){{0,4}}?\s+{way}\b|^\W*{verb}(?:le)?\b",
                               re.IGNORECASE)
               for way, verb in (("up", "sube"), ("down", "baja"))}
LIGHT_VALUES = ("brightness", "color", "temperature")
VALUE_WORDS = re.compile(r"colou?r|temperatur|kelvin|bright|brillo|intensi|\btono\b|\bwarm|\bcool|c[aá]lid|\bfr[ií]|"
                         r"white|blanc|\bdim\b|tenue", re.IGNORECASE)


def read_as(intent: str, slots: list[dict], text: str, home: HomeEntities) -> tuple[str, list[dict]]:
    if intent in ("HassTurnOn", "HassTurnOff") and _kind(slots, text, home) == "media_player" \
            and (step := _volume_way(text)) is not None:
        kept = [s for s in slots if s["name"] != "domain"]
        return "HassSetVolumeRelative", [*kept, {"name": "volume_step", "value": step, "raw": step}]
    if intent == "HassLightSet" and not any(s["name"] in LIGHT_VALUES for s in slots) and _no_value_said(text) \
            and _kind(slots, text, home) == "light":
        on, off = ways_said(text)
        if off != on:
            return ("HassTurnOff" if off else "HassTurnOn"), slots
    return intent, slots


def _no_value_said(text: str) -> bool:
    """No number (digits or words), colour or brightness word the tagger may have missed ("… 7800kelvin", "el
    color … café")."""
    return not (VALUE_WORDS.search(text) or says_a_number(text))


def _kind(slots: list[dict], text: str, home: HomeEntities) -> str | None:
    """The domain of the one name read (the home's), else the kind the words imply ("the tv", "la tele")."""
    names = {str(s["value"]) for s in slots if s["name"] == "name"}
    domains = set().union(*(home.domains_of(name) for name in names)) if names else set()
    return next(iter(domains)) if len(domains) == 1 else implied_domain(text) if not domains else None


def _volume_way(text: str) -> str | None:
    ways = [way for way, said in VOLUME_WAYS.items() if said.search(unaccented(text))]
    return ways[0] if len(ways) == 1 else None
