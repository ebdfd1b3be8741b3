"""Which media player a media intent reaches (edge_agent/home/players.py), with HA's states: a player the
sentence names, a volume with several playing asked which, "volume at twenty" as a level, and a relative
change as HassSetVolume for an HA without HassSetVolumeRelative."""

from __future__ import annotations

import pytest

from edge_agent.home.players import aim_player
from edge_agent.home.refusals import Refusal
from edge_agent.home.said import degrees_said, number_said, percent_said
from edge_agent.home.slots import HomeDevice, HomeEntities

DEVICES = [HomeDevice("TV", "media_player", "Living Room", None, "media_player.tv"),
           HomeDevice("Speaker", "media_player", "Kitchen", None, "media_player.speaker")]
HOME = HomeEntities(areas=["Living Room", "Kitchen"], names=["TV", "Speaker"], devices=DEVICES,
                    aliases={"names": {"tele": "TV"}})
OLD_HA = frozenset({"HassSetVolume", "HassMediaPause"})  # no HassSetVolumeRelative


def states(tv: str, speaker: str):
    now = {"media_player.tv": {"state": tv, "attributes": {"volume_level": 0.3}},
           "media_player.speaker": {"state": speaker, "attributes": {"volume_level": 0.55}}}
    return now.get


@pytest.mark.parametrize(("intent", "entities", "text", "tv", "expected"), [
    ("HassMediaPause", [], "pausa la tele", "playing", ("HassMediaPause", [("name", "TV")])),
    ("HassSetVolume", [("volume_level", 0)], "set the volume to 0%", "playing", Refusal("which_one")),
    ("HassSetVolume", [("volume_level", 0)], "set the volume to 0%", "idle", ("HassSetVolume", [("volume_level", 0)])),
    ("HassSetVolumeRelative", [("volume_step", 20)], "volume at twenty please", "idle",
     ("HassSetVolume", [("volume_level", 20)])),
    # HA's relative handler on the one player playing, HA's own step of 10 from its level now
    ("HassSetVolumeRelative", [], "can you make it louder", "idle",
     ("HassSetVolume", [("name", "Speaker"), ("volume_level", 65)])),
    ("HassSetVolumeRelative", [], "baja un poco la música", "idle",
     ("HassSetVolume", [("name", "Speaker"), ("volume_level", 45)])),
    ("HassSetVolumeRelative", [("volume_step", "up")], "turn up the tv", "idle",
     ("HassSetVolume", [("name", "TV"), ("volume_level", 40)])),
    # two playing and none named: not guessed; HA's relative intent would reach both
    ("HassSetVolumeRelative", [("volume_step", "down")], "turn it down", "playing",
     ("HassSetVolumeRelative", [("volume_step", "down")])),
])
def test_aim_player_on_an_ha_without_relative_volume(intent, entities, text, tv, expected):
    assert aim_player(intent, entities, text, HOME, states(tv, "playing"), OLD_HA) == expected


def test_a_relative_change_stays_one_where_ha_has_the_intent():
    aimed = aim_player("HassSetVolumeRelative", [], "quieter please", HOME, states("idle", "playing"), None)
    assert aimed == ("HassSetVolumeRelative", [("volume_step", "down")])


def test_the_most_or_half_a_volume_is_a_level():
    """"TV volume to max" was one step up; "tv volume at half" a step of 0, then the level 0 (silence)."""
    assert aim_player("HassSetVolumeRelative", [("name", "TV")], "tv volume to max", HOME, None, None) == \
        ("HassSetVolume", [("name", "TV"), ("volume_level", 100)])
    assert aim_player("HassSetVolumeRelative", [("name", "TV")], "volumen de la tele al máximo", HOME, None, None) == \
        ("HassSetVolume", [("name", "TV"), ("volume_level", 100)])
    from edge_agent.home.ha_schema import ha_value
    assert ha_value("volume_step", 0.5) == (50, None)


