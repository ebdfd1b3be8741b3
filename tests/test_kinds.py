"""The kind of device a reading means where a kind or a word stands for the name (edge_agent/home/kinds.py),
the name said by its first words, the list a sentence names, and which list is asked for (retarget.py,
targets.py): each only where the home has exactly what the words say."""

from __future__ import annotations

import pytest

from edge_agent.home.refusals import Refusal
from edge_agent.home.retarget import named_in_text, on_the_way, retarget
from edge_agent.home.slots import HomeDevice, HomeEntities
from edge_agent.home.targets import target

DEVICES = [HomeDevice("Smart Curtain", "cover", "Living Room", "curtain", "cover.smart_curtain"),
           HomeDevice("Garage Door", "cover", "Garage", "garage", "cover.garage_door"),
           HomeDevice("Irrigation Valve", "valve", "Back Garden", None, "valve.irrigation"),
           HomeDevice("Porch Light", "light", "Back Garden", None, "light.porch"),
           HomeDevice("Water Heater", "switch", "Garage", None, "switch.water_heater"),
           HomeDevice("Roborock Downstairs", "vacuum", "Living Room", None, "vacuum.roborock"),
           HomeDevice("Outdoor Speakers", "media_player", "Terrace", None, "media_player.outdoor"),
           HomeDevice("Front Lock", "lock", "Entry", None, "lock.front"),
           HomeDevice("Back Lock", "lock", "Garage", None, "lock.back"),
           HomeDevice("Personal Tasks", "todo", None, None, "todo.personal_tasks"),
           HomeDevice("Joe's Market", "todo", None, None, "todo.joes_market")]
AREAS = ["Living Room", "Garage", "Back Garden", "Terrace", "Entry"]
HOME = HomeEntities(areas=AREAS, names=sorted({d.name for d in DEVICES}), devices=DEVICES)


def _home(*more: HomeDevice) -> HomeEntities:
    devices = [*DEVICES, *more]
    return HomeEntities(areas=AREAS, names=sorted({d.name for d in devices}), devices=devices)


@pytest.mark.parametrize(("intent", "entities", "text", "expected"), [
    # a device word tagged as an area the home does not have: the kind, with a cover's class; the one curtain
    ("HassTurnOff", [("area", "curtains")], "close the curtains",
     ("HassTurnOff", [("domain", "cover"), ("device_class", "curtain"), ("name", "Smart Curtain")])),
    # no blinds in the home: the kind only (HA finds none)
    ("HassTurnOn", [("area", "blinds")], "open the blinds", ("HassTurnOn", [("domain", "cover"), ("device_class", "blind")])),
    # a door's cover is never reached by its kind alone
    ("HassTurnOn", [("domain", "cover"), ("device_class", "garage")], "open the garage door",
     ("HassTurnOn", [("domain", "cover"), ("device_class", "garage")])),
    # the water of an area with one valve: that valve; not a water heater, not a question
    ("HassTurnOff", [("area", "Back Garden")], "shut the water off in the back garden",
     ("HassTurnOff", [("area", "Back Garden"), ("name", "Irrigation Valve")])),
    ("HassTurnOn", [("area", "Back Garden")], "water the vegetable patch",
     ("HassTurnOn", [("area", "Back Garden"), ("name", "Irrigation Valve")])),
    ("HassTurnOn", [("area", "Back Garden")], "turn on the back garden", ("HassTurnOn", [("area", "Back Garden")])),
    ("HassTurnOn", [("area", "Garage")], "turn on the water heater in the garage", ("HassTurnOn", [("area", "Garage")])),
    ("HassGetState", [("area", "Back Garden")], "is the water on in the back garden", ("HassGetState", [("area", "Back Garden")])),
    # "the door", which the home does not list: no name (which one is asked)
    ("HassTurnOn", [("name", "door")], "lock the door", ("HassTurnOn", [])),
    # the one name that begins with the words said; never a lock's, nor the start of a room's name
    ("HassLawnMowerStartMowing", [("name", "Roborock")], "start roborock",
     ("HassVacuumStart", [("name", "Roborock Downstairs")])),
    ("HassTurnOff", [("name", "Front")], "unlock the front", ("HassTurnOff", [("name", "Front")])),
    ("HassTurnOn", [("name", "Living")], "turn on the living", ("HassTurnOn", [("name", "Living")])),
    # the work only a vacuum does, read as its name: the home's one vacuum (a mower's intent becomes its own);
    # not mowing in a home with no mower, not for an intent that is no machine's
    ("HassLawnMowerStartMowing", [("name", "cleaning")], "start the cleaning now",
     ("HassVacuumStart", [("name", "Roborock Downstairs")])),
    ("HassVacuumReturnToBase", [("name", "Vacuuming")], "stop the vacuuming",
     ("HassVacuumReturnToBase", [("name", "Roborock Downstairs")])),
    ("HassLawnMowerStartMowing", [("name", "mowing")], "start mowing", ("HassLawnMowerStartMowing", [("name", "mowing")])),
    ("HassTurnOn", [("name", "cleaning")], "switch on cleaning", ("HassTurnOn", [("name", "cleaning")])),
    # the one player, for the music
    ("HassTurnOff", [], "turn off the music", ("HassTurnOff", [("name", "Outdoor Speakers")])),
    # the list said, tagged as a second item
    ("HassListAddItem", [("item", "apples"), ("item", "joes market")], "add eggs to the joes market list",
     ("HassListAddItem", [("item", "apples"), ("name", "Joe's Market")])),
])
def test_the_kind_meant(intent, entities, text, expected):
    assert retarget(intent, entities, HOME, text) == expected


