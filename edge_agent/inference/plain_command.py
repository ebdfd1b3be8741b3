"""A plain command the model did not recognise: "switch on the office fan, it's stuffy", "can you open the
garage door for a sec" were read as out of domain. Where the sentence begins with a verb of turning (after a
word of politeness), names exactly one of the home's devices as the home lists it, and that device's kind
takes the verb's one way, it is that turning, and then passes every check a model's reading passes
(reading.py). Never without a home file, a number (a value to set), a question, two commands, or a cue that
asks for no action."""

from __future__ import annotations

import re

from edge_agent.home.said import says_a_number
from edge_agent.home.slots import HomeEntities
from edge_agent.home.verbs import CLOSES, LOCK_SAID, OPENS, TURNS_OFF, TURNS_ON, says_lock_way
from edge_agent.inference.cues import asks_no_action, asks_state

# the verb first, after a word of politeness or a name to wake the speaker ("hey", "ok")
PLAIN_START = re.compile(
    r"^\W*(?:(?:hey|ok|okay|oye|vale)\W+)?(?:(?:please|can you|could you|would you|will you|por favor|"
    r"puedes|podr[ií]as|me puedes)\s+)?"
    r"(?:turn|switch|power|open|close|shut|lock|unlock|enciende|enci[eé]ndeme|apaga|ap[aá]game|prende|abre|"
    r"[aá]breme|cierra|ci[eé]rrame|bloquea|desbloquea)\b", re.IGNORECASE)
# after the name: nothing, its way ("turn the lamp off"), a word of politeness or time, or a clause of its own
# after a comma ("…, it's stuffy"); not words that go on about it ("open the garage door meme is so funny")
AFTER_NAME = re.compile(r"^\s*(?:(?:on|off|please|now|for me|right now|por favor|ya|ahora|ahora mismo)\b\W*)*(?:$|,)",
                        re.IGNORECASE)
SURE_NOT = 0.95  # the model's out-of-domain probability above which no plain reading is tried
TWO_COMMANDS = re.compile(r"\b(?:and|then|y|luego|despu[eé]s)\b", re.IGNORECASE)
ON, OFF = re.compile(r"\bon\b", re.IGNORECASE), re.compile(r"\boff\b", re.IGNORECASE)
SWITCHED = frozenset({"light", "switch", "fan", "media_player", "input_boolean"})


def plain_command(text: str, said: list[dict], home: HomeEntities,
                  out_of_domain: float) -> tuple[str, list[dict]] | None:
    """(HassTurnOn or HassTurnOff, the name slot) for a plain command; None for anything else. `said`: the
    home's names found in the text (Classifier.names_said); `out_of_domain`: the model's probability of none."""
    start = PLAIN_START.search(text)
    if not home.devices or out_of_domain >= SURE_NOT or start is None or says_a_number(text) or "?" in text \
            or TWO_COMMANDS.search(text):
        return None
    names = [slot for slot in said if slot["name"] == "name"]
    if len({str(slot["value"]) for slot in names}) != 1 or not AFTER_NAME.match(text[names[-1]["end"]:]):
        return None
    domains = home.domains_of(names[0]["value"])
    way = _way(text, text[start.end():].split(",")[0], next(iter(domains))) if len(domains) == 1 else None
    if way is None or asks_no_action(text, way) or asks_state(text):
        return None
    return way, names[:1]


def _way(text: str, command: str, domain: str) -> str | None:
    """The one way the words say for the kind; `command`: the words after the verb, to the first comma ("the
    hall lamp off please": its particle)."""
    if domain in SWITCHED:
        on, off = bool(TURNS_ON.search(text) or ON.search(command)), bool(TURNS_OFF.search(text) or OFF.search(command))
    elif domain == "cover" and not LOCK_SAID.search(text):
        on, off = bool(OPENS.search(text)), bool(CLOSES.search(text))
    elif domain == "lock":
        on, off = says_lock_way(text, "HassTurnOn"), says_lock_way(text, "HassTurnOff")
    else:
        return None
    return None if on == off else "HassTurnOn" if on else "HassTurnOff"
