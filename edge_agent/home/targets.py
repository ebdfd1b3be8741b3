"""What an intent may act on, decided before Home Assistant sees it. HA acts on every entity its slots
match: a name it cannot resolve fails with a traceback, a name two domains share reaches both, and an area
without a domain reaches everything in it ("close the garage" unlocked the garage's door lock). So:

- a name, area or floor sent is one of the home's own (home_file), never a fragment; else not-recognized
  in HA's own words ("Sorry, I am not aware of any device called …");
- an action on an area (no name) says its domain: the one the verb or noun implies (open/close: cover,
  lock: lock, lights: light, …), else it is refused; it never reaches a lock or an alarm, nor a cover of
  class garage, door or gate unless the sentence names that class;
- a name that entities of several domains share is sent with the domain the verb implies.

Without a home_file there is nothing to check against and intents pass as they are. docs/protocol.md has
the table."""

from __future__ import annotations

import re
from typing import Any

from edge_agent.home.refusals import Refusal
from edge_agent.home.slots import HomeEntities, content_words, fold
from edge_agent.home.verbs import LOCK_NOUN, says_lock_way

# the actions HA aims by a `domain` slot; the others (vacuum, media, climate, ...) bound it themselves
ACTIONS = frozenset({"HassTurnOn", "HassTurnOff", "HassSetPosition", "HassLightSet"})
PART = re.compile(r"\b(?:half|some|one|two|three|a\s+few|a\s+couple|several|most)\s+of\s+(?:the|my|our|these|those)\b"
                  r"|\bhalf\s+(?:the|my|our)\b|\b(?:some|a\s+few|several)\s+(?:\w+\s+)?(?:lights|lamps|bulbs|fans)\b"
                  r"|\b(?:algun[oa]s|vari[oa]s|un\s+par\s+de|la\s+mitad\s+de|la\s+mayor[ií]a\s+de|un[oa]s\s+poc[oa]s)\b"
                  r"|\b(?:un[oa]|dos|tres)\s+de\s+(?:l[oa]s|mis|tus|nuestr[oa]s)\b", re.IGNORECASE)
TURNING = frozenset({"HassTurnOn", "HassTurnOff"})
AREA_NEVER = frozenset({"lock", "alarm_control_panel"})  # only when named
SENSITIVE_COVERS = frozenset({"garage", "garage_door", "door", "gate"})
# words that imply a domain, en and es; the first that matches wins (verbs before nouns)
DOMAIN_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bvalves?\b|v[aá]lvulas?", "valve"),  # before the verbs: a valve opens and closes too
    (r"\b(un)?lock|\bbloque|\bdesbloque|con llave|cerrojo|cerradura", "lock"),
    (r"\bopen|\bclose|\bshut\b(?![^,.;]*\b(?:off|down)\b)|\babr[ei]|\bcierr|\bcerr|\bsub[ei]|\bbaj[ae]|blinds?\b|shades?\b|curtains?\b|"
     r"shutters?\b|persianas?|cortinas?|toldos?|estor", "cover"),
    (r"\bvacuum|aspirad", "vacuum"),
    (r"\bfans?\b|ventilador|\babanicos?\b", "fan"),
    (r"\blight(?:s|ing)?\b|\blamps?\b|\bbulbs?\b|\bluz\b|\bluces\b|l[aá]mparas?|\bbombill(?:a|as|o|os)\b|\bfocos?\b|"
     r"brightness|brillo|\bdim\b", "light"),
    (r"\b(?:music|radio|tv|television|speakers?|m[uú]sica|tele|televisi[oó]n|altavo(?:z|ces))\b",
     "media_player"),  # "turn off the music": the player
)
LEADING_VERB = re.compile(r"^\W*(please\s+|por favor\s+)?\w+", re.IGNORECASE)
# the integration that registers an intent in HA: with none of its entities in the home, HA has no such
# intent ("Unknown intent"); the shopping list's is the shopping_list integration's one entity
INTENT_DOMAINS = (("HassLawnMower", "lawn_mower"), ("HassVacuum", "vacuum"), ("HassMedia", "media_player"),
                  ("HassSetVolume", "media_player"), ("HassShoppingList", "todo.shopping_list"),
                  ("HassList", "todo"), ("HassClimate", "climate"), ("HassFanSetSpeed", "fan"),
                  ("HassGetWeather", "weather"))
