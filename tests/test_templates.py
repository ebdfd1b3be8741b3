"""Home Assistant's own templates answer before the model (issue 33, part 4): a template-exact sentence gets
HA's reading with the home's names, everything else the model's; HA's domain rules hold ("lock" only for
locks), and the agent tells which answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.home.slots import HomeDevice, HomeEntities
from edge_agent.home.templates import TemplateMatcher
from edge_agent.inference.model import load_model
from edgelm.home_model import HOME_BUNDLE


def _home(templates_first: bool = True) -> HomeEntities:
    devices = [HomeDevice("Front Door", "lock", "Hallway"), HomeDevice("Porch Light", "light", "Porch"),
               HomeDevice("Shopping List", "todo"), HomeDevice("Living Room Lamp", "light", "Living Room"),
               HomeDevice("Kitchen Light", "light", "Kitchen"), HomeDevice("Garage Light", "light", "Garage"),
               HomeDevice("Kitchen Speaker", "media_player", "Kitchen")]
    return HomeEntities(areas=["Kitchen", "Hallway", "Porch", "Living Room", "Garage"], names=[d.name for d in devices],
                        devices=devices, aliases={"names": {"la puerta principal": "Front Door"},
                                                  "areas": {"cocina": "Kitchen"}},
                        templates_first=templates_first)


@pytest.fixture(scope="module")
def matcher():
    return TemplateMatcher(["en", "es"], _home())


@pytest.mark.unit
def test_template_sentences_read_as_home_assistant_reads_them(matcher):
    text = "turn on the lights in the kitchen"
    match = matcher.match(text)
    assert match is not None
    assert (match.intent, match.lang) == ("HassTurnOn", "en")
    assert [(name, text[start:end]) for name, start, end in match.spans] == [("area", "kitchen")]
    assert match.values["domain"] == "light"
    assert matcher.match("lock the front door").intent == "HassTurnOn"  # HA locks with HassTurnOn on a lock
    spanish = matcher.match("apaga las luces de la cocina")
    assert spanish is not None
    assert (spanish.intent, spanish.lang) == ("HassTurnOff", "es")
    todo = matcher.match("add milk to the shopping list")
    assert todo is not None
    assert todo.intent == "HassListAddItem"
    assert todo.values["item"] == "milk"


@pytest.mark.unit
def test_templates_that_take_the_satellites_area_match_with_the_area_left_open(matcher):
    """HA fills their area from the satellite spoken to; none here, so the area stays open, and only for
    intents where that asks nothing of the wrong device."""
    for text, intent in (("pista anterior", "HassMediaPrevious"), ("pause the music", "HassMediaPause"),
                         ("baja el volumen", "HassSetVolumeRelative")):
        match = matcher.match(text)
        assert match is not None, text
        assert match.intent == intent
        assert "area" not in match.values
    # "pon …" is also "play …": a search for any words is never taken from a template without its area
    assert matcher.match("pon el ventilador del techo") is None
    # "turn on the lights" takes the satellite's area too: with it open, it would mean every light
    assert matcher.match("turn on the lights") is None
    # ... nor with it, where the words searched for say a device: "pon las luces de la cocina" played "las luces"
    assert matcher.match("pon las luces de la cocina") is None
    music = matcher.match("pon música relajante en la cocina")  # what to play, said: HA's reading stands
    assert music is not None
    assert music.intent == "HassMediaSearchAndPlay"


@pytest.mark.unit
def test_anything_not_template_exact_is_left_to_the_model(matcher):
    for text in ["lock the porch light",  # a lock template needs a lock: HA's requires_context
                 "open the garage door",  # HA reads area Garage + class garage: no such cover there
                 "don't turn on the porch light yet", "turn on the garden sprinkler",  # no such name
                 "who is the president of france", "I left the porch light on yesterday", "", "   ", "\x00"]:
        assert matcher.match(text) is None, text
    assert matcher.match("what time is it", known_intents={"HassTurnOn"}) is None  # not a label of the model


@pytest.mark.integration
def test_classifier_answers_templates_first_and_the_rest_from_the_model():
    model = load_model(HOME_BUNDLE)
    assert model.classifier is not None
    classifier = model.classifier.with_home(_home())
    exact, free = classifier.predict(["turn off the porch light", "could you kill the lights on the porch"])
    assert (exact.source, exact.label, exact.confidence) == ("template", "HassTurnOff", 1.0)
    assert exact.probabilities.sum() == 1.0
    assert [(s["name"], s["value"], s["raw"]) for s in exact.slots] == [("name", "Porch Light", "porch light")]
    assert free.source == "model"
    off = model.classifier.with_home(_home(templates_first=False)).predict(["turn off the porch light"])[0]
    assert off.source == "model"
    assert off.label == "HassTurnOff"


@pytest.mark.integration
def test_the_answer_says_a_template_matched_and_home_templates_false_turns_it_off(broker):
    """Over MQTT (Hermes and Wyoming read the same answers): `source: "template"` on a template-exact
    sentence, absent on the model's; the agent config's `home_templates = false` leaves every sentence to
    the model."""
    from mqtt_helpers import running_agent

    from edge_agent.client import EdgeClient

    home = str(Path(__file__).parent / "data" / "targets-home.json")
    exact, free = "turn off the lights in the kitchen", "could you kill the kitchen lights"
    with running_agent(HOME_BUNDLE, broker, "tpl-on", home_file=home), EdgeClient(broker.url) as client:
        on = [client.request(text, device="tpl-on", timeout=10) for text in (exact, free)]
    with running_agent(HOME_BUNDLE, broker, "tpl-off", home_file=home, home_templates=False), \
            EdgeClient(broker.url) as client:
        off = client.request(exact, device="tpl-off", timeout=10)
    assert on[0]["source"] == "template"
    assert on[0]["intent"] == {"name": "HassTurnOff", "confidence": 1.0}
    assert "source" not in on[1]
    assert on[1]["intent"]["name"] == "HassTurnOff"
    assert "source" not in off
    assert off["intent"]["name"] == "HassTurnOff"
