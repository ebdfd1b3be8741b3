"""Only intents the user's Home Assistant handles (edge_agent/home/releases.py, ha_releases.json)."""

from __future__ import annotations

import json

from edge_agent.home import releases
from edge_agent.home.ha_schema import HA_SLOTS
from edge_agent.home.releases import cannot_yet, known_intents, version_key


def test_an_older_home_assistant_gets_only_the_intents_it_knows():
    old = known_intents("2025.4.4")
    assert old is not None
    assert "HassTurnOn" in old
    for newer in ("HassVacuumCleanArea", "HassFanSetSpeed", "HassSetVolumeRelative", "HassShoppingListCompleteItem",
                  "HassLawnMowerStartMowing"):  # what HA 2025.4.4 answered "Unknown intent"
        assert newer not in old
    assert known_intents("2025.9.1") == old  # between two releases: the older one's list
    newer = known_intents("2026.2.3")  # its home-assistant-intents 2026.1.28 knows more, not everything
    assert newer is not None
    assert {"HassFanSetSpeed", "HassSetVolumeRelative", "HassShoppingListCompleteItem"} <= newer - old
    assert "HassVacuumCleanArea" not in newer
    assert known_intents("2026.5.0") == newer
    assert known_intents("2024.12.0") == old  # older than every release: the oldest list there is
    assert known_intents("2027.1.0") is None  # the model's own release or newer: everything
    assert known_intents(None) is None
    assert known_intents("dev") is None


def test_the_table_is_whole():
    """Each release names the home-assistant-intents it pins and only intents the model knows; the current
    pin is the one the shipped model and HA_SLOTS come from (pyproject's `intents` extra)."""
    table = json.loads(releases.TABLE.read_text())
    assert table["releases"]
    for version, release in table["releases"].items():
        assert version_key(version) < version_key(table["current"]["from_home_assistant"])
        assert release["intents"] == sorted(set(release["intents"]))
        assert set(release["intents"]) <= set(HA_SLOTS), version
        assert version_key(release["home_assistant_intents"]) < version_key(table["current"]["home_assistant_intents"])
    pinned = (releases.TABLE.parents[2] / "pyproject.toml").read_text()
    assert f'home-assistant-intents=={table["current"]["home_assistant_intents"]}' in pinned


def test_the_reason_is_spoken_in_the_language():
    assert cannot_yet("HassVacuumCleanArea", "en") == "Sorry, your Home Assistant cannot clean one room yet"
    assert cannot_yet("HassFanSetSpeed", "es") == ("Lo siento, tu Home Assistant todavía no puede cambiar la "
                                                    "velocidad de un ventilador")
    assert cannot_yet("HassSomethingNew", "fr") == "Sorry, your Home Assistant cannot do that yet"


def test_timers_start_only_where_has_wyoming_conversation_may_give_a_device():
    from edge_agent.home.releases import starts_timers

    assert not starts_timers("2025.4.4")
    assert not starts_timers("2026.2.3")
    assert starts_timers("2026.12.0")
    assert starts_timers(None)  # no version known: nothing is checked
