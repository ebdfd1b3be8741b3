"""The model's reading corrected by what the home has (edge_agent/home/retarget.py), only where the sentence
itself says which entity: a name said in another form, a device word with an area, the sibling intent for
the named entity's kind, the to-do list the sentence names."""

from __future__ import annotations

import pytest

from edge_agent.home.refusals import Refusal
from edge_agent.home.retarget import named_in_text, on_the_way, retarget, started
from edge_agent.home.slots import HomeDevice, HomeEntities
from edge_agent.home.targets import missing_integration, target

DEVICES = [HomeDevice("Smart Curtain", "cover", "Living Room", "curtain", "cover.smart_curtain"),
           HomeDevice("Irrigation Valve", "valve", "Front Yard", None, "valve.irrigation"),
           HomeDevice("Roborock", "vacuum", "Downstairs", None, "vacuum.roborock"),
           HomeDevice("Mowbot", "lawn_mower", "Garden", None, "lawn_mower.mowbot"),
           HomeDevice("Personal Tasks", "todo", None, None, "todo.personal_tasks"),
           HomeDevice("Kitchen Light", "light", "Kitchen", None, "light.kitchen"),
           HomeDevice("Kitchen Light Strip", "light", "Kitchen", None, "light.kitchen_strip"),
           HomeDevice("Front Lock", "lock", "Entry", None, "lock.front"),
           HomeDevice("Thermostat", "climate", "Entry", None, "climate.thermostat"),
           HomeDevice("Dishwasher", "switch", "Kitchen", None, "switch.dishwasher")]
HOME = HomeEntities(areas=["Living Room", "Front Yard", "Downstairs", "Garden", "Kitchen", "Entry"],
                    names=sorted({d.name for d in DEVICES}), devices=DEVICES, aliases={"names": {"cortina": "Smart Curtain"}})


