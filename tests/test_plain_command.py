"""A plain command the model did not recognise (edge_agent/inference/plain_command.py): a verb of turning
first, one of the home's devices named as the home lists it, the way its kind takes; nothing else."""

from __future__ import annotations

import pytest

from edge_agent.home.slots import HomeDevice, HomeEntities
from edge_agent.inference.plain_command import plain_command

DEVICES = [HomeDevice("Attic Fan", "fan", "Attic", None, "fan.attic"),
           HomeDevice("Shed Door", "cover", "Garden", "garage", "cover.shed_door"),
           HomeDevice("Side Gate", "lock", "Garden", None, "lock.side_gate"),
           HomeDevice("Hall Lamp", "light", "Hall", None, "light.hall_lamp"),
           HomeDevice("Robo", "vacuum", "Hall", None, "vacuum.robo")]
HOME = HomeEntities(areas=["Attic", "Garden", "Hall"], names=[d.name for d in DEVICES], devices=DEVICES,
                    aliases={"names": {"puerta del cobertizo": "Shed Door", "ventilador del desván": "Attic Fan"}})


def said(text: str, raw: str, name: str) -> list[dict]:
    start = text.lower().index(raw.lower())
    return [{"name": "name", "value": name, "raw": raw, "start": start, "end": start + len(raw)}]


@pytest.mark.parametrize(("text", "raw", "name", "intent"), [
    ("switch on the attic fan, it's stuffy", "attic fan", "Attic Fan", "HassTurnOn"),
    ("hey, turn the hall lamp off please", "hall lamp", "Hall Lamp", "HassTurnOff"),
    ("abre un momento la puerta del cobertizo", "puerta del cobertizo", "Shed Door", "HassTurnOn"),
    ("could you close the shed door", "shed door", "Shed Door", "HassTurnOff"),
    ("lock the side gate for me", "side gate", "Side Gate", "HassTurnOn"),
    ("apaga el ventilador del desván, que hace frío", "ventilador del desván", "Attic Fan", "HassTurnOff"),
])
def test_a_plain_command_is_its_turning(text, raw, name, intent):
    assert plain_command(text, said(text, raw, name), HOME, 0.8) == (intent, said(text, raw, name))


@pytest.mark.parametrize(("text", "raw", "name"), [
    ("open the shed door meme is so funny", "shed door", "Shed Door"),  # goes on about it
    ("switch on the attic fan later", "attic fan", "Attic Fan"),
    ("switch on the attic fan, but later", "attic fan", "Attic Fan"),  # a cue that asks for nothing now
    ("switch on the attic fan to 50", "attic fan", "Attic Fan"),  # a value to set
    ("can you switch on the attic fan?", "attic fan", "Attic Fan"),  # a question: the model's to read
    ("switch on the attic fan and the hall lamp", "attic fan", "Attic Fan"),  # two commands
    ("the attic fan, switch it on", "attic fan", "Attic Fan"),  # no verb first
    ("don't switch on the attic fan", "attic fan", "Attic Fan"),
    ("switch the attic fan", "attic fan", "Attic Fan"),  # no way said
    ("open the side gate", "side gate", "Side Gate"),  # a lock opened on "open": never on words not its own
    ("turn on robo", "robo", "Robo"),  # a vacuum is started, not turned on: the model's to read
])
def test_anything_else_is_not(text, raw, name):
    assert plain_command(text, said(text, raw, name), HOME, 0.8) is None


def test_never_where_the_model_is_sure_there_is_none_nor_without_a_home_file():
    text = "switch on the attic fan"
    assert plain_command(text, said(text, "attic fan", "Attic Fan"), HOME, 0.97) is None
    assert plain_command(text, said(text, "attic fan", "Attic Fan"), HomeEntities(names=["Attic Fan"]), 0.5) is None
