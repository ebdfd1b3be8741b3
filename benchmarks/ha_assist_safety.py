"""What each sentence of the safety sets (benchmarks/handwritten/safety*_<lang>.jsonl) must do in
benchmarks/ha_assist/home.yaml, derived from its labels instead of written by hand: on/off of the named
entity (lock and open are "on"), the vacuum's start or dock, pause or resume of the named player (the
speaker where none is named, the TV idle); a state question and a sentence that asks for no action move
nothing. The relative volume rows (which way is in the words, not the label) are skipped: any call on them
is still counted, but not as good or wrong."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SPEAKER, TV = "media_player.living_room_speaker", "media_player.tv"


def entity_ids() -> dict[str, str]:
    home = yaml.safe_load((HERE / "ha_assist" / "home.yaml").read_text())
    return {e["name"]: e["id"] for e in home["entities"]}


def expectation(row: dict, ids: dict[str, str]) -> dict:
    intent, name = row["intent"], row.get("name")
    entity = ids.get(name) if name else None
    if intent is None or intent == "HassGetState":
        return {"none": "a state question" if intent else "asks for no action"}
    if intent in ("HassTurnOn", "HassTurnOff") and entity:
        return {"on" if intent == "HassTurnOn" else "off": [entity]}
    if intent == "HassVacuumStart":
        return {"vacuum": "start"}
    if intent == "HassVacuumReturnToBase":
        return {"vacuum": "return_to_base", "setup": {"vacuum.robot_vacuum": "cleaning"}}
    if intent in ("HassMediaPause", "HassMediaUnpause"):
        player = entity or SPEAKER
        others = {other: "idle" for other in (SPEAKER, TV) if other != player}
        if intent == "HassMediaPause":
            return {"media": {"media_pause": [player]}, "setup": {player: "playing", **others}}
        return {"media": {"media_play": [player]}, "setup": {player: "paused", **others}}
    return {"skip": f"{intent}: not derived from the label"}


def safety_expectations(lang: str, sets: tuple[str, ...]) -> dict[str, dict]:
    ids = entity_ids()
    rows = [json.loads(line) for name in sets
            for line in (HERE / "handwritten" / f"{name}_{lang}.jsonl").read_text().splitlines()]
    return {row["text"]: expectation(row, ids) for row in rows}