@pytest.mark.parametrize(("intent", "entities", "text", "expected"), [
    # the home's name said in the sentence, plural or singular, where the model's name slot was a fragment
    ("HassTurnOff", [("name", "smart"), ("device_class", "curtain")], "close the smart curtains",
     ("HassTurnOff", [("name", "Smart Curtain")])),
    ("HassTurnOff", [("name", "la")], "cierra la cortina", ("HassTurnOff", [("name", "Smart Curtain")])),
    # a device word as the name, with an area: that area, that word's domain
    ("HassTurnOff", [("area", "Front Yard"), ("name", "valve")], "close the front yard valve",
     ("HassTurnOff", [("area", "Front Yard"), ("domain", "valve")])),
    # the sibling intent for the named entity's kind, same value
    ("HassLightSet", [("name", "Irrigation Valve")], "set the irrigation valve to 50%",
     ("HassSetPosition", [("name", "Irrigation Valve"), ("position", 50)])),
    ("HassLightSet", [("name", "Smart Curtain"), ("brightness", 30)], "smart curtain to 30",
     ("HassSetPosition", [("name", "Smart Curtain"), ("position", 30)])),
    ("HassSetPosition", [("name", "Kitchen Light"), ("position", 40)], "kitchen light to 40",
     ("HassLightSet", [("name", "Kitchen Light"), ("brightness", 40)])),
    ("HassFanSetSpeed", [("name", "Smart Curtain"), ("percentage", 20)], "set the smart curtain to 20 percent",
     ("HassSetPosition", [("name", "Smart Curtain"), ("position", 20)])),
    ("HassSetVolume", [("name", "Kitchen Light"), ("volume_level", 10)], "turn the kitchen light down to 10%",
     ("HassLightSet", [("name", "Kitchen Light"), ("brightness", 10)])),
    ("HassLawnMowerStartMowing", [("name", "Roborock")], "start roborock", ("HassVacuumStart", [("name", "Roborock")])),
    ("HassVacuumReturnToBase", [("name", "Mowbot")], "send mowbot home", ("HassLawnMowerDock", [("name", "Mowbot")])),
    # the list the sentence names, not the shopping list
    ("HassShoppingListAddItem", [("item", "chemistry essay")], "put the chemistry essay on personal tasks",
     ("HassListAddItem", [("item", "chemistry essay"), ("name", "Personal Tasks")])),
    # a percentage said with turning on or opening: the value, with the intent that kind takes
    ("HassTurnOn", [("name", "Kitchen Light")], "kitchen light at twenty percent please",
     ("HassLightSet", [("name", "Kitchen Light"), ("brightness", 20)])),
    ("HassTurnOff", [("name", "Smart Curtain")], "close the smart curtain halfway",
     ("HassSetPosition", [("name", "Smart Curtain"), ("position", 50)])),
    ("HassLightSet", [("name", "Kitchen Light")], "pon la luz al cuarenta por ciento",
     ("HassLightSet", [("name", "Kitchen Light"), ("brightness", 40)])),
    # ... but not turning a light off, nor a change by a percentage
    ("HassTurnOff", [("name", "Kitchen Light")], "turn off the kitchen light at 20 percent",
     ("HassTurnOff", [("name", "Kitchen Light")])),
    ("HassTurnOn", [("name", "Smart Curtain")], "open the smart curtain by 20%",
     ("HassTurnOn", [("name", "Smart Curtain")])),
    # a thermostat's number; "start" for a switch; the one thermostat of the home for "the heating"
    ("HassSetVolume", [("name", "Thermostat")], "change the thermostat to nineteen",
     ("HassClimateSetTemperature", [("name", "Thermostat"), ("temperature", 19)])),
    ("HassClimateSetTemperature", [("name", "heating"), ("temperature", 19)], "put the heating at nineteen",
     ("HassClimateSetTemperature", [("name", "Thermostat"), ("temperature", 19)])),
    ("HassLawnMowerStartMowing", [("name", "Dishwasher")], "start the dishwasher",
     ("HassTurnOn", [("name", "Dishwasher")])),
    # ... and "stop" for one: turned off (read as docking a machine); not without a word of stopping
    ("HassLawnMowerDock", [("name", "Dishwasher")], "stop the dishwasher", ("HassTurnOff", [("name", "Dishwasher")])),
    ("HassVacuumReturnToBase", [("name", "Dishwasher")], "para el lavavajillas", ("HassTurnOff", [("name", "Dishwasher")])),
    ("HassLawnMowerDock", [("name", "Dishwasher")], "dishwasher go home",
     ("HassLawnMowerDock", [("name", "Dishwasher")])),
    ("HassMediaPause", [("name", "Dishwasher")], "detén el lavavajillas", ("HassTurnOff", [("name", "Dishwasher")])),
    ("HassMediaPause", [("name", "Dishwasher")], "pause the dishwasher", ("HassMediaPause", [("name", "Dishwasher")])),
    # a temperature the tagger missed, with no thermostat named: HA takes the home's one
    ("HassClimateSetTemperature", [], "warm the place up to 22", ("HassClimateSetTemperature", [("temperature", 22)])),
    # a timer removed with no time said: cancelled; with a time, decreased as read
    ("HassDecreaseTimer", [], "quita el temporizador", ("HassCancelTimer", [])),
    ("HassDecreaseTimer", [], "kill the timer", ("HassCancelTimer", [])),
    ("HassDecreaseTimer", [("minutes", 5)], "quita cinco minutos al temporizador",
     ("HassDecreaseTimer", [("minutes", 5)])),
    # a domain slot that is the tagger's raw word: its domain, or none (the words' own is found later)
    ("HassTurnOn", [("domain", "locks")], "lock all the locks please", ("HassTurnOn", [("domain", "lock")])),
    ("HassTurnOff", [("domain", "doors")], "unlock all the doors", ("HassTurnOff", [])),
    # nothing said that settles it: unchanged
    ("HassTurnOn", [("name", "lamp")], "turn on the lamp", ("HassTurnOn", [("name", "lamp")])),
    ("HassShoppingListAddItem", [("item", "milk")], "add milk to the shopping list",
     ("HassShoppingListAddItem", [("item", "milk")])),
    ("HassVacuumStart", [("name", "Roborock")], "start roborock", ("HassVacuumStart", [("name", "Roborock")])),
])
def test_retarget(intent, entities, text, expected):
    assert retarget(intent, entities, HOME, text) == expected


def _slot(name: str, value: object, raw: str | None = None, score: float = 1.0) -> dict:
    return {"name": name, "value": value, "raw": raw or str(value), "match_score": score}


ROOMS = [HomeDevice("Living Room Curtains", "cover", "Living Room", None, "cover.lr_curtains"),
         HomeDevice("Office Blinds", "cover", "Office", None, "cover.office_blinds"),
         HomeDevice("Heater", "switch", "Bathroom", None, "switch.heater"),
         HomeDevice("Thermostat", "climate", "Hallway", None, "climate.thermostat")]
