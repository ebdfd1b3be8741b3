"""EdgeLM's slots in the shape Home Assistant's intent handlers take: only the slots HA declares for the
intent, each once, with the types its handlers validate (brightness, position and timer parts as
integers, temperature as a number). HA's timers take hours/minutes/seconds, so EdgeLM's derived
`duration` stays EdgeLM's. The table is HA's own declaration (`intents.json` of home-assistant-intents
2026.11.25, which the shipped model was trained on); tests/test_ha_schema.py checks it against the
installed package, intent by intent. docs/protocol.md documents it."""

from __future__ import annotations

from typing import Any

# intent -> the slots HA's handler takes (from intents.json)
HA_SLOTS: dict[str, tuple[str, ...]] = {
    "HassBroadcast": ("message",),
    "HassCancelAllTimers": ("area",),
    "HassCancelTimer": ("area", "name", "start_hours", "start_minutes", "start_seconds"),
    "HassClimateGetTemperature": ("area", "floor", "name"),
    "HassClimateSetFanMode": ("area", "fan_mode", "floor", "name"),
    "HassClimateSetTemperature": ("area", "floor", "name", "temperature"),
    "HassDecreaseTimer": ("area", "hours", "minutes", "name", "seconds", "start_hours", "start_minutes", "start_seconds"),
    "HassFanSetSpeed": ("area", "floor", "name", "percentage"),
    "HassGetCurrentDate": (),
    "HassGetCurrentTime": (),
    "HassGetState": ("area", "device_class", "domain", "floor", "name", "state"),
    "HassGetWeather": ("name",),
    "HassIncreaseTimer": ("area", "hours", "minutes", "name", "seconds", "start_hours", "start_minutes", "start_seconds"),
    "HassLawnMowerDock": ("name",),
    "HassLawnMowerStartMowing": ("name",),
    "HassLightSet": ("area", "brightness", "color", "domain", "floor", "name", "temperature"),
    "HassListAddItem": ("item", "name"),
    "HassListCompleteItem": ("item", "name"),
    "HassListRemoveItem": ("item", "name"),
    "HassMediaNext": ("area", "name"),
    "HassMediaPause": ("area", "name"),
    "HassMediaPlayerMute": ("area", "name"),
    "HassMediaPlayerUnmute": ("area", "name"),
    "HassMediaPrevious": ("area", "name"),
    "HassMediaSearchAndPlay": ("area", "media_class", "name", "search_query"),
    "HassMediaUnpause": ("area", "name"),
    "HassNevermind": (),
    "HassPauseTimer": ("area", "name", "start_hours", "start_minutes", "start_seconds"),
    "HassRespond": ("response",),
    "HassSetPosition": ("area", "device_class", "domain", "floor", "name", "position"),
    "HassSetVolume": ("area", "name", "volume_level"),
    "HassSetVolumeRelative": ("area", "floor", "name", "volume_step"),
    "HassShoppingListAddItem": ("item",),
    "HassShoppingListCompleteItem": ("item",),
    "HassStartTimer": ("conversation_command", "hours", "minutes", "name", "seconds"),
    "HassTimerStatus": ("area", "name", "start_hours", "start_minutes", "start_seconds"),
    "HassTurnOff": ("area", "device_class", "domain", "floor", "name"),
    "HassTurnOn": ("area", "device_class", "domain", "floor", "name"),
    "HassUnpauseTimer": ("area", "name", "start_hours", "start_minutes", "start_seconds"),
    "HassVacuumCleanArea": ("area", "name"),
    "HassVacuumReturnToBase": ("area", "name"),
    "HassVacuumStart": ("area", "floor", "name"),
}
INTEGER = frozenset({"brightness", "position", "volume_level", "percentage", "hours", "minutes", "seconds",
                     "start_hours", "start_minutes", "start_seconds"})
