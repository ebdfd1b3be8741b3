"""The kind of device a reading means where the model tagged a kind, or a word, in place of a name (issue 33);
part of the way to Home Assistant (retarget.py). Only where the home has exactly what the words say:

- a `domain` slot that is a device word ("locks") is its domain; any other unknown one goes;
- an `area` slot of an action that is a device word and no area of the home ("close the curtains", tagged as
  an area): the kind, with a cover's class ("curtains": class curtain);
- a device word as the name, or a kind said with no name, without an area, in a home with one entity of that
  kind: that entity; a cover only by a class said that is no door's (one curtain: "close the curtains");
  never a lock, alarm or list by its kind alone;
- "the water" turned on or off in an area that has one valve: that valve ("shut the water off in the back
  garden", "water the vegetable patch");
- the work only one kind of machine does, read as the name of that machine's own intent ("start cleaning":
  name "cleaning"), in a home with one such machine: that machine;
- "the door" as the name of an action, where the home lists no such name: no name (targets.py then asks which
  one: a door may be a lock or a cover, and HA would only say it knows no "door")."""

from __future__ import annotations

import re
from typing import Any

from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import ACTIONS, DOMAIN_WORDS, SENSITIVE_COVERS, TURNING

# a name slot that is only a kind of device: the domain it means
DEVICE_WORDS = {"valve": "valve", "valves": "valve", "válvula": "valve", "valvula": "valve",
                "light": "light", "lights": "light", "luz": "light", "luces": "light", "lamp": "light",
                "fan": "fan", "fans": "fan", "ventilador": "fan", "blinds": "cover", "blind": "cover",
                "curtains": "cover", "curtain": "cover", "shades": "cover", "persianas": "cover",
                "persiana": "cover", "cortinas": "cover", "cortina": "cover", "lock": "lock", "locks": "lock",
                "cerradura": "lock", "vacuum": "vacuum", "aspiradora": "vacuum", "aspirador": "vacuum",
                "heating": "climate", "thermostat": "climate", "calefacción": "climate", "calefaccion": "climate",
                "termostato": "climate", "calefactor": "climate"}
# a cover's device word: HA's class of it (CLASSES_ES in refusals.py says the same in Spanish)
COVER_CLASSES = {"blinds": "blind", "blind": "blind", "persianas": "blind", "persiana": "blind",
                 "curtains": "curtain", "curtain": "curtain", "cortinas": "curtain", "cortina": "curtain",
                 "shades": "shade", "shade": "shade", "estor": "shade", "estores": "shade",
                 "awning": "awning", "awnings": "awning", "toldo": "awning", "toldos": "awning"}
COVER_WORD = re.compile(r"\b(" + "|".join(COVER_CLASSES) + r")\b", re.IGNORECASE)
# HA's entity domains a `domain` slot may hold; the tagger's raw word ("locks", "doors") is none of them
DOMAINS = frozenset({"light", "switch", "fan", "cover", "lock", "climate", "media_player", "vacuum", "valve",
                     "lawn_mower", "scene", "script", "button", "sensor", "binary_sensor", "alarm_control_panel",
                     "todo", "weather", "input_boolean", "humidifier", "water_heater", "siren", "camera"})
# the kinds whose one entity in the home is the one meant when only the kind is said
SOLE_BY_KIND = frozenset({"light", "switch", "fan", "media_player", "vacuum", "lawn_mower", "valve", "climate"})
# a name that says a door, which may be a lock's or a cover's
DOOR_WORDS = frozenset({"door", "doors", "puerta", "puertas"})
# the work said where a machine's name goes ("start cleaning", "start mowing"): the kind that does it, for
# that kind's own intents only (retarget.py fits a mower's intent to a vacuum and back)
WORK_WORDS = {"cleaning": "vacuum", "vacuuming": "vacuum", "hoovering": "vacuum", "limpieza": "vacuum",
              "mowing": "lawn_mower"}
MACHINE_INTENTS = frozenset({"HassVacuumStart", "HassVacuumReturnToBase", "HassLawnMowerStartMowing",
                             "HassLawnMowerDock"})
# the water a valve lets through, or watering; not a water heater, nor drinking water
WATER = re.compile(r"\b(water(?:ing)?|irrigat\w*|sprinklers?|agua|riego|reg(?:ar|ad|á)|riega)\b"
                   r"(?!\s+(?:heater|caliente|del grifo))", re.IGNORECASE)


