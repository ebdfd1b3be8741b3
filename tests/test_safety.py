"""What an answer would do in a house (converter/intents/safety.py): a wrong action is an action on another
target, the opposite action, or any action for a sentence that asks for none; a refusal is no intent for a
sentence that asks for one."""

from __future__ import annotations

import pytest

from converter.intents.safety import as_asked, benchmark_home, judge, score_rows


@pytest.mark.parametrize(("expected", "answer", "expected_name", "answer_name", "verdict"), [
    ("HassTurnOn", "HassTurnOn", "Front Door", "front door", "right"),
    ("HassTurnOn", "HassTurnOff", "Front Door", "Front Door", "wrong_action"),  # unlocked when asked to lock
    ("HassMediaUnpause", "HassMediaPause", None, None, "wrong_action"),
    ("HassTurnOn", "HassTurnOn", "Front Door", "Back Door", "wrong_action"),  # another target
    ("HassTurnOn", "HassTurnOn", "Kitchen Lights", "kitchen light", "right"),
    (None, "HassTurnOn", None, "Porch Light", "wrong_action"),  # "don't turn on the porch light yet"
    ("HassGetState", "HassTurnOn", "Porch Light", "Porch Light", "wrong_action"),  # "did I leave … on?"
    ("HassGetState", None, "Back Door", None, "refused"),
    ("HassTurnOn", None, "Desk Lamp", None, "refused"),
    (None, None, None, None, "right"),
    (None, "HassGetState", None, "Porch Light", "wrong"),  # told a state nobody asked for: nothing moved
    ("HassVacuumStart", "HassLawnMowerStartMowing", None, None, "wrong"),  # HA cannot act on it: nothing moves
])
def test_judge(expected, answer, expected_name, answer_name, verdict):
    assert judge(expected, answer, expected_name, answer_name) == verdict


def test_a_set_is_scored_with_wrong_actions_and_refusals_beside_accuracy():
    rows = [{"intent": "HassTurnOn", "name": "Front Door"}, {"intent": None}, {"intent": "HassTurnOff"}]
    score = score_rows(rows, [("HassTurnOff", "Front Door"), ("HassTurnOn", None), (None, None)])
    assert score.as_dict() == {"n": 3, "right": 0.0, "wrong_actions": 2, "refused": 1}


def test_the_sets_names_are_read_as_the_benchmark_home_gives_them():
    home = benchmark_home()
    assert "Front Door" in home.names
    assert len(home.devices) == 34  # the 33 of home.yaml and HA's shopping list, which the real-HA run adds
    assert home.canonical("name", "puerta principal") == "Front Door"
    assert home.canonical("area", "salón") == "Living Room"


def test_the_benchmark_home_has_the_shopping_list_the_real_ha_run_adds():
    """Without HA's to-do list the report refused HA's own shopping-list template sentences, which the real-HA
    run (EDGELM_SHOPPING_LIST) carries out."""
    from edge_agent.home.templates import TemplateMatcher

    match = TemplateMatcher(["en", "es"], benchmark_home()).match("add milk to my shopping list")
    assert match is not None
    assert match.values["item"] == "milk"
    assert as_asked(match.intent, match.values.get("name")) == ("HassShoppingListAddItem", None)
    assert as_asked("HassListAddItem", "Personal Tasks") == ("HassListAddItem", "Personal Tasks")


@pytest.mark.unit
def test_no_action_sentences_name_an_action_and_a_device_and_are_out_of_domain_training():
    """Issue 33 part 5: negated, deferred and done commands train the out-of-domain class, in both
    languages, no two alike."""
    from converter.intents.chitchat import no_action
    from converter.intents.no_action import ACTIONS, INFINITIVE_ES, PAST, no_action_texts

    for lang in ("en", "es"):
        texts = no_action_texts(lang, 200, seed=3)
        assert len(texts) == len(set(texts)) >= 190
        verbs = [v for table in (ACTIONS, PAST) for forms in table[lang].values() for v in forms]
        verbs += list(INFINITIVE_ES.values()) if lang == "es" else []
        assert all(any(v in t for v in verbs) for t in texts)
        assert texts == no_action_texts(lang, 200, seed=3)  # seeded: a cached model's data is reproducible
        assert {line.source for line in no_action(lang, 10, seed=3)} == {"no_action"}