HALLWAY = HomeEntities(areas=["Hallway", "Living Room", "Office", "Bathroom"], names=[d.name for d in ROOMS],
                       devices=ROOMS)


@pytest.mark.parametrize(("intent", "slots", "text", "home", "expected"), [
    # how far, said in words, tagged as a target: never sent as one ("halfway" snapped to the Hallway)
    ("HassTurnOn", [_slot("name", "Living Room Curtains"), _slot("area", "Hallway", "halfway", 0.857)],
     "open the living room curtains halfway", HALLWAY,
     ("HassSetPosition", [("name", "Living Room Curtains"), ("position", 50)])),
    ("HassTurnOn", [_slot("name", "Office Blinds", "persianas de la oficina"), _slot("area", "todo")],
     "sube las persianas de la oficina del todo", HALLWAY, ("HassTurnOn", [("name", "Office Blinds")])),
    ("HassTurnOff", [_slot("name", "Smart Curtain"), _slot("name", "hasta"), _slot("area", "mitad")],
     "cierra la cortina hasta la mitad", HOME, ("HassSetPosition", [("name", "Smart Curtain"), ("position", 50)])),
    ("HassTurnOn", [_slot("name", "Kitchen Light"), _slot("name", "mitad")], "baja la luz de la cocina a la mitad",
     HOME, ("HassLightSet", [("name", "Kitchen Light"), ("brightness", 50)])),
    # ... but an area said whole stays
    ("HassTurnOn", [_slot("name", "Living Room Curtains"), _slot("area", "Hallway")],
     "open the living room curtains in the hallway halfway", HALLWAY,
     ("HassSetPosition", [("name", "Living Room Curtains"), ("area", "Hallway"), ("position", 50)])),
    # a temperature for a name snapped from part of it, no thermostat ("the heat" as the Heater switch): HA
    # takes its thermostat; the whole name said stays (and is refused: a switch has no temperature)
    ("HassClimateSetTemperature", [_slot("name", "Heater", "heat", 0.8), _slot("temperature", 68)],
     "set the heat to 68 degrees", HALLWAY, ("HassClimateSetTemperature", [("temperature", 68)])),
    ("HassClimateSetTemperature", [_slot("name", "Heater"), _slot("temperature", 68)],
     "set the heater to 68 degrees", HALLWAY, ("HassClimateSetTemperature", [("name", "Heater"), ("temperature", 68)])),
    # the whole home said as an area it does not list: no area
    ("HassClimateSetTemperature", [_slot("area", "house"), _slot("temperature", 20)], "make the house 20 degrees",
     HALLWAY, ("HassClimateSetTemperature", [("temperature", 20)])),
    ("HassClimateSetTemperature", [_slot("area", "casa"), _slot("temperature", 20)], "pon la casa a 20 grados",
     HALLWAY, ("HassClimateSetTemperature", [("temperature", 20)])),
])
def test_on_the_way(intent, slots, text, home, expected):
    assert on_the_way(intent, slots, text, home) == expected


def test_the_longest_name_said_wins_and_a_tie_settles_nothing():
    assert named_in_text("turn on the kitchen light strip", HOME) == "Kitchen Light Strip"
    twins = HomeEntities(names=["Desk Lamp", "Desk Fan"], devices=[HomeDevice("Desk Lamp", "light"),
                                                                    HomeDevice("Desk Fan", "fan")])
    assert named_in_text("desk lamp and desk fan", twins) is None
    assert named_in_text("turn on the porch", HOME) is None


def test_a_lock_is_reached_by_area_only_when_the_sentence_names_it():
    assert target("HassTurnOn", [("area", "Entry")], "lock the entry lock", HOME) == [("area", "Entry"), ("domain", "lock")]
    assert target("HassTurnOff", [("area", "Entry")], "please unlock the entry lock", HOME) == [("area", "Entry"), ("domain", "lock")]
    assert target("HassTurnOn", [("area", "Entry")], "lock the entry", HOME) == Refusal("which", {"area": "Entry"})
    assert target("HassTurnOff", [("area", "Entry")], "unlock the entry", HOME) == Refusal("which", {"area": "Entry"})


