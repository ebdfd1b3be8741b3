"""Up and down said against a turning (issue 33). To Home Assistant a cover's HassTurnOn opens it and its
HassTurnOff closes it; anything else is switched on or off. So a reading that turns on where the sentence
says down or lower ("turn the heat down" as HassTurnOn of the heater; "dim the kitchen lights"), or turns off
where it says up, does the opposite of what was asked, and one that turns off a light, fan or player that
was asked to go down ("turn the tv down", "slow the fan down") switches off what was only to be lowered.
Refused as `opposite` unless a verb of the reading's own way is said too ("turn on the lights down here",
"apaga la luz de abajo"); a blind or curtain said to go down is closed (verbs.turns_off). And a cover is
never opened or closed on a lock's words ("lock the garage door" would open it)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from edge_agent.home.ha_schema import COVER_CLASSES
from edge_agent.home.slots import HomeEntities
from edge_agent.home.verbs import COVER_NOUN, DOWN, LESS, MORE, UP, says_lock_way, turns_off, turns_on

LOWERS = re.compile(r"\b(?:lower(?:s|ed)?|dim(?:s|med)?|reduc\w*|decreas\w*|b[aá]j[ae]\w*|aten[uú]\w*|disminu\w*)\b",
                    re.I)
# "pon la luz más baja": "pon" is on or off by what follows (verbs.TURNS_ON keeps it for "pon el lavavajillas")
PUT = re.compile(r"\bp[oó]n(?:er|ga|gan|me|le|lo|la|los|las)?\b", re.I)
# the verbs that switch a thing off, not lower it
SWITCHES_OFF = re.compile(r"\b(?:turn|switch|power|flip)\s+off\b|\b(?:turn|switch|power|flip)\s+(?:\w+\s+){1,4}off"
                          r"\s*[.!?]*$|\b(?:power|shut)\s+down\b|\bshut\b|\bkill\b|\bstop\b|\bapag\w*|\bdesactiv\w*|"
                          r"\bdesconect\w*|\bquit(?:a|ar|e|en|ad)\b", re.I)
# opened or closed only so far: a cover's HassTurnOn / HassTurnOff is all the way ("open the garage door a
# little" opened it wide); without a position said, refused as incomplete
PARTLY = re.compile(r"\b(?:a (?:little|bit|crack|touch|tad)|slightly|partly|partway|part way|a few inches|"
                    r"un poco|un poquito|un poquitín|una rendija|ligeramente|entreab\w*|entrecerr\w*)\b", re.I)
# a lock's own words said of a cover: HA opens a cover on HassTurnOn, so "lock the garage door" (a cover) would
# open it, "cierra con llave la puerta del garaje" too; HA's own lock templates find no lock of that name
LOCK_WORDS = re.compile(r"\b(?:un)?lock(?:s|ed|ing)?\b|\b(?:un)?bolt(?:s|ed)?\b|\b(?:des)?bloque\w*|\bcon llave\b|"
                        r"\b(?:cerrojo|pestillo|candado)s?\b", re.I)


def against_direction(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities) -> bool:
    """Whether turning on or off (what is sent to HA) goes against the up or down the sentence says."""
    if intent not in ("HassTurnOn", "HassTurnOff"):
        return False
    text = _unnamed(text, home)
    up, down = bool(UP.search(text)), bool(DOWN.search(text))
    more, less = bool(MORE.search(text)), bool(LESS.search(text))
    if intent == "HassTurnOn":
        return (down or less or bool(LOWERS.search(text))) and not (up or more) and not turns_on(PUT.sub(" ", text))
    if (up or more) and not (down or less) and not turns_off(text):
        return True
    lowered = down or bool(LOWERS.search(text))
    return lowered and not _aims_cover(dict(entities), text, home) and not SWITCHES_OFF.search(text)


def partly(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities) -> bool:
    """Whether a cover is opened or closed all the way where the sentence says only so far."""
    return intent in ("HassTurnOn", "HassTurnOff") and bool(PARTLY.search(_unnamed(text, home))) and \
        _aims_cover(dict(entities), text, home)


def lock_said_of_a_cover(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities) -> bool:
    """Whether a cover would be opened or closed on a lock's own words ("lock the garage door")."""
    if intent not in ("HassTurnOn", "HassTurnOff") or not LOCK_WORDS.search(_unnamed(text, home)):
        return False
    slots = dict(entities)
    return "lock" not in home.domains_of(slots.get("name")) and slots.get("domain") != "lock" and _aims_cover(slots, text, home)


# a state said or asked to be checked: "check that the back door is locked" (read as checking a list item) is
# a state question, never locking it
STATE_OR_CHECK = re.compile(r"\b(?:is|are|was|were|est[aáeé]n?|estaba|sigue|check\w*|verif\w*|make\s+sure|ensure|"
                            r"compr[ou]eb\w*|revis\w*|mira|f[ií]jate|see|asegúrate)\b", re.IGNORECASE)


def lock_meant(intent: str, slots: list[dict], text: str, home: HomeEntities) -> str | None:
    """Locking (HassTurnOn) or unlocking, for locks of the home named with a lock's own words that the model read
    as another kind's intent ("bloquea la puerta de atrás" as cancelling a timer "Back Door", "asegura la puerta
    principal" as resuming music): the words say which. A turning stays the model's (its opposite is refused,
    not turned round), and so does a state question."""
    kinds = [home.domains_of(str(s["value"])) for s in slots if s["name"] == "name"]
    listed = [domains for domains in kinds if domains]  # a fragment the tagger read ("seguro de la") is no name
    if intent in ("HassTurnOn", "HassTurnOff", "HassGetState") or not listed \
            or any(domains != {"lock"} for domains in listed) or STATE_OR_CHECK.search(text):
        return None
    return next((way for way in ("HassTurnOn", "HassTurnOff") if says_lock_way(text, way)), None)


def _unnamed(text: str, home: HomeEntities) -> str:
    """The sentence without the home's names, areas and floors: "the Lower Deck Light", "the Down Lights" and
    a floor "Up" say no direction."""
    pattern = _names_pattern(tuple(home.names), tuple(home.areas), tuple(home.floors))
    return text if pattern is None else pattern.sub(" ", text)


@lru_cache(maxsize=8)
def _names_pattern(*lists: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all of a home's names, longest first: sorted and compiled once per home, not on every
    turning's way (three checks per HassTurnOn / HassTurnOff reading)."""
    names = sorted({name for names in lists for name in names} - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.I) if names else None


def _aims_cover(slots: dict[str, Any], text: str, home: HomeEntities) -> bool:
    """Whether the target is a cover: by the domain or class sent, the named entity's domain, or the noun."""
    return ("cover" in home.domains_of(slots.get("name")) or slots.get("domain") == "cover" or slots.get("device_class") in COVER_CLASSES
            or bool(COVER_NOUN.search(text)))
