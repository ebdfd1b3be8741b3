"""Which media player a media intent reaches, decided with HA's states. HA aims a media intent without a
name at every player that is playing: "set the volume to 0%" set both the TV and the speaker; "pausa la
tele" paused the speaker too. So, before it is sent:

- a player the sentence names (its name or an alias: "la tele") that the tagger missed is named;
- a volume said without a name while more than one player plays: which one, asked (HA would set them all);
- "volume at twenty" read as a relative change (a number, no up or down said): the level; "to max": 100;
- a relative change with no direction tagged: the direction the sentence says (louder, baja, ...);
- an HA without HassSetVolumeRelative (before 2025.7): the same change as HassSetVolume on the one player
  HA's relative handler would reach (the named one, else the one playing), from its current level, with
  HA's own step for up/down (10%). Several players, or a level not known now: the spoken "cannot yet".

Without a home_file (no devices) nothing changes."""

from __future__ import annotations

from typing import Any

from edge_agent.home.refusals import Refusal
from edge_agent.home.replies import States
from edge_agent.home.retarget import named_in_text
from edge_agent.home.said import MAXIMUM, QUIETER, way_said
from edge_agent.home.slots import HomeEntities

MEDIA = frozenset({"HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious", "HassSetVolume",
                   "HassSetVolumeRelative"})
# the state HA's handler needs a player in (required_states); none in it: HA raises, and its text is spoken
NEEDS_STATE = {"HassMediaPause": "playing", "HassMediaNext": "playing", "HassMediaPrevious": "playing",
               "HassSetVolume": "playing", "HassMediaUnpause": "paused"}
STEP = 10  # HA's volume_up / volume_down: MediaPlayerEntity.volume_step, 0.1 unless the player says otherwise


def _playing(home: HomeEntities, states: States | None) -> list[str] | None:
    """The names of the players playing now; None if a player's state is not known."""
    players = [d for d in home.devices if d.domain == "media_player" and d.entity_id]
    if states is None:
        return None
    now = [states(d.entity_id or "") for d in players]
    if any(state is None for state in now):
        return None
    return [d.name for d, state in zip(players, now) if state and state.get("state") == "playing"]


def _level_now(name: str, home: HomeEntities, states: States | None) -> float | None:
    ids = [d.entity_id for d in home.devices if d.name == name and d.domain == "media_player" and d.entity_id]
    state = states(ids[0]) if states is not None and len(ids) == 1 else None
    level = (state or {}).get("attributes", {}).get("volume_level")
    return float(level) if isinstance(level, (int, float)) else None


def _as_absolute(entities: list[tuple[str, Any]], home: HomeEntities,
                 states: States | None) -> tuple[str, list[tuple[str, Any]]] | None:
    """HassSetVolumeRelative as the HassSetVolume that does the same to the same player; None if none can."""
    slots = dict(entities)
    if "area" in slots or "floor" in slots:
        return None
    step = slots.get("volume_step")
    change = STEP if step == "up" else -STEP if step == "down" else step if isinstance(step, int) else None
    playing = _playing(home, states)
    player = slots.get("name") or (playing[0] if playing is not None and len(playing) == 1 else None)
    level = _level_now(str(player), home, states) if player is not None and change is not None else None
    if player is None or level is None or change is None:
        return None
    wanted = max(0, min(100, round(level * 100) + change))
    return "HassSetVolume", [("name", player), ("volume_level", wanted)]


def aim_player(intent: str, entities: list[tuple[str, Any]], text: str, home: HomeEntities,
               states: States | None = None,
               handled: frozenset[str] | None = None) -> tuple[str, list[tuple[str, Any]]] | Refusal:
    if intent not in MEDIA or not home.devices:
        return intent, entities
    states = _once(states) if states is not None else None  # one read of a player's state per sentence
    slots = dict(entities)
    if not {"name", "area", "floor"} & slots.keys():
        named = named_in_text(text, home, domain="media_player")
        entities = [*entities, ("name", named)] if named else entities
    if intent == "HassSetVolumeRelative":
        step = slots.get("volume_step")
        if isinstance(step, int) and way_said(text) is None:  # "volume at twenty": a level, not a change
            intent, entities = "HassSetVolume", [(k, v) for k, v in entities if k != "volume_step"]
            entities.append(("volume_level", step))
        elif step is None and MAXIMUM.search(text) and not QUIETER.search(text):
            intent, entities = "HassSetVolume", [*entities, ("volume_level", 100)]
        elif step is None and (said := way_said(text)) is not None:
            entities = [*entities, ("volume_step", said)]
    if intent == "HassSetVolumeRelative" and handled is not None and intent not in handled:
        return _as_absolute(entities, home, states) or (intent, entities)
    slots = dict(entities)
    if intent == "HassSetVolume" and not {"name", "area", "floor"} & slots.keys():
        playing = _playing(home, states)
        if playing is not None and len(playing) > 1:  # HA would set every one of them
            return Refusal("which_one")
    if intent in NEEDS_STATE and not _any_in(NEEDS_STATE[intent], slots, home, states):
        return Refusal("entity_wrong_state", {"state": NEEDS_STATE[intent]})
    return intent, entities


def _any_in(wanted: str, slots: dict[str, Any], home: HomeEntities, states: States | None) -> bool:
    """Whether a player the slots reach is in that state now (True when a state is not known: not refused)."""
    players = [d for d in home.devices if d.domain == "media_player" and d.entity_id
               and slots.get("name") in (None, d.name) and slots.get("area") in (None, d.area)]
    now = [states(d.entity_id or "") for d in players] if states is not None else [None]
    return not players or any(state is None or state.get("state") == wanted for state in now)


def _once(states: States) -> States:
    """`states` remembering what it read: several checks of one sentence ask HA once per player."""
    seen: dict[str, Any] = {}

    def read(entity_id: str):
        if entity_id not in seen:
            seen[entity_id] = states(entity_id)
        return seen[entity_id]
    return read
