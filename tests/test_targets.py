"""Aiming intents before Home Assistant sees them (edge_agent/home/targets.py): known names only, an
action on an area says its domain and never reaches locks or garage doors, a shared name gets the domain
the verb implies; refusals in HA's own words."""

from __future__ import annotations

import pytest

from edge_agent.home.refusals import HA_ERRORS, Refusal
from edge_agent.home.retarget import on_the_way
from edge_agent.home.slots import HomeDevice, HomeEntities
from edge_agent.home.targets import area_meant, implied_domain, lock_way_unsaid, target, unaimed
from edge_agent.inference.reading import cannot_send

HOME = HomeEntities(
    areas=["Kitchen", "Garage", "Hall"], floors=["Ground Floor"],
    names=["Garage Door", "Garage Lock", "Garage Light", "Kitchen Light", "Kitchen Blind", "Smart Lock", "Heater"],
    devices=[HomeDevice("Garage Door", "cover", "Garage", "garage"), HomeDevice("Garage Lock", "lock", "Garage"),
             HomeDevice("Garage Light", "light", "Garage"), HomeDevice("Kitchen Light", "light", "Kitchen"),
             HomeDevice("Kitchen Blind", "cover", "Kitchen", "blind"), HomeDevice("Smart Lock", "lock", "Hall"),
             HomeDevice("Smart Lock", "sensor", "Hall", "battery"), HomeDevice("Heater", "switch", "Hall"),
             HomeDevice("Heater", "climate", "Hall")])


@pytest.mark.parametrize(("intent", "entities", "text", "expected"), [
    # names, areas and floors must be the home's own
    ("HassTurnOn", [("name", "porch light")], "turn on the porch light", Refusal("no_entity", {"entity": "porch light"})),
    ("HassTurnOn", [("area", "bathroom"), ("domain", "light")], "turn on the bathroom light",
     Refusal("no_area", {"area": "bathroom"})),
    ("HassGetState", [("floor", "attic")], "is anything on in the attic", Refusal("no_floor", {"floor": "attic"})),
    # an area without a domain gets the one the words imply, or nothing is done
    ("HassTurnOff", [("area", "Kitchen")], "turn off the lights in the kitchen",
     [("area", "Kitchen"), ("domain", "light")]),
    ("HassTurnOn", [("area", "Garage")], "turn on the garage", Refusal("which", {"area": "Garage"})),
    # never a lock or a garage door by area: "close the garage" once unlocked the garage's door lock
    ("HassTurnOff", [("area", "Garage")], "close the garage", Refusal("which", {"area": "Garage"})),
    ("HassTurnOn", [("area", "Garage"), ("domain", "lock")], "lock the garage", Refusal("which", {"area": "Garage"})),
    ("HassTurnOn", [("area", "Garage")], "abre el garaje", Refusal("which", {"area": "Garage"})),
    ("HassTurnOn", [("floor", "Ground Floor"), ("domain", "cover")], "open everything downstairs",
     Refusal("which", {"area": "Ground Floor"})),
    # ... unless the sentence names the class; a room without such covers opens its blinds
    ("HassTurnOff", [("area", "Garage"), ("device_class", "garage")], "close the garage door",
     [("area", "Garage"), ("device_class", "garage"), ("domain", "cover")]),
    ("HassTurnOn", [("area", "Kitchen")], "open the kitchen blinds", [("area", "Kitchen"), ("domain", "cover")]),
    # a name two domains share goes with the domain the verb implies
    ("HassTurnOn", [("name", "Smart Lock")], "lock the smart lock", [("name", "Smart Lock"), ("domain", "lock")]),
    ("HassTurnOn", [("name", "Heater")], "turn on the heater", Refusal("ambiguous", {"entity": "Heater"})),
    ("HassTurnOn", [("name", "Garage Door")], "open the garage door", [("name", "Garage Door")]),
    # HassLightSet is lights whatever verb says it; not an action: passed as is
    ("HassLightSet", [("area", "Kitchen"), ("brightness", 30)], "baja la cocina al 30",
     [("area", "Kitchen"), ("brightness", 30), ("domain", "light")]),
    ("HassGetState", [("area", "Garage"), ("domain", "lock")], "is the garage locked",
     [("area", "Garage"), ("domain", "lock")]),
])
def test_targets(intent, entities, text, expected):
    assert target(intent, entities, text, HOME) == expected


