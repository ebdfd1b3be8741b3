"""Values HA requires, whole, in the unit said (edge_agent/home/values.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_agent.home.retarget import on_the_way
from edge_agent.home.slots import HomeEntities
from edge_agent.home.values import (
    REQUIRED,
    ask_for,
    item_said,
    missing,
    percent_as_brightness,
    undefined,
    whole_values,
)


def _slot(name, text, word, value=None):
    start = text.index(word)
    return {"name": name, "value": word if value is None else value, "raw": word, "start": start,
            "end": start + len(word)}


def test_adjacent_spans_of_an_item_are_one_item():
    text = "add oat milk to my shopping list"
    slots = whole_values([_slot("item", text, "oat"), _slot("item", text, "milk")], text)
    assert [(s["name"], s["value"]) for s in slots] == [("item", "oat milk")]
    text = "add apples and pears"  # apart: two values (HA takes the first; never one made-up item)
    slots = whole_values([_slot("item", text, "apples"), _slot("item", text, "pears")], text)
    assert [s["value"] for s in slots] == ["apples", "pears"]


def test_adjacent_free_text_of_two_kinds_is_one_value_of_the_first():
    """The shipped model tags "play the news on the tv" as search_query "the" and item "news": HA searched "the"."""
    text = "play the news on the tv"
    slots = whole_values([_slot("search_query", text, "the"), _slot("item", text, "news")], text)
    assert [(s["name"], s["value"]) for s in slots] == [("search_query", "the news")]


def test_what_to_play_tagged_as_an_item_is_the_search_query():
    home = HomeEntities(areas=["Salón"], floors=[], names=[], devices=[])
    text = "pon algo de jazz en el salón"
    sent = on_the_way("HassMediaSearchAndPlay", [_slot("item", text, "jazz"), _slot("area", text, "salón", "Salón")],
                      text, home)
    assert sent == ("HassMediaSearchAndPlay", [("search_query", "jazz"), ("area", "Salón")])


def test_a_timer_part_takes_the_unit_said_after_its_number():
    for text, said, tagged, unit in (("set a timer for 7 minutes", "7", "seconds", "minutes"),
                                     ("pon un temporizador de 3 horas", "3", "minutes", "hours"),
                                     ("add 2 secs to the timer", "2", "hours", "seconds"),
                                     ("cancel the 5 minute timer", "5", "start_seconds", "start_minutes"),
                                     ("a timer for 4", "4", "minutes", "minutes")):
        [slot] = whole_values([_slot(tagged, text, said, int(said))], text)
        assert slot["name"] == unit, text


def test_required_values_are_asked_for_in_the_sentence_language():
    assert missing("HassSetPosition", [("name", "Kitchen Blind")]) == "position"
    assert missing("HassSetPosition", [("name", "Kitchen Blind"), ("position", 40)]) is None
    assert missing("HassStartTimer", [("name", "pizza")]) == "hours"
    assert missing("HassStartTimer", [("minutes", 5)]) is None
    assert missing("HassLightSet", [("area", "Kitchen")]) == "brightness"
    assert missing("HassTurnOn", []) is None
    assert ask_for("position", "en") == "Sorry, I need a position for that"
    assert ask_for("item", "es") == "Lo siento, para eso necesito el artículo"
    assert ask_for("hours", "fr") == "Sorry, I need a duration for that"


def test_a_timer_needs_its_unit_said_and_a_setting_its_value():
    """What makes a reading its intent (values.undefined): refused on every front (inference/reading.py)."""
    nine = [("seconds", 9)]  # "nine" with no unit: a time of day, not a duration
    assert undefined("HassStartTimer", nine, "the movie starts at nine")
    assert missing("HassStartTimer", nine, "the movie starts at nine") == "hours"
    assert not undefined("HassStartTimer", [("minutes", 9)], "a timer for nine minutes")
    assert not undefined("HassStartTimer", [], "pon un temporizador de diez minutos")  # the tagger missed it: asked
    assert undefined("HassSetPosition", [("name", "Bedroom Blinds")], "the bedroom blinds are dusty")
    assert not undefined("HassSetPosition", [("name", "Bedroom Blinds"), ("position", 30)], "bedroom blinds to 30%")
    assert undefined("HassVacuumCleanArea", [("name", "TV")], "vacuum ads on the TV are annoying")
    assert not undefined("HassVacuumCleanArea", [], "aspira esta habitación")  # the speaker's area
    assert not undefined("HassLightSet", [("area", "Office")], "set the office to 4200 kelvin")  # the tagger missed it
    assert not undefined("HassClimateSetTemperature", [], "set the heat to 21 degrees")  # the tagger missed it
    # a channel or an input is no value HA sets: "put the tv on channel 5" set its volume to 5
    assert undefined("HassSetVolume", [("name", "TV"), ("volume_level", 5)], "put the tv on channel 5")
    assert undefined("HassSetPosition", [("position", 2)], "pon la tele en el canal 2")
    assert not undefined("HassSetVolume", [("name", "TV"), ("volume_level", 20)], "set the tv volume to 20")


@pytest.mark.parametrize(("intent", "entities", "text", "refused"), [
    ("HassClimateSetTemperature", [("temperature", 5)], "set the thermostat to minus 5", True),  # sign lost
    ("HassClimateSetTemperature", [("temperature", 2)], "pon el termostato a menos 2 grados", True),
    ("HassLightSet", [("brightness", 20)], "kitchen lights to -20%", True),
    ("HassClimateSetTemperature", [("temperature", 5)], "set the heating to minus five", True),  # in words
    ("HassClimateSetTemperature", [("temperature", 3)], "pon la calefacción a menos tres grados", True),
    ("HassLightSet", [("color", "blue")], "make the hall lamp less blue", True),  # less of it: no value to set
    ("HassLightSet", [("color", "blue")], "make the hall lamp blue", False),
    ("HassLightSet", [("brightness", 150)], "bedroom lights to 150%", True),  # HA's schema: 0 to 100
    ("HassSetVolume", [("volume_level", 200)], "tv volume to 200", True),
    ("HassFanSetSpeed", [("percentage", 300)], "fan to 300 percent", True),
    ("HassLightSet", [("brightness", 100)], "bedroom lights to 100%", False),
    ("HassLightSet", [("brightness", 0)], "pon la luz al 0%", False),
    ("HassClimateSetTemperature", [("temperature", 19)], "thermostat to 19, the 2-zone one", False),
    ("HassFanSetSpeed", [("percentage", 2)], "set the attic fan to speed 2", True),  # a level, not 2%
    ("HassFanSetSpeed", [("percentage", 2)], "pon el ventilador en la velocidad dos", True),
    ("HassFanSetSpeed", [("percentage", 40)], "attic fan speed 40%", False),
])
def test_a_value_below_zero_or_beyond_a_percentage_is_no_value_to_set(intent, entities, text, refused):
    assert undefined(intent, entities, text) is refused


def test_required_slots_are_intents_json_s():
    import home_assistant_intents

    intents = json.loads((Path(home_assistant_intents.__file__).parent / "intents.json").read_text())
    declared = {name: tuple(sorted(s for s, v in (spec.get("slots") or {}).items() if v.get("required")))
                for name, spec in intents.items()}
    assert {k: v for k, v in declared.items() if v} == {k: tuple(sorted(v)) for k, v in REQUIRED.items()}


@pytest.mark.parametrize(("intent", "entities", "text"), [
    ("HassClimateSetTemperature", [("temperature", 2)], "make it two degrees cooler"),
    ("HassClimateSetTemperature", [("name", "Thermostat"), ("temperature", 3)], "raise the thermostat by 3 degrees"),
    ("HassClimateSetTemperature", [("name", "Thermostat"), ("temperature", 2)], "baja el termostato en 2 grados"),
    ("HassSetPosition", [("name", "Office Blinds"), ("position", 10)], "open the office blinds 10% more"),
    ("HassLightSet", [("name", "Kitchen Lights"), ("brightness", 20)], "sube la luz de la cocina un 20%"),
    ("HassLightSet", [("name", "Den Light"), ("brightness", 30)], "dim the den light by 30 percent"),
    ("HassSetVolume", [("name", "TV"), ("volume_level", 1)], "make the tv quieter"),  # no number said at all
    ("HassSetVolume", [("name", "TV"), ("volume_level", 1)], "pon la radio más baja"),  # was set to 1
    ("HassClimateSetTemperature", [("name", "Thermostat"), ("temperature", 100)], "pon la estufa más alta"),
    ("HassLightSet", [("name", "Den Light"), ("brightness", 1)], "deja la lámpara más tenue"),
    ("HassSetVolume", [("name", "TV"), ("volume_level", 1)], "set the radio lower"),
])
def test_a_value_said_as_a_change_is_not_set(intent, entities, text):
    """HA's setting intents take the value to set: the change's number alone would be set (2 degrees)."""
    assert undefined(intent, entities, text)


@pytest.mark.parametrize(("intent", "entities", "text"), [
    ("HassClimateSetTemperature", [("temperature", 22)], "sube la temperatura a 22 grados"),
    ("HassLightSet", [("brightness", 96)], "pon el brillo en 96%"),
    ("HassSetPosition", [("name", "Office Blinds"), ("position", 30)], "lower the office blinds to 30%"),
    ("HassSetVolumeRelative", [("volume_step", 10)], "turn the tv up by 10"),  # the change is this intent's
    ("HassLightSet", [("brightness", 80)], "make the lights a bit brighter, like eighty percent"),  # the value said
    ("HassLightSet", [("brightness", 10)], "ponga el brillo a lo más bajo"),  # HA's superlative, not "lower"
])
def test_a_value_to_set_is_set(intent, entities, text):
    assert not undefined(intent, entities, text)


def test_a_lights_value_in_percent_is_its_brightness():
    said = [("name", "Kitchen Lights"), ("temperature", 20)]
    assert percent_as_brightness("HassLightSet", said, "dim the kitchen lights to 20 percent") == \
        [("name", "Kitchen Lights"), ("brightness", 20)]
    kelvin = [("name", "Den Light"), ("temperature", 2700)]
    assert percent_as_brightness("HassLightSet", kelvin, "set the den light to 2700 kelvin") == kelvin
    # no light is 30 K: "luz del salón al 30" tagged as a colour temperature is a brightness too
    assert percent_as_brightness("HassLightSet", [("temperature", 30)], "luz del salón al 30") == [("brightness", 30)]


@pytest.mark.parametrize(("text", "tagged", "item"), [
    ("put eggs back on the list", "eggs", "eggs"),  # "back" is how, not what: it added "eggs back"
    ("add milk again to the shopping list", "milk", "milk"),
    ("add back pain cream to the shopping list", "pain cream", "back pain cream"),  # inside the item, it stays
    ("add two bottles of wine to the shopping list", "of wine", "two bottles of wine"),
])
def test_the_item_is_what_stands_between_the_verb_and_the_list(text, tagged, item):
    assert item_said("HassShoppingListAddItem", [("item", tagged)], text) == [("item", item)]


@pytest.mark.parametrize(("text", "changed"), [
    ("the volume on this tv goes to a hundred", False), ("tv volume", False),  # no way said: nothing to change
    ("tv louder", True), ("más volumen en la tele", True), ("menos volumen", True), ("turn the tv down", True),
    ("volume to max on the speaker", True),  # the most: players.py sets the level 100
])
def test_a_volume_change_needs_its_way(text, changed):
    """HassSetVolumeRelative with no step tagged: the way the sentence says (Wyoming takes it, players.py), or
    refused as incomplete; HA requires the step."""
    assert undefined("HassSetVolumeRelative", [("name", "TV")], text) is not changed
    assert not undefined("HassSetVolumeRelative", [("name", "TV"), ("volume_step", "up")], text)