EVERY = re.compile(r"\b(all|every|everything|tod[oa]s?)\b", re.IGNORECASE)
# everything in a place, no kind at all ("switch off everything in the basement", "apaga todo el salón"); not
# "all the radiators" (a kind the agent does not know: everything there would be reached)
EVERYTHING = re.compile(r"\b(?:everything|all\s+(?:the\s+)?(?:devices|things|stuff)|todo(?!s)|"
                        r"todos\s+los\s+(?:dispositivos|aparatos)|todas\s+las\s+cosas)\b", re.IGNORECASE)
SENSITIVE_WORDS = re.compile(r"garage door|\bgates?\b|\bdoors?\b|puerta|port[oó]n|verja", re.IGNORECASE)
# two commands in one sentence ("turn on X and then turn off Y"): the model reads one intent, so one of
# them would be done and the other dropped, or mixed into it. Asked to say them one at a time instead.
ACTION_VERBS = (r"turn|switch|open|close|lock|unlock|set|start|stop|pause|dim|raise|lower|"
                r"enciende|apaga|abre|cierra|pon|quita|sube|baja|bloquea|desbloquea|activa|desactiva")
# "off and on again", one thing done in place of another ("instead of opening it, close it", "en vez de …"),
# and a command corrected as it is said ("close the garage door no open it", "cierra … no, ábrela")
CLITIC_VERBS = r"(?:ábre|ciérra|enciénde|apága|súbe|bája|quíta|desbloquéa|bloquéa)\w*"
COMPOUND = re.compile(rf"\b(and|then|y|luego|después)\s+(then\s+|luego\s+|después\s+)?({ACTION_VERBS})\b"
                      r"|\b(?:on|off)\s+and\s+(?:then\s+)?(?:on|off)\b"
                      r"|\b(?:instead\s+of|rather\s+than|en\s+vez\s+de|en\s+lugar\s+de)\b"
                      rf"|[\w,]\s+(?:no|wait|actually|sorry|I\s+mean|perd[oó]n|espera|digo|mejor)"
                      rf"(?:\s*,?\s*(?:no|wait|actually|sorry|espera|perd[oó]n))*\s*,?\s+"
                      rf"(?:(?:{ACTION_VERBS}|on|off|open|closed|encendid[oa]s?|apagad[oa]s?)\b|{CLITIC_VERBS})"
                      r"|[\w,]\s+(?:I\s+mean|or\s+rather|quiero\s+decir|mejor\s+dicho|o\s+sea|perd[oó]n|sorry|digo)\b",
                      re.IGNORECASE)  # "turn on the porch light, I mean the hallway light"

# intents that act on one kind of entity only: a named entity of another domain is never sent to them
ONLY = {"HassSetPosition": frozenset({"cover", "valve"}), "HassLightSet": frozenset({"light"}),
        "HassVacuumStart": frozenset({"vacuum"}), "HassVacuumReturnToBase": frozenset({"vacuum"}),
        "HassFanSetSpeed": frozenset({"fan"}), "HassClimateSetTemperature": frozenset({"climate"}),
        "HassSetVolume": frozenset({"media_player"}), "HassMediaPause": frozenset({"media_player"}),
        "HassMediaUnpause": frozenset({"media_player"}), "HassMediaNext": frozenset({"media_player"}),
        "HassMediaPrevious": frozenset({"media_player"}), "HassClimateGetTemperature": frozenset({"climate"}),
        "HassMediaPlayerMute": frozenset({"media_player"}), "HassMediaPlayerUnmute": frozenset({"media_player"}),
        "HassSetVolumeRelative": frozenset({"media_player"}), "HassListAddItem": frozenset({"todo"}),
        "HassListCompleteItem": frozenset({"todo"}), "HassListRemoveItem": frozenset({"todo"}),
        "HassMediaSearchAndPlay": frozenset({"media_player"}), "HassClimateSetFanMode": frozenset({"climate"})}