def test_a_volume_step_is_a_media_players_only():
    """"Cierra la persiana a medias" read as a volume step once went to HA with the blind as its target."""
    home = HomeEntities(areas=["Kitchen"], floors=[], names=["Kitchen Blind", "Radio"],
                        devices=[HomeDevice("Kitchen Blind", "cover", "Kitchen"), HomeDevice("Radio", "media_player", "Kitchen")])
    text = "cierra la persiana de la cocina a medias"
    assert target("HassSetVolumeRelative", [("name", "Kitchen Blind")], text, home) == Refusal("cannot", {"entity": "Kitchen Blind"})
    assert target("HassSetVolumeRelative", [("name", "Radio")], "baja un poco la radio", home) == [("name", "Radio")]
    # so is a search played: "pon la cafetera a funcionar" was read as playing on the coffee maker
    assert target("HassMediaSearchAndPlay", [("name", "Kitchen Blind")], "pon la persiana a funcionar", home) == \
        Refusal("cannot", {"entity": "Kitchen Blind"})


def test_a_fan_mode_is_a_thermostats_only():
    """"Set the office fan to high" read as a thermostat's fan mode went to HA with the fan as its target."""
    home = HomeEntities(areas=["Office"], floors=[], names=["Office Fan", "Thermostat"],
                        devices=[HomeDevice("Office Fan", "fan", "Office"), HomeDevice("Thermostat", "climate", "Office")])
    assert target("HassClimateSetFanMode", [("name", "Office Fan"), ("fan_mode", "high")], "office fan to high", home) == \
        Refusal("cannot", {"entity": "Office Fan"})
    assert target("HassClimateSetFanMode", [("name", "Thermostat"), ("fan_mode", "high")], "thermostat fan to high",
                  home) == [("name", "Thermostat"), ("fan_mode", "high")]


def test_a_list_intent_takes_a_list_only():
    """"Check the garage door" read as checking an item off a list named "Garage Door" went to HA."""
    home = HomeEntities(areas=["Garage"], floors=[], names=["Garage Door", "Chores"],
                        devices=[HomeDevice("Garage Door", "cover", "Garage"), HomeDevice("Chores", "todo", None)])
    for intent in ("HassListCompleteItem", "HassListAddItem", "HassListRemoveItem"):
        assert target(intent, [("name", "Garage Door")], "check the garage door", home) == \
            Refusal("cannot", {"entity": "Garage Door"}), intent
        assert target(intent, [("item", "milk"), ("name", "Chores")], "milk on chores", home) == \
            [("item", "milk"), ("name", "Chores")], intent


def test_two_commands_in_one_sentence_are_asked_one_at_a_time():
    for text in ("switch on the kitchen light, then switch off the fan", "open the blinds and lock the door",
                 "enciende la luz de la cocina y apaga la del garaje", "abre la persiana y luego cierra la puerta",
                 "turn the lights on and off", "turn the tv off and on again",  # both ways: one would be left
                 "instead of opening the blinds, close them", "en vez de abrir la persiana ciérrala",  # one in place of another
                 "close the blinds no open them", "cierra la persiana no, ábrela",  # corrected as said
                 "kitchen light off, no wait, on", "persiana abierta, perdón, cerrada",  # by the state said
                 "turn on the kitchen light, I mean the garage light", "enciende la luz de la cocina, digo, la del garaje"):
        assert target("HassTurnOn", [("name", "Kitchen Light")], text, HOME) == Refusal("compound"), text
        assert target("HassTurnOn", [("name", "Kitchen Light")], text, HomeEntities()) == Refusal("compound"), text
    for text in ("turn on the kitchen light and the garage light", "set the kitchen blind and make it 40 percent",
                 "turn on the lights and the fan", "sorry, turn on the kitchen light", "no, turn on the kitchen light"):
        assert not isinstance(target("HassTurnOn", [("name", "Kitchen Light")], text, HOME), Refusal), text
    assert Refusal("compound").text("es") == "Lo siento, pídeme las cosas de una en una"


