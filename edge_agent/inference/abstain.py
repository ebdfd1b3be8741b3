"""When the agent says "sorry, I'm not sure" instead of acting (issue 33): in a home, doing nothing with a
clear sorry is better than the wrong action. The answer then has no intent and says why (`abstained`):

- `opposite`: the two likeliest intents are opposite actions (on/off, pause/resume, start/dock, ...) and
  the first leads by less than `margin`: the model cannot tell which of the two was asked;
- `no_action`: the sentence asks for no action and the likeliest intent acts: a negated command ("don't
  turn on …", "no enciendas …"), a deferred one ("… later", "not yet", "luego", "todavía no") or what was
  already done ("I already turned off …", "I just locked …", "ya apagué …", "acabo de cerrar …").

The cues are grammatical (negated imperatives, deferral words, "already"/"just" + a past verb), not
sentences; their cost in refused commands is measured on held-out generated data (the margin is chosen
there: `python benchmarks/abstain_calibration.py`), per model."""

from __future__ import annotations

import re

import numpy as np

# intents that only tell or do nothing: never an action, so never a wrong one
TELLING = frozenset({"HassGetState", "HassGetWeather", "HassClimateGetTemperature", "HassGetCurrentTime",
                     "HassGetCurrentDate", "HassTimerStatus", "HassNevermind", "HassRespond", "OutOfDomain"})
OPPOSITES = (("HassTurnOn", "HassTurnOff"), ("HassMediaPause", "HassMediaUnpause"),
             ("HassVacuumStart", "HassVacuumReturnToBase"), ("HassLawnMowerStartMowing", "HassLawnMowerDock"),
             ("HassMediaPlayerMute", "HassMediaPlayerUnmute"), ("HassListAddItem", "HassListRemoveItem"))
OPPOSITE = {a: b for pair in OPPOSITES for a, b in (pair, pair[::-1])}
# The opposite margin is a model's own, like its out-of-domain threshold: the bundle's `thresholds.
# opposite_margin`, else the one measured here for a released bundle (the largest margin that refuses at
# most 1% of its held-out generated commands: `python benchmarks/abstain_calibration.py`; home 1.0.0: 0.5
# refuses 0.66% of 4,391, 0.6 refuses 1.12%). A bundle with neither (one not calibrated: a margin is
# meaningless on an untrained model's flat scores) gets the no-action cues only.
CALIBRATED_MARGINS = {("home", "1.0.0"): 0.5}
NO_ACTION = re.compile("|".join((
    # a negated command: "don't turn on", "please don't", "no, don't", "never open"
    r"(?:^|[,.;:!¡¿]\s*|\bplease\s+|\bno\s+)(?:don'?t|do not|never(?!\s+mind))\s+\w+",
    r"\bnot (?:yet|now)\b", r"\blater\b", r"\btomorrow\b",
    # what was already done: "already turned", "just locked"
    r"\b(?:already|just)\s+\w+ed\b",
    # Spanish: a negated command is "no" + the subjunctive ("no enciendas", "no me abras", "no desbloquees")
    r"(?:^|[,.;:!¡¿]\s*|\bpor favor\s+|\bno,\s*)no\s+(?:(?:me|te|lo|la|los|las|le|les)\s+)?\w+(?:es|as|éis|áis)\b",
    r"\btodav[ií]a no\b", r"\ba[uú]n no\b", r"\bahora no\b", r"\bluego\b", r"\bm[aá]s tarde\b", r"\bma[ñn]ana\b",
    r"\bya\s+\w+(?:[ée]|[ií]|amos|imos)\b", r"\bacab(?:o|amos) de\b",
)), re.IGNORECASE)


def acts(intent: str | None) -> bool:
    return intent is not None and intent not in TELLING


def opposite_margin(name: str, version: str, thresholds: dict[str, float]) -> float | None:
    """The bundle's calibrated opposite margin, None if it has none."""
    return thresholds.get("opposite_margin", CALIBRATED_MARGINS.get((name, version)))


def abstain_reason(text: str, labels: list[str], probabilities: np.ndarray, margin: float | None) -> str | None:
    """`opposite`, `no_action`, or None when the top intent may stand; `margin` None: no opposite rule."""
    order = np.argsort(-probabilities)
    first, second = labels[order[0]], labels[order[1]] if len(order) > 1 else None
    if not acts(first):
        return None
    if margin is not None and second is not None and OPPOSITE.get(first) == second \
            and probabilities[order[0]] - probabilities[order[1]] < margin:
        return "opposite"
    if NO_ACTION.search(text):
        return "no_action"
    return None