def test_an_intent_whose_integration_the_home_lacks_is_not_sent():
    """HA registers HassShoppingListAddItem, HassMediaPause, ... only with their integration: "Unknown
    intent" (spoken as an exception's text) otherwise."""
    assert missing_integration("HassShoppingListAddItem", HOME) == "todo.shopping_list"
    assert missing_integration("HassMediaPause", HOME) == "media_player"
    assert missing_integration("HassVacuumStart", HOME) is None
    assert missing_integration("HassTurnOn", HOME) is None
    refused = target("HassShoppingListAddItem", [("item", "milk")], "add milk to the shopping list", HOME)
    assert isinstance(refused, Refusal)
    assert refused.text("en") == "Sorry, there is no shopping list in your home"
    assert refused.text("es") == "Lo siento, no hay ninguna lista de la compra en tu casa"
    assert missing_integration("HassMediaPause", HomeEntities(names=["TV"])) is None  # no devices: cannot say


@pytest.mark.parametrize(("entities", "text", "expected"), [
    # no name, no area: HA would act on every entity of the domain ("turn off the light" turned off eight)
    ([("domain", "light")], "turn off the light", Refusal("which_one")),
    ([("domain", "light")], "turn off all the lights", [("domain", "light")]),
    ([], "apaga todas las luces", [("domain", "light")]),
    ([("domain", "lock")], "lock all the locks", Refusal("which_one")),
    ([("device_class", "blind")], "close all the blinds", [("device_class", "blind"), ("domain", "cover")]),
    ([], "close everything", Refusal("which_one")),
])
def test_an_action_with_no_name_and_no_area_needs_all_said(entities, text, expected):
    assert target("HassTurnOff", entities, text, HOME) == expected


def test_an_area_without_the_kind_of_device_asked_for_is_refused_in_has_words():
    """HA fails to match with an exception that its wyoming conversation speaks ("Error handling intent:
    <MatchFailedError …>"); its own agent says this."""
    refused = target("HassClimateGetTemperature", [("area", "Kitchen")], "how warm is it in the kitchen", HOME)
    assert isinstance(refused, Refusal)
    assert refused.text("en") == "Sorry, I am not aware of any climate in the Kitchen area"
    assert refused.text("es") == "Lo siento, no conozco ningún termostato en el área Kitchen"
    import home_assistant_intents
    import jinja2

    for lang in ("en", "es"):  # HA's own template, rendered
        for domain in ("climate", "fan", "media_player", "cover"):
            template = home_assistant_intents.get_intents(lang)["responses"]["errors"]["no_domain_in_area"]
            said = jinja2.Environment().from_string(template).render(domain=domain, area="Kitchen").strip()
            assert Refusal("no_domain_in_area", {"domain": domain, "area": "Kitchen"}).text(lang) == said
    assert target("HassTurnOn", [("area", "Kitchen"), ("domain", "fan")], "turn on the kitchen fan", HOME) \
        == Refusal("no_domain_in_area", {"domain": "fan", "area": "Kitchen"})
    assert target("HassTurnOn", [("area", "Kitchen"), ("domain", "light")], "turn on the kitchen light", HOME) \
        == [("area", "Kitchen"), ("domain", "light")]
    # a name, a device class or the domain the words imply, not in that area
    assert target("HassTurnOn", [("name", "Kitchen Light"), ("area", "Entry")], "kitchen light in the entry",
                  HOME) == Refusal("no_entity_in_area", {"entity": "Kitchen Light", "area": "Entry"})
    assert target("HassTurnOn", [("area", "Kitchen"), ("device_class", "blind")], "open the kitchen blinds",
                  HOME) == Refusal("no_device_class_in_area", {"device_class": "blind", "area": "Kitchen"})
    assert target("HassTurnOff", [("area", "Garden")], "turn off the lights in the garden", HOME) \
        == Refusal("no_domain_in_area", {"domain": "light", "area": "Garden"})
    for lang in ("en", "es"):
        errors = home_assistant_intents.get_intents(lang)["responses"]["errors"]
        for kind, values in (("no_entity_in_area", {"entity": "Lamp", "area": "Den"}),
                             ("no_device_class_in_area", {"device_class": "blind", "area": "Den"}),
                             ("no_device_class_in_area", {"device_class": "garage", "area": "Den"})):
            said = jinja2.Environment().from_string(errors[kind]).render(**values).strip()
            assert Refusal(kind, values).text(lang) == said