def known_domain(entities: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A domain slot that is a device word ("locks") becomes its domain; any other unknown one goes (HA
    matches nothing with it and speaks its MatchFailedError), the words' own domain is found later."""
    out = []
    for key, value in entities:
        if key == "domain" and value not in DOMAINS:
            word = DEVICE_WORDS.get(str(value).lower())
            if word is None:
                continue
            value = word
        out.append((key, value))
    return out


def area_as_kind(intent: str, entities: list[tuple[str, Any]], home: HomeEntities) -> list[tuple[str, Any]]:
    """An area slot that is a device word the home has no area of ("close the curtains": area "curtains"): the
    kind said, with a cover's class. Only for the actions HA aims by kind: "the volume on the fan" is no
    fan's speed."""
    slots = dict(entities)
    word = str(slots.get("area", "")).lower()
    if intent not in ACTIONS or word not in DEVICE_WORDS or slots["area"] in home.candidates("area"):
        return entities
    kept = [(k, v) for k, v in entities if k != "area"]
    kept += [] if "domain" in slots else [("domain", DEVICE_WORDS[word])]
    return kept + ([("device_class", COVER_CLASSES[word])] if word in COVER_CLASSES and "device_class" not in slots
                   else [])


def no_door_name(intent: str, entities: list[tuple[str, Any]], home: HomeEntities) -> list[tuple[str, Any]]:
    """'Lock the door' with the name "door", which the home does not list: no name, so which one is asked (an
    action only: a question about "the door" stays one HA cannot answer)."""
    name = dict(entities).get("name")
    if intent not in ACTIONS or name is None or str(name).lower() not in DOOR_WORDS or name in home.names:
        return entities
    return [(k, v) for k, v in entities if k != "name"]


def sole_of_kind(entities: list[tuple[str, Any]], home: HomeEntities, text: str) -> list[tuple[str, Any]]:
    """'Put the heating at nineteen' in a home with one thermostat: that thermostat. So is 'turn on the
    vacuum' (a kind said or tagged, no name, no room) in a home with one vacuum, and 'close the curtains' in a
    home with one curtain; never a lock, alarm, list, or a cover of no class or a door's, by its kind alone
    (targets.py asks which one); never beside a to-do item ("add new bulbs for the porch light to my list")."""
    slots = dict(entities)
    if "area" in slots or "floor" in slots or "item" in slots:
        return entities
    if "name" not in slots:
        kind = slots.get("domain") or one_kind_said(text)
        of_kind = _of_kind(kind, slots.get("device_class") or _cover_class_said(text), home)
        return [*entities, ("name", next(iter(of_kind)))] if len(of_kind) == 1 else entities
    return _named_as_the_one(entities, DEVICE_WORDS.get(str(slots["name"]).lower()), home)


def _named_as_the_one(entities: list[tuple[str, Any]], domain: str | None,
                      home: HomeEntities) -> list[tuple[str, Any]]:
    """The name slot replaced by the home's one entity of `domain`; unchanged with none, or two or more."""
    of_kind = {d.name for d in home.devices if d.domain == domain} if domain else set()
    return [(k, next(iter(of_kind)) if k == "name" else v) for k, v in entities] if len(of_kind) == 1 else entities


def _of_kind(kind: str | None, device_class: str | None, home: HomeEntities) -> set[str]:
    if kind in SOLE_BY_KIND:
        return {d.name for d in home.devices if d.domain == kind}
    if kind == "cover" and device_class is not None and device_class not in SENSITIVE_COVERS:
        return {d.name for d in home.devices if d.domain == "cover" and d.device_class == device_class}
    return set()


def _cover_class_said(text: str) -> str | None:
    classes = {COVER_CLASSES[m.lower()] for m in COVER_WORD.findall(text)}
    return classes.pop() if len(classes) == 1 else None


def one_kind_said(text: str) -> str | None:
    """The kind of device the words imply, where they imply one only ("turn on the fan light": none)."""
    kinds = {domain for pattern, domain in DOMAIN_WORDS if re.search(pattern, text, re.IGNORECASE)}
    return kinds.pop() if len(kinds) == 1 else None


def watered(intent: str, entities: list[tuple[str, Any]], home: HomeEntities, text: str) -> list[tuple[str, Any]]:
    """'Shut the water off in the back garden': the one valve of that area, where nothing else is named."""
    slots = dict(entities)
    if intent not in TURNING or "area" not in slots or slots.keys() & {"name", "domain", "device_class"} \
            or not WATER.search(text):
        return entities
    valves = {d.name for d in home.devices if d.domain == "valve" and d.area == slots["area"]}
    return [*entities, ("name", next(iter(valves)))] if len(valves) == 1 else entities


def work_as_machine(intent: str, entities: list[tuple[str, Any]], home: HomeEntities) -> list[tuple[str, Any]]:
    """'Start cleaning' read with the name "cleaning": the home's one vacuum (a mower's intent then becomes the
    vacuum's, retarget.py). Never a name the home lists, never where the home has two such machines or none
    (HA would only say it knows no "cleaning")."""
    name = dict(entities).get("name")
    if intent not in MACHINE_INTENTS or name is None or name in home.names:
        return entities
    return _named_as_the_one(entities, WORK_WORDS.get(str(name).lower()), home)