def test_without_a_home_file_nothing_is_checked():
    assert target("HassTurnOn", [("area", "Garage")], "open the garage", HomeEntities()) == [("area", "Garage")]


def test_an_action_without_a_name_needs_a_domain_said_or_implied():
    assert unaimed("HassTurnOn", {"area": "Hall"}, "I want to repaint the hall")
    assert unaimed("HassTurnOff", {}, "ojalá pudiera volar")
    assert not unaimed("HassTurnOff", {"area": "Hall"}, "turn off the hall lights")  # light, by its noun
    assert not unaimed("HassTurnOn", {"area": "Hall", "domain": "fan"}, "turn on the hall")
    assert not unaimed("HassTurnOn", {"name": "Porch"}, "turn on the porch")
    assert not unaimed("HassTurnOff", {"area": "Hall"}, "switch off everything in the hall")
    assert not unaimed("HassLightSet", {"area": "Hall", "brightness": 20}, "the hall to 20%")
    assert unaimed("HassGetState", {}, "why is the sky blue")  # a question about nothing
    assert not unaimed("HassGetState", {"state": "on"}, "how many switches are on")  # a kind the tagger missed
    assert not unaimed("HassGetState", {"area": "Hall"}, "is anything on in the hall")


def test_implied_domains_in_english_and_spanish():
    said = {"unlock the door": "lock", "cierra con llave": "lock", "sube la persiana": "cover",
            "close the curtains": "cover", "enciende las luces": "light", "start the vacuum": "vacuum",
            "turn on the fan": "fan", "turn off the music": "media_player", "apaga la tele": "media_player",
            "turn on the garage": None}
    assert {text: implied_domain(text) for text in said} == said


def test_refusals_speak_the_sentence_language():
    assert Refusal("no_area", {"area": "baño"}).text("es") == "Lo siento, no conozco ningún área llamada baño"
    assert Refusal("which", {"area": "Garage"}).text("de") == "Which device in the Garage? Please name it"


def test_ha_error_phrases_are_home_assistants_own():
    """The table is copied from home-assistant-intents (`responses.errors`): check it against the package."""
    import home_assistant_intents

    for lang, phrases in HA_ERRORS.items():
        errors = home_assistant_intents.get_intents(lang)["responses"]["errors"]
        for kind, text in phrases.items():
            template = errors[kind].replace(" | lower", "").replace("{{ ", "{").replace(" }}", "}")
            assert text == template, (lang, kind)


BEDROOMS = HomeEntities(
    areas=["Bedroom 1", "Bedroom 2", "Kitchen", "Living Room", "Dining Room"], names=["Ceiling Fan", "Bedroom 1 Light", "Bedroom 2 Light"],
    devices=[HomeDevice("Ceiling Fan", "fan", "Bedroom 1"), HomeDevice("Bedroom 1 Light", "light", "Bedroom 1"),
             HomeDevice("Bedroom 2 Light", "light", "Bedroom 2"), HomeDevice("Kitchen Light", "light", "Kitchen"),
             HomeDevice("Living Room Fan", "fan", "Living Room"), HomeDevice("Dining Room Light", "light", "Dining Room")])


@pytest.mark.parametrize(("intent", "entities", "text", "expected"), [
    # "the bedroom" names two areas: the only one holding what was asked for is meant
    ("HassTurnOn", [("area", "bedroom")], "switch the bedroom fan on", [("area", "Bedroom 1"), ("domain", "fan")]),
    ("HassGetState", [("area", "bedroom"), ("domain", "fan")], "is the bedroom fan running",
     [("area", "Bedroom 1"), ("domain", "fan")]),
    ("HassTurnOn", [("area", "dormitorio")], "enciende el ventilador del dormitorio",
     Refusal("no_area", {"area": "dormitorio"})),  # no area is called that: nothing to choose from
    # both hold a light, or nothing tells them apart, or neither has a fan: refused as before
    ("HassTurnOff", [("area", "bedroom"), ("domain", "light")], "turn off the bedroom light",
     Refusal("no_area", {"area": "bedroom"})),
    ("HassTurnOn", [("area", "bedroom")], "turn on the bedroom", Refusal("no_area", {"area": "bedroom"})),
    ("HassTurnOn", [("area", "kitchen 2")], "switch kitchen 2's fan on", Refusal("no_area", {"area": "kitchen 2"})),
    ("HassTurnOn", [("area", "room")], "room fan on please", Refusal("no_area", {"area": "room"})),
    ("HassGetState", [("name", "Ceiling Fan"), ("area", "the")], "is the ceiling fan on",
     Refusal("no_area", {"area": "the"})),  # no area said: not every area's
])
def test_an_area_said_for_two_is_the_one_holding_what_was_asked(intent, entities, text, expected):
    assert target(intent, area_meant(intent, entities, text, BEDROOMS), text, BEDROOMS) == expected


