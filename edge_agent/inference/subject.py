"""A device named first and then said to do something: a description, not a request ("the garage door opens
slowly", "the kitchen lights flicker", "las luces de la cocina parpadean", "el calefactor hace ruido cuando se
enciende" were each done as a turning on). A command that names its device first goes on with a way, a place,
a value or a politeness ("the porch light on", "lights off downstairs", "la luz del pasillo, enciéndela", "la
tele apágala", "the desk lamp please"), or says a state and then asks in a clause of its own ("the garage door
is open, close it"): any other word there is a verb the device does, and the sentence asks for nothing."""

from __future__ import annotations

import re

from edge_agent.home.targets import ACTION_VERBS, CLITIC_VERBS

# what may stand before the name: nothing, or a determiner
LEADS = re.compile(r"^\W*(?:(?:the|my|our|your|el|la|los|las|mi|mis|tu|tus|nuestr[oa]s?)\s+)?$", re.IGNORECASE)
# what a command says right after a name it begins with
AFTER_NAME = re.compile(
    r"(?:on|off|out|up|down|open|closed|shut|in|at|of|to|throughout|around|across|from|for|upstairs|downstairs|"
    r"please|now|too|again|back|halfway|all|and|then|right|asap|can|could|may|"  # "… can go off now": allowed
    # the command's own verb after its device: "garage door close", "porch light turn on", "la tele apaga"
    r"turn|switch|close|lock|unlock|start|stop|dim|raise|lower|power|flip|toggle|activate|deactivate|enable|disable|"
    r"enciende|apaga|abre|cierra|sube|baja|bloquea|desbloquea|activa|desactiva|prende|pon|quita|"
    r"a|al|en|de|del|por|porfa|arriba|abajo|ya|ahora|tambi[eé]n|otra|y|luego|hasta|"
    r"encendid[oa]s?|apagad[oa]s?|abiert[oa]s?|cerrad[oa]s?|prendid[oa]s?|"
    r"\d[\d%.,]*|brighter|dimmer|warmer|cooler|louder|quieter|higher|more|less|m[aá]s|menos|"  # a value or change
    r"max|maximum|min|minimum|full|high|low|medium|half|m[aá]ximo|m[ií]nimo|medio|alto|bajo|"
    r"\w+(?:la|las|lo|los|le|les))$",  # a Spanish imperative with its pronoun: "la tele apágala"
    re.IGNORECASE)
TARGET_SLOTS = frozenset({"name", "area", "floor", "domain", "device_class"})
# a state said, then the command in its own clause: "the garage door is open, close it", "…, so lock it"
THEN_ASKED = re.compile(rf"[,;.!?]\s*(?:(?:so|please|then|así\s+que|por\s+favor|pues)\s+){{0,2}}(?:(?:{ACTION_VERBS})\b|"
                        rf"{CLITIC_VERBS})", re.IGNORECASE)


def described(slots: list[dict], text: str) -> bool:
    """Whether the sentence begins with the device it names and goes on with a word no command has there."""
    spans = sorted((s["start"], s["end"], s["name"]) for s in slots
                   if s["name"] in TARGET_SLOTS and isinstance(s.get("start"), int) and isinstance(s.get("end"), int))
    if not spans or not LEADS.match(text[:spans[0][0]]):
        return False
    end, kind = spans[0][1], spans[0][2]
    for start, stop, other in spans[1:]:  # "game room" "lights": an area and a kind side by side are one target;
        if other == kind or text[end:start].strip():  # a second name is not ("kitchen lights" "flicker")
            break
        end, kind = stop, other
    after = text[end:]
    if not after.strip() or re.match(r"\s*[,;:.!?]", after):
        return False  # the name alone, or set apart: "the porch light, turn it on"
    return not AFTER_NAME.match(after.split()[0].strip(".,!?¿¡")) and not THEN_ASKED.search(after)
