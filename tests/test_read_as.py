"""Readings the words and the named kind settle for every front (edge_agent/home/read_as.py): a player
turned up or down is its volume, a light "set" with nothing to set is turned the way said."""

from __future__ import annotations

import pytest

from edge_agent.home.read_as import read_as
from edge_agent.home.slots import HomeDevice, HomeEntities

DEVICES = [HomeDevice("TV", "media_player", "Living Room", None, "media_player.tv"),
           HomeDevice("Desk Lamp", "light", "Office", None, "light.desk_lamp"),
           HomeDevice("Heater", "switch", "Bathroom", None, "switch.heater")]
HOME = HomeEntities(areas=["Living Room", "Office", "Bathroom"], names=[d.name for d in DEVICES], devices=DEVICES)
NO_HOME = HomeEntities()


def _name(value: str) -> list[dict]:
    return [{"name": "name", "value": value, "raw": value.lower()}]


def _step(way: str) -> dict:
    return {"name": "volume_step", "value": way, "raw": way}


@pytest.mark.parametrize(("intent", "text", "home", "way"), [
    ("HassTurnOn", "turn the tv down", HOME, "down"),
    ("HassTurnOn", "turn down the tv please", HOME, "down"),
    ("HassTurnOn", "crank up the tv", HOME, "up"),
    ("HassTurnOff", "baja la tele", HOME, "down"),
    ("HassTurnOn", "turn the tv up a bit", NO_HOME, "up"),  # no home file: the kind the words imply
])
def test_a_player_turned_up_or_down_is_its_volume(intent, text, home, way):
    assert read_as(intent, _name("TV"), text, home) == ("HassSetVolumeRelative", [*_name("TV"), _step(way)])


@pytest.mark.parametrize(("intent", "name", "text"), [
    ("HassTurnOn", "TV", "turn on the tv"),
    ("HassTurnOff", "TV", "turn the tv off"),
    ("HassTurnOn", "Heater", "turn the heater up"),  # not a player: HA has no step for it
    ("HassTurnOn", "Desk Lamp", "turn up the desk lamp"),
    ("HassTurnOn", "TV", "turn up the tv, turn down the speaker"),  # both ways said: which is the tv's?
])
def test_turning_that_says_no_volume_stays(intent, name, text):
    assert read_as(intent, _name(name), text, HOME) == (intent, _name(name))


@pytest.mark.parametrize(("text", "expected"), [
    ("luces del escritorio apagadas, por favor", "HassTurnOff"),
    ("desk lamp off", "HassTurnOff"),
    ("enciende la lámpara del escritorio, que voy a leer", "HassTurnOn"), ("pon la lámpara del escritorio", "HassTurnOn"),
    ("the desk lamp please", "HassLightSet"),  # no way said: HA asks what to set
    ("ponga la temperatura de color de la lámpara del escritorio en 7800kelvin", "HassLightSet"),  # values missed
    ("ponga el color de la lámpara del escritorio en café", "HassLightSet"),
    ("sube un poco la lámpara del escritorio, al ochenta por ciento", "HassLightSet"),  # tagged as hours
    ("switch the desk lamp off at 20 percent", "HassLightSet"),  # a number said: not for words to settle
])
def test_a_light_set_to_nothing_is_turned_the_way_said(text, expected):
    assert read_as("HassLightSet", _name("Desk Lamp"), text, HOME)[0] == expected
    with_value = [*_name("Desk Lamp"), {"name": "brightness", "value": 20, "raw": "20"}]
    assert read_as("HassLightSet", with_value, text, HOME)[0] == "HassLightSet"


def test_a_light_set_read_of_what_is_no_light_is_left_as_read():
    """'ponga la temperatura de color de la puerta del garaje' turned on would open the door."""
    door = HomeEntities(names=["Garage Door"], devices=[HomeDevice("Garage Door", "cover", None, None, "cover.garage")])
    assert read_as("HassLightSet", _name("Garage Door"), "pon la puerta del garaje", door)[0] == "HassLightSet"
    assert read_as("HassLightSet", _name("Garage Door"), "garage door off", door)[0] == "HassLightSet"


@pytest.mark.parametrize(("text", "way"), [("bájale a la tele", "down"), ("súbele a la tele", "up"),
                                           ("bajale a la tele", "down")])
def test_a_player_turned_up_or_down_in_spanish_with_its_accent(text, way):
    assert read_as("HassTurnOff", _name("TV"), text, HOME) == ("HassSetVolumeRelative", [*_name("TV"), _step(way)])
