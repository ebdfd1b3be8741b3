"""Words the tagger read as a target that are none, dropped before a reading is sent to HA (retarget.on_the_way):

- how far, said in words ("open the curtains halfway": "halfway" snapped to the Hallway; "sube las persianas
  del todo": an area "todo"; "hasta la mitad": a name "hasta", an area "mitad");
- the whole home tagged as an area the home does not list ("make the house 20 degrees": HA takes its
  thermostat; "turn off the lights in the house": every light, where all are said);
- for a temperature, a name snapped from words that are not all of it, of a device no thermostat ("set the
  heat to 68": the Heater switch), as for "heat the house to 22"."""

from __future__ import annotations

import re

from edge_agent.home.said import HALFWAY, plain_words
from edge_agent.home.slots import HomeEntities

VALUE_PHRASE = re.compile(HALFWAY.pattern + r"|\ball the way\b|\bfully\b|\bdel todo\b|\bpor completo\b|\ba tope\b",
                          re.IGNORECASE)
WHOLE_HOME = frozenset({"house", "the house", "home", "whole house", "casa", "la casa", "toda la casa", "hogar"})
PLACES = ("area", "floor")


def targets_only(intent: str, slots: list[dict], text: str, home: HomeEntities) -> list[dict]:
    phrases = [set(plain_words(m.group(0))) for m in VALUE_PHRASE.finditer(text)]
    listed = {str(name).casefold() for name in (*home.candidates("area"), *home.candidates("floor"))}
    return [slot for slot in slots if not (
        (slot["name"] in ("name", *PLACES) and any(set(plain_words(str(slot.get("raw") or slot["value"]))) <= said
                                                   for said in phrases))
        or (slot["name"] in PLACES and str(slot["value"]).casefold() in WHOLE_HOME - listed)
        or (intent == "HassClimateSetTemperature" and _no_thermostat(slot, home)))]


def _no_thermostat(slot: dict, home: HomeEntities) -> bool:
    domains = home.domains_of(slot["value"]) if slot["name"] == "name" else set()
    return bool(domains) and "climate" not in domains and float(slot.get("match_score", 1.0)) < 1.0