def test_everything_in_an_area_only_where_nothing_there_needs_its_name():
    home = HomeEntities(areas=["Basement", "Entry"], names=["Basement Light", "Front Lock"],
                        devices=[HomeDevice("Basement Light", "light", "Basement", None, "light.basement"),
                                 HomeDevice("Front Lock", "lock", "Entry", None, "lock.front")])
    assert target("HassTurnOff", [("area", "Basement")], "switch off everything in the basement", home) == \
        [("area", "Basement")]
    assert target("HassTurnOff", [("area", "Entry")], "turn off everything in the entry", home) == \
        Refusal("which", {"area": "Entry"})
    assert target("HassTurnOff", [("area", "Basement")], "turn off the basement", home) == \
        Refusal("which", {"area": "Basement"})
    # all of a kind the agent does not know is not everything ("all the radiators" would reach the light)
    assert target("HassTurnOff", [("area", "Basement")], "switch off all the radiators in the basement", home) == \
        Refusal("which", {"area": "Basement"})
    assert target("HassTurnOff", [("area", "Basement")], "apaga todo el sótano", home) == [("area", "Basement")]
    # nor where a blind or curtain is: HA closes a cover on HassTurnOff, opens it on HassTurnOn
    home.devices.append(HomeDevice("Basement Blind", "cover", "Basement", "blind", "cover.basement_blind"))
    assert target("HassTurnOff", [("area", "Basement")], "switch off everything in the basement", home) == \
        Refusal("which", {"area": "Basement"})


def test_a_colour_temperature_is_not_a_brightness():
    aimed = retarget("HassLightSet", [("name", "Kitchen Light"), ("temperature", 2700)], HOME,
                     "make the kitchen light warm white")
    assert aimed == ("HassLightSet", [("name", "Kitchen Light"), ("temperature", 2700)])


@pytest.mark.parametrize(("intent", "expected", "text"), [
    ("HassLawnMowerStartMowing", "HassVacuumStart", "start the vacuum"),
    ("HassLawnMowerDock", "HassVacuumReturnToBase", "send the vacuum back to base"),
    ("HassVacuumStart", "HassVacuumStart", "start the vacuum"),
])
def test_a_vacuum_never_gets_a_mowers_intent_in_a_home_without_a_mower(intent, expected, text):
    vacuum_only = HomeEntities(areas=["Downstairs"], names=["Roborock"], devices=[DEVICES[2]])
    assert retarget(intent, [], vacuum_only, text)[0] == expected
    assert retarget(intent, [], HOME, "please start cleaning")[0] == intent  # both kinds there: not guessed
    assert retarget(intent, [], vacuum_only, "mow the lawn")[0] == intent  # a mower asked for: not a vacuum
    assert retarget(intent, [], vacuum_only, "clean the lawn")[0] == intent  # both said: not guessed
    assert retarget(intent, [], vacuum_only, "stop the show")[0] == intent  # neither said


@pytest.mark.parametrize("text", ["please start cleaning", "empieza a limpiar"])
def test_the_work_only_a_vacuum_does_is_the_vacuums(text):
    """No machine named, but HA's <clean>, <limpiar>: the vacuum's, in a home with no mower; never the
    opposite of what the verbs say."""
    vacuum_only = HomeEntities(areas=["Downstairs"], names=["Roborock"], devices=[DEVICES[2]])
    assert retarget("HassLawnMowerStartMowing", [], vacuum_only, text)[0] == "HassVacuumStart"
    assert retarget("HassLawnMowerDock", [], vacuum_only, text)[0] == "HassLawnMowerDock"


def test_the_kind_said_names_the_one_machine_of_that_kind():
    """Both machines in the home, "the vacuum" said: its one vacuum, started; docking it is not what
    "start" asks (abstain.decide refuses that reading first)."""
    assert retarget("HassLawnMowerStartMowing", [], HOME, "start the vacuum") == ("HassVacuumStart", [("name", "Roborock")])
    assert retarget("HassLawnMowerDock", [], HOME, "start the vacuum")[0] == "HassLawnMowerDock"


