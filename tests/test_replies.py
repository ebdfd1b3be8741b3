"""What HA speaks for EdgeLM's intents: HA's own response templates (edge_agent/home/replies.py)."""

from __future__ import annotations

import json

import pytest

from edge_agent.home import replies
from edge_agent.home.replies import reply, response_key
from edge_agent.home.slots import HomeDevice, HomeEntities
from edgelm.ha_tables import RESPONSES, responses_table

HOME = HomeEntities(areas=["Kitchen", "Garage"], names=["Garage Door", "Kitchen Light", "Front Lock"],
                    devices=[HomeDevice("Garage Door", "cover", "Garage", "garage"),
                             HomeDevice("Kitchen Light", "light", "Kitchen"), HomeDevice("Front Lock", "lock")])


def test_the_committed_table_is_the_pinned_packages():
    assert json.loads(RESPONSES.read_text()) == json.loads(json.dumps(responses_table()))


@pytest.mark.parametrize(("intent", "entities", "language", "spoken"), [
    ("HassTurnOff", [("domain", "light"), ("area", "Kitchen")], "en", "Turned off the lights"),
    ("HassTurnOff", [("domain", "light"), ("area", "Kitchen")], "es", "Luces apagadas"),
    ("HassTurnOn", [("name", "Front Lock"), ("domain", "lock")], "en", "Locking"),
    ("HassTurnOff", [("name", "Garage Door")], "en", "Closing"),  # the home says it is a cover
    ("HassTurnOff", [("name", "Garage Door")], "es", "Garage Door se ha cerrado"),
    ("HassTurnOn", [("name", "Kitchen Light")], "en", "Turned on the light"),
    ("HassShoppingListAddItem", [("item", "oat milk")], "en", "Added oat milk"),
    ("HassStartTimer", [("minutes", 7)], "en", "Timer set for 7 minutes"),
    ("HassLightSet", [("name", "Kitchen Light"), ("brightness", 40)], "en", "Brightness set"),
    ("HassGetState", [("name", "Kitchen Light"), ("state", "on")], "en", "Sorry, I don't know"),
    ("HassGetState", [("name", "Kitchen Light")], "es", "Lo siento, no lo sé"),
    ("HassTurnOn", [("name", "Kitchen Light")], "de", "Turned on the light"),
])
def test_replies_are_ha_s_own_words(intent, entities, language, spoken):
    assert reply(intent, entities, language, HOME) == spoken


def test_every_intent_gets_words_in_both_languages():
    """Never empty, never 'None', never an exception's text, whatever the intent (a template that needs
    what only HA's handler knows, such as how many timers it cancelled, falls back to "Done"/"Hecho")."""
    samples = [("name", "Kitchen Light"), ("area", "Kitchen"), ("domain", "light"), ("item", "milk"), ("minutes", 5),
               ("brightness", 40), ("position", 40), ("temperature", 21), ("volume_level", 30),
               ("search_query", "jazz"), ("message", "hello")]
    rendered = fallback = 0
    for lang, intents in replies.responses().items():
        for intent in intents:
            text = reply(intent, samples, lang, HOME)
            assert text, (lang, intent)
            assert "None" not in text, (lang, intent, text)
            assert "Error" not in text, (lang, intent, text)
            fallback += text in replies.FALLBACK.values()
            rendered += text not in replies.FALLBACK.values()
    assert rendered > 3 * fallback  # most of HA's templates render from what the agent knows


def test_the_time_and_date_are_the_boards_own(monkeypatch):
    class Fixed(replies.datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 3, 18, 5)
    monkeypatch.setattr(replies.datetime, "datetime", Fixed)
    assert reply("HassGetCurrentTime", [], "en", HOME) == "6:05 PM"
    assert "diciembre" in reply("HassGetCurrentDate", [], "es", HOME)


def test_response_keys_follow_ha_s_sentences():
    keys = {k: "" for k in ("default", "cover", "cover_device_class", "lock", "lights_area", "lights_floor",
                            "light_all", "fans_area")}
    assert response_key("HassTurnOn", {"domain": "light", "floor": "Ground"}, keys) == "lights_floor"
    assert response_key("HassTurnOn", {"domain": "light"}, keys) == "light_all"
    assert response_key("HassTurnOn", {"domain": "cover", "device_class": "blind", "area": "x"}, keys) == \
        "cover_device_class"
    assert response_key("HassTurnOn", {"domain": "switch", "name": "x"}, keys) == "default"


def test_the_reply_language_comes_from_the_words_when_ha_sends_none():
    from edge_agent.home.language import guess_language

    said = {"apaga la lámpara de la cocina": "es", "pon un temporizador de 10 minutos": "es", "abre el garaje": "es",
            "enciende el ventilador": "es", "turn off the kitchen light": "en", "close the garage": "en",
            "set a timer for 5 minutes": "en", "Alexa": "en"}
    assert {text: guess_language(text) for text in said} == said


STATES_HOME = HomeEntities(
    areas=["Kitchen", "Hall"], names=["Kitchen Light", "Porch Light", "Front Lock", "Thermostat", "Home"],
    devices=[HomeDevice("Kitchen Light", "light", "Kitchen", None, "light.kitchen"),
             HomeDevice("Porch Light", "light", "Hall", None, "light.porch"),
             HomeDevice("Front Lock", "lock", "Hall", None, "lock.front"),
             HomeDevice("Thermostat", "climate", "Hall", None, "climate.thermostat"),
             HomeDevice("Home", "weather", None, None, "weather.home")])
NOW = {"light.kitchen": ("off", {}), "light.porch": ("on", {}), "lock.front": ("unlocked", {}),
       "climate.thermostat": ("heat", {"current_temperature": 20, "temperature": 21}),
       "weather.home": ("sunny", {"temperature": 18, "temperature_unit": "°C"})}


@pytest.mark.parametrize(("intent", "entities", "language", "text", "spoken"), [
    # the weather entity's condition and temperature, in HA's template for the language
    ("HassGetWeather", [], "en", "what's the weather like", "18 °C and sunny"),
    ("HassGetWeather", [], "es", "qué tiempo hace", "Sol, con una temperatura de 18 °C"),
    # which / how many / any, as HA's sentences pick them
    ("HassGetState", [("domain", "light"), ("state", "on")], "es", "qué luces están encendidas", "Porch Light"),
    ("HassGetState", [("domain", "light"), ("state", "on")], "en", "how many lights are on", "1"),
    ("HassGetState", [("domain", "light"), ("state", "on")], "en", "are any lights on", "Yes, Porch Light"),
    # a state in the reply's language; a thermostat asked about: its temperature, not "heat"
    ("HassGetState", [("name", "Front Lock")], "es", "está cerrada la cerradura",
     "El dispositivo Front lock está desbloqueado"),
    ("HassGetState", [("name", "Front Lock")], "en", "is the front lock locked", "Front lock is unlocked"),
    ("HassGetState", [("name", "Thermostat")], "en", "what is the thermostat set to", "20 degrees"),
])
def test_state_answers_speak_what_ha_has_now(intent, entities, language, text, spoken):
    def now(entity_id):
        state, attributes = NOW[entity_id]
        return {"state": state, "attributes": attributes}
    assert reply(intent, entities, language, STATES_HOME, now, text) == spoken
    assert reply(intent, entities, language, STATES_HOME, lambda _: None, text) in replies.UNKNOWN_STATE.values()
