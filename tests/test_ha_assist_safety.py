"""What each safety-set row must do in the real-HA benchmark's home (benchmarks/ha_assist_safety.py): derived
from its labels, so a row the derivation gets wrong would score a wrong action as right."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from ha_assist_safety import entity_ids, expectation, safety_expectations  # noqa: E402
from ha_assist_score import ANSWERS  # noqa: E402


def test_each_kind_of_row_gets_what_ha_must_do():
    ids = entity_ids()
    assert expectation({"intent": "HassTurnOn", "name": "Front Door"}, ids) == {"on": ["lock.front_door"]}
    assert expectation({"intent": "HassTurnOff", "name": "Bedroom Blinds"}, ids) == {"off": ["cover.bedroom_blinds"]}
    assert expectation({"intent": None}, ids) == {"none": "asks for no action"}
    assert expectation({"intent": "HassGetState", "name": "Heater"}, ids) == {"none": "a state question"}
    unpause = expectation({"intent": "HassMediaUnpause", "name": "TV"}, ids)
    assert unpause == {"media": {"media_play": ["media_player.tv"]},
                       "setup": {"media_player.tv": "paused", "media_player.living_room_speaker": "idle"}}
    assert "skip" in expectation({"intent": "HassSetVolumeRelative", "name": "TV"}, ids)


def test_only_the_relative_volume_rows_are_skipped():
    """A name the home does not have would make its on/off row skipped: then it measures nothing."""
    root = Path(__file__).resolve().parent.parent / "benchmarks" / "handwritten"
    for lang in ("en", "es"):
        specs = safety_expectations(lang, ("safety", "safety2"))
        rows = [json.loads(line) for name in ("safety", "safety2")
                for line in (root / f"{name}_{lang}.jsonl").read_text().splitlines()]
        skipped = {row["intent"] for row in rows if "skip" in specs[row["text"]]}
        assert skipped == {"HassSetVolumeRelative"}, lang


def test_a_time_is_recognised_in_the_words_ha_says_it_at_every_hour():
    for said in ("Es la 1 menos 20 de la medianoche", "Son las 3 y 10", "Es la una", "It's 12:40 AM", "It is 3 PM"):
        assert re.search(ANSWERS["TIME"], said, re.IGNORECASE), said
    assert not re.search(ANSWERS["TIME"], "Lo siento, no lo he entendido", re.IGNORECASE)