def test_every_front_hears_the_bedroom_holding_the_fan():
    """The reading's way to HA (retarget.on_the_way) picks the area, so the MQTT reply and the Wyoming intent
    agree: HA could carry it out (no `unknown_target`) and it is aimed at Bedroom 1."""
    text = "switch the bedroom fan on"
    start = text.index("bedroom")
    slots = [{"name": "area", "value": "bedroom", "raw": "bedroom", "start": start, "end": start + 7}]
    assert cannot_send("HassTurnOn", slots, text, BEDROOMS) is None
    assert on_the_way("HassTurnOn", slots, text, BEDROOMS) == ("HassTurnOn", [("area", "Bedroom 1")])
    lights = "switch the bedroom light on"
    assert cannot_send("HassTurnOn", slots, lights,
                       BEDROOMS) == "unknown_target"


@pytest.mark.parametrize(("intent", "entities", "text", "unsaid"), [
    # locked or unlocked only on a lock's own words: "open" / "close" a door is neither in English
    ("HassTurnOn", [("name", "Smart Lock")], "open the smart lock", True),  # HassTurnOn would lock it
    ("HassTurnOff", [("name", "Garage Lock")], "close the garage lock", True),  # HassTurnOff would unlock it
    ("HassTurnOn", [("name", "Garage Lock")], "unlock the garage lock", True),
    ("HassTurnOn", [("domain", "lock"), ("area", "Hall")], "shut everything in the hall", True),
    ("HassTurnOn", [("name", "Smart Lock")], "lock the smart lock", False),
    ("HassTurnOn", [("name", "Smart Lock")], "please bolt the smart lock", False),
    ("HassTurnOff", [("name", "Smart Lock")], "unlock the smart lock", False),
    ("HassTurnOn", [("name", "Smart Lock")], "cierra con llave la cerradura inteligente", False),
    ("HassTurnOff", [("name", "Smart Lock")], "abre la cerradura inteligente", False),  # HA's own es unlocking
    ("HassTurnOn", [("name", "Smart Lock")], "abre la cerradura inteligente", True),
    ("HassTurnOff", [("name", "Smart Lock")], "desbloquea la cerradura inteligente", False),
    ("HassTurnOff", [("name", "Smart Lock")], "bloquea la cerradura inteligente", True),
    # not a lock, or not turning it
    ("HassTurnOn", [("name", "Garage Door")], "open the garage door", False),
    ("HassGetState", [("name", "Smart Lock")], "is the smart lock open", False),
])
def test_a_lock_turns_only_on_its_own_words(intent, entities, text, unsaid):
    assert lock_way_unsaid(intent, entities, text, HOME) is unsaid


@pytest.mark.parametrize(("intent", "slots", "text"), [
    ("HassTurnOff", {"domain": "light"}, "turn off half the lights"),
    ("HassTurnOff", {"domain": "light", "area": "Den"}, "switch off some of the lights in the den"),
    ("HassTurnOn", {"name": "Den Lamps"}, "turn on one of the den lamps"),
    ("HassTurnOff", {"name": "Den Lamps"}, "apaga algunas lámparas del estudio"),
    ("HassTurnOn", {"name": "Den Lamps"}, "enciende una de las lámparas del estudio"),
])
def test_a_part_of_the_lights_is_not_aimed_as_all_of_them(intent, slots, text):
    assert unaimed(intent, slots, text)  # HA would turn every one


@pytest.mark.parametrize("text", ["turn off the den lamps", "pon el termostato a unos 20 grados"])
def test_the_whole_kind_or_an_approximate_value_is_aimed(text):
    assert not unaimed("HassTurnOff", {"name": "Den Lamps"}, text)
