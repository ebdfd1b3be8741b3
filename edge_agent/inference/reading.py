"""What the agent answers for one prediction, in one place for the agent's worker and every report that
scores "the agent": the model's reading, another intent for the same words (a state question answered as
one), or no intent (out of domain, too unsure, or abstained: abstain.py; or, with a home configured, a
reading Home Assistant could not carry out as read: `HA_REFUSES`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from edge_agent.home.directions import against_direction, lock_meant, lock_said_of_a_cover, partly
from edge_agent.home.read_as import read_as
from edge_agent.home.retarget import on_the_way, started
from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import lock_way_unsaid, unaimed, unlisted
from edge_agent.home.values import undefined, whole_values
from edge_agent.home.verbs import ways_said
from edge_agent.inference.abstain import STATE_SLOTS, acts, decide
from edge_agent.inference.classify import Classifier, Prediction
from edge_agent.inference.cues import asks_no_action, asks_state
from edge_agent.inference.plain_command import plain_command
from edge_agent.inference.subject import described
from edge_agent.inference.unsaid_way import scene_word_dropped, way_unsaid
from edge_agent.protocol.labels import OUT_OF_DOMAIN, recognised

STATE_INTENT = "HassGetState"
ASKED_ABOUT = frozenset({"name", "area"})  # what a state question must name of the home to be asked unread
# why a reading HA could not carry out is refused (`cannot_send`); Wyoming speaks each in HA's own words
HA_REFUSES = ("unknown_target", "no_target", "incomplete")
TARGETS = ("name", "area", "floor")
TURNING = frozenset({"HassTurnOn", "HassTurnOff"})  # "<name> pause", "<name> volume up": HA's own word order
JOINED = re.compile(r"\b(?:and|y|e|plus|as well as)\b|&", re.IGNORECASE)
CLAUSE = re.compile(r"[,;]|\b(?:and|but|y|pero)\b", re.IGNORECASE)
# one target left out ("…, not the hallway light", "…, no la del pasillo", "la principal no"): HA cannot leave
# one out, and the tagger's span of it would be sent as a target ("apaga las luces, no las del pasillo" as
# turning off the hallway's)
LEFT_OUT = re.compile(r"\b(?:not|no)\s+(?:the|my|our|in|on|at|el|la|los|las|lo|en|de)\b[^,.;!?]*"
                      r"|\b(?:el|la|los|las)\s+[\w ]{1,30}?\s+no\W*$", re.IGNORECASE)


@dataclass
class Reading:
    intent: str | None  # None: not recognised (out of domain, too unsure, or abstained)
    slots: list[dict] = field(default_factory=list)
    abstained: str | None = None  # why the agent abstained (abstain.py, or unknown_target), None if it did not

    @property
    def known(self) -> bool:
        return self.intent is not None


def agent_reading(text: str, pred: Prediction, classifier: Classifier, ood_threshold: float | None,
                  margin: float | None) -> Reading:
    """The answer for `pred` of `text`. A template-exact sentence is Home Assistant's own reading and stands;
    the model's reading passes the abstain rule. A state question the model did not recognise ("did I
    lock the back door", "¿está funcionando el calefactor?": no action asked, so out-of-domain training
    pulls it there) is asked as HassGetState when it names a device or area of the home: a question is never
    an action, and a name the home lists is what it asks about."""
    if not recognised(pred.label, pred.confidence, ood_threshold):
        said = classifier.names_said(text) if pred.source == "model" and STATE_INTENT in classifier.labels else []
        if asks_state(text) and any(slot["name"] in ASKED_ABOUT for slot in said):
            return Reading(STATE_INTENT, said)
        none = float(pred.probabilities[classifier.labels.index(OUT_OF_DOMAIN)]) \
            if OUT_OF_DOMAIN in classifier.labels else 1.0
        plain = plain_command(text, said, classifier.home, none)  # "switch on the office fan, it's stuffy"
        return Reading(None) if plain is None else _checked(Reading(*plain), text, classifier)
    if pred.source != "model":
        return Reading(pred.label, pred.slots)
    instead, abstained = decide(text, classifier.labels, pred.probabilities, margin)
    slots = scene_word_dropped(pred.slots, text)
    label = pred.label
    if instead is None and abstained in (None, "unsaid") and not asks_state(text) \
            and (way := lock_meant(label, slots, text, classifier.home)) is not None:
        label, abstained = way, "no_action" if asks_no_action(text, way) else None  # "bloquea la puerta de atrás"
    if abstained is not None:
        return Reading(None, abstained=abstained)
    if instead is None:
        label, slots = read_as(label, slots, text, classifier.home)  # "turn the tv down": its volume
    reading = Reading(started(label, slots, text, classifier.home), slots) if instead is None else \
        Reading(instead, [s for s in slots if s["name"] in STATE_SLOTS])  # a state question read as an action
    return _checked(reading, text, classifier)


def _checked(reading: Reading, text: str, classifier: Classifier) -> Reading:
    """The reading, or why not: what HA would be sent, checked against the sentence and the home."""
    spans = whole_values(reading.slots, text)  # the tagger's pieces of one value joined, once for both checks
    if acts(reading.intent) and _two_targets(spans, text):
        return Reading(None, reading.slots, "compound")  # HA takes one: the other would be left undone
    if acts(reading.intent) and _left_out_named(spans, text):
        return Reading(None, reading.slots, "no_action")  # the one not to touch would be sent
    sent = on_the_way(str(reading.intent), reading.slots, text, classifier.home)  # what HA would be sent
    if (why := _refused(*sent, text, classifier.home)) is not None:
        return Reading(None, reading.slots, why)  # the slots say what it read
    if reading.intent in TURNING and described(spans, text):
        return Reading(None, reading.slots, "no_action")  # "the garage door opens slowly": told, not asked
    if lock_way_unsaid(*sent, text, classifier.home) or against_direction(*sent, text, classifier.home) \
            or lock_said_of_a_cover(*sent, text, classifier.home):
        return Reading(None, reading.slots, "opposite")  # a lock only on its own words, a cover never; down not on
    if partly(*sent, text, classifier.home):
        return Reading(None, reading.slots, "incomplete")  # "a little": no position to send
    if way_unsaid(*sent, text, classifier.home, spans):
        return Reading(None, reading.slots, "unsaid")  # "my kettle", "Parent Trap", "toggle …": no way said
    return reading


def _two_targets(slots: list[dict], text: str) -> bool:
    """Two names, areas or floors joined by "and" / "y" ("the lights in the kitchen and the den"), or
    each with its own way ("lights on in the kitchen, off in the den"): HA takes one value per slot, so one
    would be done and the other left or done the wrong way. Two spans with no joining word between them are
    the tagger's split of one ("activate all our lamps ground floor"), not two targets."""
    if _ways_apart(slots, text):
        return True
    for kind in TARGETS:
        spans = sorted((s["start"], s["end"], str(s["value"]).casefold()) for s in slots
                       if s["name"] == kind and isinstance(s.get("start"), int) and isinstance(s.get("end"), int))
        if any(a[2] != b[2] and JOINED.search(text[a[1]:b[0]]) for a, b in zip(spans, spans[1:])):
            return True
    return False