def test_a_level_not_known_now_is_not_made_up():
    gone = aim_player("HassSetVolumeRelative", [("volume_step", "up")], "louder", HOME, lambda _: None, OLD_HA)
    assert gone == ("HassSetVolumeRelative", [("volume_step", "up")])


@pytest.mark.parametrize(("text", "halfway", "expected"), [
    ("bedroom lights at twenty percent please", False, 20), ("al cuarenta por ciento", False, 40),
    ("treinta y cinco por ciento", False, 35), ("twenty-two percent", False, 22), ("set it to 35%", False, 35),
    ("close the blinds halfway", True, 50), ("hasta la mitad", True, 50), ("close the blinds halfway", False, None),
    ("from 20% to 40%", False, None), ("turn on the light", False, None),
    # digits that are no decimal digits (superscripts) are no number: never an error (the fuzzer's payloads)
    ("dim it to 6² percent", False, None), ("³ percent", False, None), ("al ٤٠ por ciento", False, 40)])
def test_percentages_said_in_words_or_digits(text, halfway, expected):
    assert percent_said(text, halfway) == expected


def test_the_one_number_a_sentence_says():
    assert number_said("put the heating at nineteen") == 19
    assert number_said("pon el termostato a veintiún grados") == 21
    assert number_said("set bedroom 2 to 21 degrees") is None  # two numbers: not guessed
    assert number_said("turn on a light") is None


def test_no_player_in_the_state_ha_needs_is_said_in_has_words():
    """HA's handler filters by state (pause: playing; unpause: paused) and raises when none is left; its
    wyoming conversation would speak the exception's text."""
    refused = aim_player("HassMediaUnpause", [], "resume", HOME, states("idle", "playing"), None)
    assert refused == Refusal("entity_wrong_state", {"state": "paused"})
    assert refused.text("en") == "Sorry, no device is paused"
    assert aim_player("HassMediaPause", [("name", "TV")], "pause the tv", HOME, states("idle", "playing"), None) \
        == Refusal("entity_wrong_state", {"state": "playing"})
    assert aim_player("HassMediaPause", [], "pause", HOME, states("idle", "playing"), None) == ("HassMediaPause", [])
    assert aim_player("HassMediaPause", [], "pause", HOME, lambda _: None, None) == ("HassMediaPause", [])


def test_each_player_s_state_is_read_once_per_sentence():
    """HA's states come over its API: the volume checks (players playing, then the one reached) ask once."""
    asked: list[str] = []
    now = states("playing", "idle")

    def counted(entity_id: str):
        asked.append(entity_id)
        return now(entity_id)
    assert aim_player("HassSetVolume", [("volume_level", 30)], "set the volume to 30", HOME, counted, None) \
        == ("HassSetVolume", [("volume_level", 30)])
    assert sorted(asked) == ["media_player.speaker", "media_player.tv"]


def test_a_temperature_the_thermostat_rejects_is_refused_in_words():
    from edge_agent.home.values import out_of_range

    home = HomeEntities(names=["Thermostat"], devices=[HomeDevice("Thermostat", "climate", "Hall", None, "climate.t")])
    now = {"climate.t": {"state": "heat", "attributes": {"min_temp": 7, "max_temp": 35}}}.get
    assert out_of_range("HassClimateSetTemperature", [("temperature", 72)], home, now, "en") == \
        "Sorry, Thermostat can only be set from 7 to 35 degrees"
    assert out_of_range("HassClimateSetTemperature", [("temperature", 21)], home, now, "en") is None
    assert out_of_range("HassClimateSetTemperature", [("temperature", 72)], home, lambda _: None, "es") is None


@pytest.mark.parametrize(("text", "degrees"), [
    ("set the heating to twenty one and a half", 21.5), ("pon la calefacción a diecinueve y medio", 19.5),
    ("set the heating to 20.5", 20.5), ("pon la calefacción a 20,5", 20.5), ("heat the den to 22", 22),
    ("set it to 20 for 2 hours", None),  # two numbers: none is the one
])
def test_a_temperature_is_read_whole_halves_kept(text, degrees):
    assert degrees_said(text) == degrees