# HA 2025.4 turns none of these on or off (its HassTurnOn fails: "Service turn_on does not support entity
# vacuum.…"); a vacuum or mower turned on is started on the way (retarget.py)
NOT_TURNED = frozenset({"vacuum", "lawn_mower"})
def implied_domain(text: str) -> str | None:
    lowered = text.lower()
    for pattern, domain in DOMAIN_WORDS:
        if re.search(pattern, lowered):
            return domain
    return None


def domain_said(intent: str, slots: dict[str, Any], text: str) -> str | None:
    """The kind of device an action is about: the `domain` slot, lights for HassLightSet, else the words'."""
    return slots.get("domain") or ("light" if intent == "HassLightSet" else implied_domain(text))


def target(intent: str, entities: list[tuple[str, Any]], text: str,
           home: HomeEntities) -> list[tuple[str, Any]] | Refusal:
    """The entities to send for one intent, or why nothing is sent."""
    if intent in ACTIONS and COMPOUND.search(text):
        return Refusal("compound")
    if not (home.names or home.areas or home.floors):
        return entities
    needs = missing_integration(intent, home)
    if needs == "todo.shopping_list" and len(lists := sorted({d.name for d in home.devices if d.domain == "todo"})) > 1:
        return Refusal("which_list", {"lists": "\n".join(lists)})  # "put milk on the list": ask which
    if needs is not None:
        return Refusal("none_here", {"needs": needs})
    slots = dict(entities)
    if (refused := unlisted(intent, slots, home)) is not None:
        return refused
    domains = home.domains_of(slots.get("name"))
    if domains and intent in ONLY and not domains & ONLY[intent]:
        return Refusal("cannot", {"entity": str(slots["name"])})
    if domains and intent in TURNING and domains <= NOT_TURNED:
        return Refusal("cannot", {"entity": str(slots["name"])})
    if (unmatched := _unmatched(intent, slots, home)) is not None:
        return unmatched
    if intent not in ACTIONS:
        return entities
    said_domain = domain_said(intent, slots, text)
    if "name" in slots:
        return _named(entities, str(slots["name"]), said_domain, home)
    aimed = (_area_only(entities, slots, said_domain, text, home) if "area" in slots or "floor" in slots
             else _everywhere(entities, slots, said_domain, text))
    if isinstance(aimed, list) and (unmatched := _unmatched(intent, dict(aimed), home)) is not None:
        return unmatched  # the domain the words implied is not in that area
    return aimed


def unlisted(intent: str, slots: dict[str, Any], home: HomeEntities) -> Refusal | None:
    """A device, area or floor the reading names that the home does not list: HA's refusal ("not aware of
    any device called …"), or None."""
    for slot, listed, kind in (("name", home.names, "no_entity"), ("area", home.areas, "no_area"),
                               ("floor", home.floors, "no_floor")):
        if slot == "name" and "Timer" in intent:  # a timer's own name ("the pizza timer"), not a device
            continue
        if slot in slots and listed and slots[slot] not in listed:
            return Refusal(kind, {{"name": "entity"}.get(slot, slot): str(slots[slot])})
    return None


def area_meant(intent: str, entities: list[tuple[str, Any]], text: str,
               home: HomeEntities) -> list[tuple[str, Any]]:
    """An area said that begins two of the home's area names ("the bedroom": Bedroom 1 and Bedroom 2) becomes
    the only one of them holding what was asked for (a fan, the device named), as a person hears it; otherwise
    the entities are unchanged (and `unlisted` refuses an area the home does not have)."""
    area = _area_by_what(intent, dict(entities), text, home)
    return entities if area is None else [(slot, area if slot == "area" else value) for slot, value in entities]