def _left_out_named(slots: list[dict], text: str) -> bool:
    """Whether a target the tagger read lies in the words that leave one out ("…, no la del pasillo")."""
    cuts = [m.span() for m in LEFT_OUT.finditer(text)]
    return any(start <= s["start"] < end for s in slots if s["name"] in TARGETS and isinstance(s.get("start"), int)
               for start, end in cuts)


def _ways_apart(slots: list[dict], text: str) -> bool:
    """Clauses that each name their own target and say opposite ways ("lights on in the kitchen, off in
    the den"); one clause saying both is one target's ("turn the ceiling light on the landing off")."""
    ways: dict[str, set[str]] = {}
    start = 0
    for cut in [*CLAUSE.finditer(text), None]:
        end = cut.start() if cut else len(text)
        clause = text[start:end]
        on, off = ways_said(clause)
        named = {str(s["value"]).casefold() for s in slots if s["name"] in TARGETS
                 and isinstance(s.get("start"), int) and start <= s["start"] < end}
        if on != off and named:
            ways.setdefault("on" if on else "off", set()).update(named)
        start = cut.end() if cut else end
    return len(ways) == 2 and ways["on"] != ways["off"]


def cannot_send(intent: str, slots: list[dict], text: str, home: HomeEntities) -> str | None:
    """Why Home Assistant could not carry this reading out, after the corrections the way to HA makes
    (retarget.py: "the blinds" in the office is the office's covers); None for a home that lists nothing.
    `unknown_target`: a device, area or floor the home does not list ("the cat knocked over a plant" read
    as turning on "cat knocked"; "is the pharmacy open"); `no_target`: an action with nothing to aim it
    ("I want to repaint the hallway" as turning on the hallway), or a state question about nothing ("why
    is the sky blue"; targets.unaimed); `incomplete`: the value that makes the reading its intent is
    missing (a timer with no unit said, "the movie starts at nine"; a position, a cleaning's area; a value
    to set said as a change, "two degrees cooler"; values.undefined). Every front asks or refuses these:
    Wyoming in HA's words."""
    if not (home.names or home.areas or home.floors):
        return None
    return _refused(*on_the_way(intent, slots, text, home), text, home)


def _refused(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities) -> str | None:
    if not (home.names or home.areas or home.floors):
        return None
    if unlisted(intent, dict(entities), home) is not None:
        return "unknown_target"
    if unaimed(intent, dict(entities), text):
        return "no_target"
    return "incomplete" if undefined(intent, entities, text) else None