NUMBER = frozenset({"temperature"})
NUMBER_OR_WORD = frozenset({"volume_step"})
PERCENTS = frozenset({"brightness", "position", "volume_level", "percentage"})
AMOUNTS = frozenset({"brightness", "temperature", "position", "volume_level", "percentage"})  # one number each  # HA takes "up", "down" or a signed percentage
# HassRespond's `response` is never sent: it is the canned answer each HA template fixes, not words in
# the sentence, and HA's handler takes it as optional.


def ha_value(slot: str, value: Any) -> tuple[Any, str | None]:
    """(value as HA validates it, None) or (None, why it cannot be sent)."""
    if slot in INTEGER or slot in NUMBER or slot in NUMBER_OR_WORD:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if (slot in PERCENTS or slot == "volume_step") and 0 < value < 1:  # "to half" read as 0.5: 50%, not 0
                value *= 100
            return (round(value) if slot not in NUMBER else value), None
        if slot in NUMBER_OR_WORD and isinstance(value, str) and value in ("up", "down"):
            return value, None
        return None, f"{slot} {value!r} is not a number"
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value), None
    return None, f"{slot} has no text value"


# Slots HA's templates fix for a whole block of sentences (`slots: {domain: cover}`) rather than take from
# words: EdgeLM adds them where HA's template would have, when the answer lacks them.
IMPLIED_DOMAIN = {"HassLightSet": "light"}
COVER_CLASSES = frozenset({"awning", "blind", "curtain", "door", "garage", "garage_door", "gate", "shade",
                           "shutter", "window"})
COVER_INTENTS = frozenset({"HassTurnOn", "HassTurnOff", "HassSetPosition"})


def implied_slots(intent: str, entities: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    have = dict(entities)
    if "domain" in have:
        return []
    if intent in IMPLIED_DOMAIN:
        return [("domain", IMPLIED_DOMAIN[intent])]
    if intent in COVER_INTENTS and have.get("device_class") in COVER_CLASSES:
        return [("domain", "cover")]
    return []


def to_ha_entities(intent: str, slots: list[dict]) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    """([(HA slot, value)], [(slot, why it was left out)]) for one answer's slots."""
    entities, dropped = _declared(intent, slots)
    return entities + implied_slots(intent, entities), dropped


def _numeric_slot(intent: str) -> str | None:
    """The intent's one amount slot, where it has exactly one (HassSetPosition: position)."""
    amounts = [name for name in HA_SLOTS.get(intent, ()) if name in AMOUNTS]
    return amounts[0] if len(amounts) == 1 else None


def _declared(intent: str, slots: list[dict]) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    allowed = HA_SLOTS.get(intent)
    entities: list[tuple[str, Any]] = []
    dropped: list[tuple[str, str]] = []
    amount = _numeric_slot(intent)
    for slot in slots:
        name = slot["name"]
        if allowed is not None and name in AMOUNTS and name not in allowed and amount is not None:
            # "set the curtains to 50%": the tagger's kind for the number is the weaker call; the intent
            # has one amount to set, and HA's handler would read the number as that
            name = amount
        if allowed is None:
            dropped.append((name, f"{intent} is not a Home Assistant intent"))
        elif name not in allowed:
            dropped.append((name, f"HA's {intent} takes no {name}"))
        elif name == "device_class" and intent in COVER_INTENTS and slot.get("value") not in COVER_CLASSES \
                and any(other["name"] == "name" for other in slots):
            # "open the garage door, it is raining" tagged the class "raining": HA's templates take a cover's
            # classes only, and would match nothing. Only beside a name: without one, the class left out would
            # widen the target to every cover there ("los toldos" misspelt, read as a class)
            dropped.append((name, f"{slot.get('value')!r} is none of HA's cover classes"))
        elif any(name == taken for taken, _ in entities):
            dropped.append((name, "HA takes one value per slot; the first was sent"))
        else:
            value, why = ha_value(name, slot.get("value"))
            if why is None:
                entities.append((name, value))
            else:
                dropped.append((name, why))
    return entities, dropped