def _area_by_what(intent: str, slots: dict[str, Any], text: str, home: HomeEntities) -> str | None:
    said = slots.get("area")
    if not isinstance(said, str) or said in home.areas or not home.devices:
        return None
    said_domain = domain_said(intent, slots, text)
    domains = ONLY.get(intent) or ({said_domain} if said_domain else None)
    name, device_class = slots.get("name"), slots.get("device_class")
    if domains is None and name is None and device_class is None:
        return None  # nothing to tell the areas apart by
    words = content_words(fold(said))  # the areas whose names begin so: "the room" is not Living Room
    if not words:
        return None
    named = {home.canonical("area", c) for c in home.candidates("area")
             if content_words(fold(c))[:len(words)] == words}
    holding = {area for area in named if _holds(home, area, name, domains, device_class)}
    return holding.pop() if len(named) > 1 and len(holding) == 1 else None


def _unmatched(intent: str, slots: dict[str, Any], home: HomeEntities) -> Refusal | None:
    """HA matches name, area, domain and device class together; when no entity has them all it fails with
    an exception that its wyoming conversation speaks as text. Said here in HA's own words instead."""
    area = slots.get("area")
    if area is None or not home.devices:
        return None
    domains = ONLY.get(intent) or ({slots["domain"]} if "domain" in slots else None)
    name, device_class = slots.get("name"), slots.get("device_class")
    if _holds(home, area, name, domains, device_class):
        return None
    if name is not None:
        return Refusal("no_entity_in_area", {"entity": str(name), "area": str(area)})
    if domains:
        return Refusal("no_domain_in_area", {"domain": sorted(domains)[0], "area": str(area)})
    if device_class is not None:
        return Refusal("no_device_class_in_area", {"device_class": str(device_class), "area": str(area)})
    return None


def _holds(home: HomeEntities, area: Any, name: Any, domains: frozenset[str] | set[str] | None,
           device_class: Any) -> bool:
    """Whether the area has an entity of that name, domain (None: any) and device class, as HA matches them."""
    return any(d.area == area and name in (None, d.name) and (domains is None or d.domain in domains)
               and device_class in (None, d.device_class) for d in home.devices)


def lock_way_unsaid(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities) -> bool:
    """Turning a lock on or off (locking, unlocking) where the words do not say that way: "open the front
    door" read as HassTurnOn would lock it, "cierra la puerta principal" read as HassTurnOff would unlock it."""
    if intent not in TURNING:
        return False
    slots = dict(entities)
    domains: set[Any] = home.domains_of(slots.get("name")) or {slots.get("domain")}
    # a lock's battery or tamper sensor shares its name: the lock is what turning reaches
    return "lock" in domains and slots.get("domain") in (None, "lock") and not says_lock_way(text, intent)


def fits_home(intent: str, slots: dict[str, Any], home: HomeEntities) -> bool:
    """Whether the home has what this reading needs: the intent's integration, and in a named area an
    entity of the name, domain and device class said (Home Assistant's template readings are checked so
    before they are trusted: "open the garage door" is area Garage + class garage to HA's templates)."""
    return missing_integration(intent, home) is None and _unmatched(intent, slots, home) is None


def _everywhere(entities: list[tuple[str, Any]], slots: dict[str, Any], domain: str | None,
                text: str) -> list[tuple[str, Any]] | Refusal:
    """No name, no area: HA acts on every entity of the domain in the home ("turn off the light" turned
    off eight). Only when the sentence says all of them, and never every lock, alarm or cover of an
    unsaid or sensitive class."""
    sensitive = domain in AREA_NEVER or (domain == "cover" and slots.get("device_class") in (None, *SENSITIVE_COVERS))
    if domain is None or sensitive or not EVERY.search(text):
        return Refusal("which_one")
    return entities if "domain" in slots else [*entities, ("domain", domain)]


