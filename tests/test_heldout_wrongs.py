"""The held-out wrong-action report (benchmarks/heldout_wrongs.py) judges as the sets do and tells the kinds
apart; in the benchmark home a name said in Spanish is the home's own name it aliases, not another target;
and the agent never sends a device of the home for one it lacks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from heldout_wrongs import Case, home_name, verdict  # noqa: E402

from converter.intents.safety import benchmark_home  # noqa: E402


@pytest.mark.parametrize(("gold", "name", "intent", "sent", "expected"), [
    (None, None, None, None, "right"),  # chat left alone
    (None, None, "HassListAddItem", None, "wrong_action: for no action"),
    ("HassGetState", "Porch Light", "HassTurnOn", "Porch Light", "wrong_action: for no action"),
    ("HassTurnOn", "Front Door", "HassTurnOff", "Front Door", "wrong_action: opposite"),
    ("HassTurnOn", "kitchen light", "HassTurnOn", "Bedroom Lamp", "wrong_action: another target"),
    ("HassTurnOn", "kitchen light", "HassTurnOn", "Kitchen Lights", "right"),
    ("HassTurnOn", "kitchen light", None, None, "refused"),
    ("HassLightSet", "kitchen light", "HassTurnOn", "kitchen light", "wrong"),  # another intent, counted apart
])
def test_verdict_without_a_home(gold, name, intent, sent, expected):
    assert verdict(Case("…", "en", gold, name), intent, sent) == expected


def test_a_spanish_name_is_the_home_name_it_aliases():
    home = benchmark_home()
    assert home_name("la puerta principal", home) == "Front Door"
    case = Case("abre la puerta principal", "es", "HassTurnOn", "la puerta principal")
    assert verdict(case, "HassTurnOn", "Front Door", home) == "right"
    assert verdict(case, "HassTurnOn", "Front Door") == "wrong_action: another target"  # no home: words differ
    assert verdict(case, "HassTurnOn", "Garage Door", home) == "wrong_action: another target"


def test_a_name_the_agent_snapped_to_another_device_is_another_target():
    """The judge does not share the agent's fuzzy snap: "bedroom fan" is no name in the home, and the snap
    reads it as the Bedroom Lamp; sending that is another target. An article or case is no difference."""
    home = benchmark_home()
    assert home_name("The Porch Light", home) == "Porch Light"
    assert home_name("la luz del porche", home) == "Porch Light"
    case = Case("turn on the bedroom fan", "en", "HassTurnOn", "bedroom fan")
    assert verdict(case, "HassTurnOn", "Bedroom Lamp", home) == "wrong_action: another target"


@pytest.mark.parametrize(("text", "lang"), [
    ("abre la puerta del jardín", "es"),  # snapped onto "puerta del garaje" (0.76): opened the Garage Door
    ("cierra la puerta del ático", "es"),  # onto "puerta de atrás": closed the Back Door
    ("enciende la luz del ático", "es"),  # onto "luz del baño": lit the bathroom
    ("apaga la luz del jardín", "es"),
])
def test_a_device_the_home_does_not_have_is_never_another_rooms(text, lang):
    """The shipped model and the agent's reading in the benchmark home (no garden or attic): a room's
    device the home lacks is refused or left to its room, never snapped onto another room's device."""
    from heldout_wrongs import _answer

    from edge_agent.inference.abstain import opposite_margin
    from edge_agent.inference.model import load_model
    from edgelm.home_model import HOME_BUNDLE

    model = load_model(HOME_BUNDLE)
    home = benchmark_home()
    home.templates_first = True
    margin = opposite_margin(model.manifest.name, model.manifest.version, model.manifest.thresholds)
    intent, name = _answer(Case(text, lang, "HassTurnOn", None), model.classifier.with_home(home),
                           model.manifest.thresholds.get("ood"), margin, home)
    assert name is None, (intent, name)
