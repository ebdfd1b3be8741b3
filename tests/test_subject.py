"""A device named first and then said to do something is a description, not a request
(edge_agent/inference/subject.py); a command that names its device first goes on with a way, a place, a value
or a politeness."""

from __future__ import annotations

import pytest

from edge_agent.inference.subject import described


def _name(text: str, said: str) -> list[dict]:
    start = text.index(said)
    return [{"name": "name", "value": said, "start": start, "end": start + len(said)}]


@pytest.mark.parametrize(("text", "said"), [
    ("the shed door opens slowly", "shed door"), ("the attic lights flicker", "attic lights"),
    ("las luces del ático parpadean", "luces del ático"), ("la estufa hace ruido cuando se enciende", "estufa"),
    ("la verja se abre muy despacio", "verja"), ("the porch lamp attracts moths", "porch lamp"),
    ("the shed door opens slowly, I hate it", "shed door"),  # a clause after it that asks for nothing
])
def test_a_device_said_to_do_something_is_described(text, said):
    assert described(_name(text, said), text)


@pytest.mark.parametrize(("text", "said"), [
    ("the attic lights on", "attic lights"), ("attic lights off downstairs", "attic lights"),
    ("the porch lamp please", "porch lamp"), ("la luz del ático, enciéndela", "luz del ático"),
    ("la estufa apágala", "estufa"), ("la luz del ático al 50%", "luz del ático"), ("the porch lamp", "porch lamp"),
    ("persianas del ático arriba", "persianas del ático"), ("the attic fan can go off now", "attic fan"),
    ("switch on the attic lights they flicker", "attic lights"),  # the name is not first: a command
    ("the ceiling light throughout our porch on", "ceiling light"),  # HA's own word order
    ("shed door close", "shed door"), ("porch lamp turn on please", "porch lamp"), ("la estufa apaga", "estufa"),
    ("porch lamp 50 percent", "porch lamp"),
    ("the shed door is open, close it", "shed door"), ("the attic lights flicker, so please switch them off", "attic lights"),
    ("la verja está abierta; ciérrala", "verja"),  # a state said, then asked in a clause of its own
    ("attic fan max", "attic fan"), ("ventilador del ático al mínimo", "ventilador del ático"),  # a value said
])
def test_a_command_that_names_its_device_first_is_not(text, said):
    assert not described(_name(text, said), text)


def test_an_area_and_a_kind_side_by_side_are_one_target():
    """"game room lights on": the tagger's area "game room" and domain "lights" (a first version took "lights"
    for the word after the target and refused it); a second name after the first is still a verb."""
    text = "game room lights on"
    slots = [{"name": "area", "value": "Game Room", "start": 0, "end": 9},
             {"name": "domain", "value": "light", "start": 10, "end": 16}]
    assert not described(slots, text)
    text = "the kitchen lights flicker"
    slots = [{"name": "name", "value": "Kitchen Lights", "start": 4, "end": 18},
             {"name": "name", "value": "flicker", "start": 19, "end": 26}]
    assert described(slots, text)