ASKED = frozenset({"name", "area", "floor", "domain", "device_class"})  # what a state question can be about


def unaimed(intent: str, slots: dict[str, Any], text: str) -> bool:
    """An action with nothing to aim it: no name and no domain said or implied. HA's templates never give
    one ("turn on" alone reaches nothing; an area alone, everything in it), and `target` asks "which
    one?" of it, but for "switch off everything in the basement". "I want to repaint the hallway" read as
    turning on the hallway is one; so is a state question about nothing, no state either ("why is the sky
    blue")."""
    if intent == "HassGetState":  # a state alone is asked of a kind the tagger may miss ("how many switches are on")
        return not (ASKED | {"state"}) & slots.keys()
    if intent in ACTIONS and PART.search(text):
        return True  # "turn off half the lights", "una de las luces": HA would reach every one
    if intent not in ACTIONS or "name" in slots or "device_class" in slots:
        return False
    if slots.get("domain") or intent == "HassLightSet" or implied_domain(text) is not None:
        return False
    return not ("area" in slots and EVERYTHING.search(text))


def missing_integration(intent: str, home: HomeEntities) -> str | None:
    """What the home lacks for HA to have this intent at all (a THINGS key), or None."""
    if not home.devices:
        return None
    needs = next((domain for prefix, domain in INTENT_DOMAINS if intent.startswith(prefix)), None)
    if needs is None:
        return None
    if "." in needs:  # one entity; a home file without entity ids cannot say
        ids = {d.entity_id for d in home.devices}
        return None if needs in ids or ids == {None} else needs
    return None if any(d.domain == needs for d in home.devices) else needs


def _lock_named(text: str) -> bool:
    """A lock is reached by area only when the sentence names it as a thing ("lock the entry lock"), not only
    with the verb ("lock the entry", "cierra con llave la entrada")."""
    return bool(LOCK_NOUN.search(LEADING_VERB.sub("", text, count=1)))


def _named(entities: list[tuple[str, Any]], name: str, domain: str | None,
           home: HomeEntities) -> list[tuple[str, Any]] | Refusal:
    domains = home.domains_of(name)
    if len(domains) <= 1 or any(slot == "domain" for slot, _ in entities):
        return entities
    if domain in domains:
        return [*entities, ("domain", domain)]
    return Refusal("ambiguous", {"entity": name})


def _guarded(area: str, home: HomeEntities) -> bool:
    """Whether the area holds something never reached by area alone (a lock, an alarm, a door's cover), or
    the home file cannot say (no devices)."""
    return not home.devices or any(
        d.area == area and (d.domain in AREA_NEVER or (d.domain == "cover" and d.device_class in SENSITIVE_COVERS))
        for d in home.devices)


def _area_only(entities: list[tuple[str, Any]], slots: dict[str, Any], domain: str | None, text: str,
               home: HomeEntities) -> list[tuple[str, Any]] | Refusal:
    where = str(slots.get("area") or slots.get("floor"))
    if domain is None and "area" in slots and EVERYTHING.search(text) and not _guarded(str(slots["area"]), home) \
            and not any(d.area == slots["area"] and d.domain == "cover" for d in home.devices):
        # "switch off everything in the basement", where nothing there is only done by name, and no blind or
        # curtain would be closed by a "turn off" (HA's HassTurnOff closes a cover)
        return entities
    if domain is None or (domain in AREA_NEVER and not (domain == "lock" and _lock_named(text))):
        return Refusal("which", {"area": where})
    if domain == "cover" and not (slots.get("device_class") in SENSITIVE_COVERS or SENSITIVE_WORDS.search(text)):
        area = slots.get("area")
        if any(d.domain == "cover" and d.device_class in SENSITIVE_COVERS and (area is None or d.area == area)
               for d in home.devices):
            return Refusal("which", {"area": where})
    return entities if "domain" in slots else [*entities, ("domain", domain)]
