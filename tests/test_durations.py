"""A timer's duration read from the words (edge_agent/home/durations.py): halves and quarters whole, two
durations apart left to the tagger."""

from __future__ import annotations

import pytest

from edge_agent.home.durations import duration_said, timer_parts
from edge_agent.home.retarget import retarget
from edge_agent.home.slots import HomeEntities


@pytest.mark.parametrize(("text", "seconds"), [
    ("a timer for an hour and a half", 5400), ("temporizador de hora y media", 5400),
    ("temporizador de una hora y media", 5400), ("temporizador de media hora", 1800),
    ("timer for half an hour", 1800), ("timer for a minute and a half", 90), ("1 and a half hours", 5400),
    ("two and a half minutes", 150), ("dos minutos y medio", 150), ("un cuarto de hora", 900),
    ("tres cuartos de hora", 2700), ("three quarters of an hour", 2700), ("1 hour 20 minutes", 4800),
    ("5 minutes and 30 seconds", 330), ("veinticinco minutos", 1500), ("add half a minute", 30),
    ("a 12 minute timer for the pasta", 720),
    ("add 5 minutes to my 10 minute timer", None),  # two apart: which is the change is the tagger's
    ("set a timer", None), ("how many minutes are left", None),
])
def test_the_duration_the_words_say(text, seconds):
    assert duration_said(text) == seconds


def test_timer_parts_are_has_slots():
    assert timer_parts(5400) == [("hours", 1), ("minutes", 30)]
    assert timer_parts(150) == [("minutes", 2), ("seconds", 30)]


@pytest.mark.parametrize(("intent", "entities", "text", "expected"), [
    # HA's own template's "media" tagged minutes, its unit read from "hora": a 30-hour timer
    ("HassStartTimer", [("hours", 30)], "pon un temporizador de media hora", [("minutes", 30)]),
    # the model's "half" as 30 seconds, "an hour" missed
    ("HassStartTimer", [("seconds", 30), ("name", "pasta")], "an hour and a half for the pasta",
     [("hours", 1), ("minutes", 30), ("name", "pasta")]),
    ("HassIncreaseTimer", [("minutes", 5), ("start_minutes", 10)], "add 5 minutes to my 10 minute timer",
     [("minutes", 5), ("start_minutes", 10)]),  # a timer named by its duration: as tagged
])
def test_a_timer_gets_the_duration_said(intent, entities, text, expected):
    assert retarget(intent, entities, HomeEntities(), text) == (intent, expected)
