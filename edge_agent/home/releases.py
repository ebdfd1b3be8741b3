"""Only intents the user's Home Assistant handles. The shipped model speaks the intents of
home-assistant-intents 2026.11.25; an older HA answers a newer intent with "Unknown intent". The home file
says which HA it was synced from (`source.version`, from HA's websocket hello); ha_releases.json says which
intents each supported release knows (edgelm/ha_tables.py writes it from the home-assistant-intents that
release pins). A release between two in the table is treated as the older one: an intent it may handle is
refused with a spoken reason rather than an intent it may not handle sent. No version known (a home file
from before, or none): nothing is checked.

One older intent is sent in a newer one's place, where it does the same thing to the same target:
HassSetVolumeRelative as HassSetVolume (home/players.py). None of the others missing in 2025.4 has one
(cleaning one room is not cleaning the house; muting is not volume 0)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from edge_agent.home.language import SPOKEN, spoken

TABLE = Path(__file__).with_name("ha_releases.json")
CANNOT = {"en": "Sorry, your Home Assistant cannot {what} yet", "es": "Lo siento, tu Home Assistant todavía no puede {what}"}
# (en, es): what the user asked for that their HA cannot do
WHAT = {
    "HassVacuumCleanArea": ("clean one room", "limpiar una sola habitación"),
    "HassFanSetSpeed": ("set a fan's speed", "cambiar la velocidad de un ventilador"),
    "HassSetVolumeRelative": ("turn the volume up or down", "subir o bajar el volumen"),
    "HassListCompleteItem": ("check items off a list", "tachar cosas de una lista"),
    "HassShoppingListCompleteItem": ("check items off a list", "tachar cosas de una lista"),
    "HassListRemoveItem": ("remove items from a list", "quitar cosas de una lista"),
    "HassLawnMowerDock": ("control a lawn mower", "manejar un cortacésped"),
    "HassLawnMowerStartMowing": ("control a lawn mower", "manejar un cortacésped"),
    "HassMediaPlayerMute": ("mute a player", "silenciar un reproductor"),
    "HassMediaPlayerUnmute": ("unmute a player", "quitar el silencio"),
    "HassMediaSearchAndPlay": ("search for music to play", "buscar música para poner"),
    "HassClimateSetFanMode": ("set a thermostat's fan", "cambiar el ventilador de un termostato"),
}
DEFAULT_WHAT = {"en": "do that", "es": "hacer eso"}
# HA's wyoming conversation hands an intent to HA without the satellite's device_id (read in 2025.4.4's and
# 2026.2.3's homeassistant/components/wyoming/conversation.py), and a timer starts only on a device: HA
# raises "Device does not support timers: device_id=None", logs its traceback and speaks the text
NO_DEVICE_UP_TO = "2026.2.3"


def version_key(version: str) -> tuple[int, ...]:
    """"2025.4.4" -> (2025, 4, 4); "2025.5.0b3" -> (2025, 5, 0)."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(TABLE.read_text())


@functools.lru_cache(maxsize=8)  # one HA per home file: asked on every intent
def known_intents(ha_version: str | None) -> frozenset[str] | None:
    """The intents that HA release handles; None: all of the model's (unknown or current version)."""
    if not ha_version or not re.match(r"\d+\.\d+", ha_version):
        return None
    table, wanted = _table(), version_key(ha_version)
    if wanted >= version_key(table["current"]["from_home_assistant"]):
        return None
    older = sorted((version_key(v), v) for v in table["releases"] if version_key(v) <= wanted)
    # older than every release in the table: the oldest one's list is the best bound there is
    release = older[-1][1] if older else min(table["releases"], key=version_key)
    return frozenset(table["releases"][release]["intents"])


def cannot_yet(intent: str, language: str | None) -> str:
    lang = spoken(language)
    said = WHAT.get(intent)
    return CANNOT[lang].format(what=said[SPOKEN.index(lang)] if said else DEFAULT_WHAT[lang])


def starts_timers(ha_version: str | None) -> bool:
    """Whether a timer EdgeLM starts through that HA's wyoming conversation can start; True when the
    version is not known or newer than the last one read."""
    if not ha_version or not re.match(r"\d+\.\d+", ha_version):
        return True
    return version_key(ha_version) > version_key(NO_DEVICE_UP_TO)