@pytest.mark.parametrize(("text", "slots", "expected"), [
    # HA's start and clean verbs, the machine named, no room: the vacuum started
    ("have the robot vacuum clean up", [], "HassVacuumStart"),
    ("que el robot aspirador empiece a limpiar", [], "HassVacuumStart"),
    ("inicia la aspiradora", [], "HassVacuumStart"),
    ("pon en marcha el robot aspirador", [], "HassVacuumStart"), ("arranca la aspiradora", [], "HassVacuumStart"),
    ("get the vacuum going", [], "HassVacuumStart"),
    ("empieza a aspirar", [], "HassVacuumStart"),  # the vacuum's own work said: the machine
    # a room said (a slot, a room the home lists, "here"): the cleaning, with its area or refused for it
    ("clean the kitchen with the vacuum", [], "HassVacuumCleanArea"),
    ("start the vacuum in the kitchen", [{"name": "area", "value": "Kitchen"}], "HassVacuumCleanArea"),
    ("limpia aquí con la aspiradora", [], "HassVacuumCleanArea"),
    # no start verb (returning it is the opposite), no machine (windows), talk about vacuums
    ("vacuum, go home", [], "HassVacuumCleanArea"),
    ("hay que limpiar las ventanas", [], "HassVacuumCleanArea"),
    ("los anuncios de aspiradoras son pesados", [], "HassVacuumCleanArea"),
])
def test_a_vacuum_cleaning_no_room_is_started_only_when_start_is_said(text, slots, expected):
    assert started("HassVacuumCleanArea", slots, text, HOME) == expected
    assert started("HassVacuumReturnToBase", slots, text, HOME) == "HassVacuumReturnToBase"  # only the cleaning


@pytest.mark.parametrize(("intent", "entities", "text", "expected"), [
    # a kind said, no name, no room, in a home with one of that kind: that one
    ("HassTurnOn", [("domain", "switch")], "turn on the switch", ("HassTurnOn", [("domain", "switch"), ("name", "Dishwasher")])),
    ("HassTurnOff", [("domain", "light")], "turn off the light", ("HassTurnOff", [("domain", "light")])),  # two lights
    ("HassTurnOff", [("domain", "lock")], "unlock the lock", ("HassTurnOff", [("domain", "lock")])),  # never a lock by kind
    # a vacuum or mower turned on is started (HA has no turn_on for them); not where the verbs say the other way
    ("HassTurnOn", [("domain", "vacuum")], "turn on the vacuum",
     ("HassVacuumStart", [("domain", "vacuum"), ("name", "Roborock")])),
    ("HassTurnOn", [("name", "Mowbot")], "enciende mowbot", ("HassLawnMowerStartMowing", [("name", "Mowbot")])),
    ("HassTurnOn", [("name", "Roborock")], "stop roborock", ("HassTurnOn", [("name", "Roborock")])),
])
def test_the_one_of_its_kind_and_a_machine_turned_on(intent, entities, text, expected):
    assert retarget(intent, entities, HOME, text) == expected


def test_a_vacuum_or_mower_is_never_turned_on_or_off():
    """HA 2025.4's HassTurnOn / HassTurnOff fail on them: refused in the agent's words instead."""
    assert target("HassTurnOff", [("name", "Roborock")], "turn off roborock", HOME) == Refusal("cannot", {"entity": "Roborock"})
    assert target("HassTurnOn", [("name", "Mowbot")], "stop mowbot", HOME) == Refusal("cannot", {"entity": "Mowbot"})
    assert target("HassTurnOff", [("name", "Dishwasher")], "turn off the dishwasher", HOME) == [("name", "Dishwasher")]


def test_a_kind_is_named_only_where_the_words_imply_one():
    switch_and_fan = HomeEntities(names=["Desk Fan", "Desk Lamp"], devices=[HomeDevice("Desk Fan", "fan"),
                                                                         HomeDevice("Desk Lamp", "light")])
    assert retarget("HassTurnOn", [], switch_and_fan, "turn on the fan") == ("HassTurnOn", [("name", "Desk Fan")])
    assert retarget("HassTurnOn", [], switch_and_fan, "turn on the fan light") == ("HassTurnOn", [])


@pytest.mark.parametrize(("text", "domain"), [
    ("apaga todas las bombillas de la oficina", "light"), ("enciende los focos del patio", "light"),
    ("switch off the bulbs in the den", "light"), ("encienda todos los abanicos del baño", "fan"),
    ("shut the garage", "cover"), ("shut off the garage light", "light"),  # shut: closed, but shut off: off
])
def test_bulbs_and_abanicos_are_lights_and_fans(text, domain):
    """Read as everything in the area (no kind), "todos los abanicos del baño" turned on the bathroom's heater."""
    from edge_agent.home.targets import implied_domain
    assert implied_domain(text) == domain