def test_only_the_one_of_its_kind():
    """Two curtains, two valves in the yard, two players, two things called Roborock…: nothing is chosen."""
    home = _home(HomeDevice("Bedroom Curtain", "cover", "Garage", "curtain", "cover.bedroom_curtain"),
                 HomeDevice("Drip Valve", "valve", "Back Garden", None, "valve.drip"),
                 HomeDevice("Kitchen Radio", "media_player", "Garage", None, "media_player.radio"),
                 HomeDevice("Roborock Upstairs", "vacuum", "Garage", None, "vacuum.roborock_up"))
    assert retarget("HassTurnOff", [("area", "curtains")], home, "close the curtains") == \
        ("HassTurnOff", [("domain", "cover"), ("device_class", "curtain")])
    assert retarget("HassTurnOn", [("area", "Back Garden")], home, "water the vegetable patch") == \
        ("HassTurnOn", [("area", "Back Garden")])
    assert retarget("HassTurnOff", [], home, "turn off the music") == ("HassTurnOff", [])
    assert target("HassTurnOff", [], "turn off the music", home) == Refusal("which_one")
    assert retarget("HassVacuumStart", [("name", "Roborock")], home, "start roborock") == \
        ("HassVacuumStart", [("name", "Roborock")])
    assert retarget("HassVacuumStart", [("name", "cleaning")], home, "start the cleaning now") == \
        ("HassVacuumStart", [("name", "cleaning")])


def test_the_door_is_asked_which_one():
    intent, entities = retarget("HassTurnOn", [("name", "door")], HOME, "lock the door")
    assert target(intent, entities, "lock the door", HOME) == Refusal("which_one")
    named_door = _home(HomeDevice("Door", "lock", "Entry", None, "lock.door"))
    assert retarget("HassTurnOn", [("name", "Door")], named_door, "lock the door") == ("HassTurnOn", [("name", "Door")])


def test_a_name_said_without_its_apostrophe():
    assert named_in_text("add eggs to the joes market list", HOME, domain="todo") == "Joe's Market"


def test_a_shopping_list_the_home_lacks_asks_which_of_its_lists():
    refused = target("HassShoppingListAddItem", [("item", "milk")], "put milk on the list", HOME)
    assert refused == Refusal("which_list", {"lists": "Joe's Market\nPersonal Tasks"})
    assert isinstance(refused, Refusal)
    assert refused.text("en") == "Which list, Joe's Market or Personal Tasks?"
    assert refused.text("es") == "¿En qué lista, Joe's Market o Personal Tasks?"


def _slots(*pairs: tuple[str, str]) -> list[dict]:
    return [{"name": name, "value": value} for name, value in pairs]


def test_an_item_tagged_in_part_as_a_name_beside_the_list_is_the_item_said():
    """'add buy new tyres to my tasks', tagged item "buy new" + name "tyres" + the home's list: one item, on
    that list; so is a device's name said inside the item. Not a fragment outside the item said, nor with no
    list named."""
    text = "add buy new tyres to my tasks"
    read = _slots(("item", "buy new"), ("name", "tyres"), ("name", "Personal Tasks"))
    assert on_the_way("HassListAddItem", read, text, HOME) == \
        ("HassListAddItem", [("name", "Personal Tasks"), ("item", "buy new tyres")])
    assert on_the_way("HassListAddItem", _slots(("item", "tyres"), ("name", "Porch Light"), ("name", "Personal Tasks")),
                      "add tyres to my tasks", HOME)[1] == [("item", "tyres"), ("name", "Porch Light")]
    fix = "put fix the porch light on my personal tasks"
    assert on_the_way("HassListAddItem", _slots(("name", "Porch Light"), ("name", "Personal Tasks")), fix, HOME) == \
        ("HassListAddItem", [("name", "Personal Tasks"), ("item", "fix the porch light")])
    said_list = "add fix the porch light to the joes market list"
    assert on_the_way("HassListAddItem", _slots(("name", "Porch Light")), said_list, HOME) == \
        ("HassListAddItem", [("item", "fix the porch light"), ("name", "Joe's Market")])
    assert on_the_way("HassListAddItem", _slots(("item", "buy new"), ("name", "tyres")), text, HOME)[1] == \
        [("item", "buy new"), ("name", "tyres")]
    elsewhere = _slots(("item", "tyres"), ("name", "garage"), ("name", "Personal Tasks"))
    assert on_the_way("HassListAddItem", elsewhere, "add tyres to my tasks for the garage", HOME)[1] == \
        [("item", "tyres"), ("name", "garage")]
