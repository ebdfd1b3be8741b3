"""Verdicts of benchmarks/ha_assist.py, from what Home Assistant did: the service calls it made after the
sentence was sent (recorded by benchmarks/public/harness/edgelm_home.py), the shopping list's items and the
spoken reply, against what each command must do (benchmarks/ha_assist/expect_<lang>.yaml).

A command is good only if the calls are exactly the expected ones (service and entities) with the expected
values; an answer only if the reply holds the value HA has and nothing moved; "none" only if nothing moved.
A wrong action is a call the command did not ask for (another entity, or another service on the entity);
on chit-chat, any call."""

from __future__ import annotations

import json
import re
from pathlib import Path

from public_assist_report import event_time

ON = {"cover": "open_cover", "lock": "lock", "valve": "open_valve"}
OFF = {"cover": "close_cover", "lock": "unlock", "valve": "close_valve"}
NOT_ACTIONS = ("conversation.", "homeassistant.", "system_log.", "logger.", "persistent_notification.")
MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
          r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre")
# HA's Spanish says a time in words and digits: "son las 3 y 10", "es la una", "es la 1 menos 20" (from x:31 to x:59
# of midnight and noon: a run at 00:40 scored five right answers as wrong)
ANSWERS = {"TIME": r"\d{1,2}:\d{2}|\b\d{1,2} ?[ap]\.? ?m\b|o'clock|\bla (?:una|\d{1,2})\b|\blas \w+",
           "DATE": MONTHS}
ERROR_TEXT = re.compile(r"Error handling intent|Unknown intent|Traceback|Exception|<\w+(Error|Result)")
SORRY = re.compile(r"^(sorry|lo siento)", re.IGNORECASE)


def load_expectations(path: Path) -> dict[str, dict]:
    """expect_<lang>.yaml, with YAML 1.1's booleans for the keys `on` and `off` read back as the words."""
    import yaml

    words = {True: "on", False: "off"}
    return {text: {words.get(k, k): v for k, v in spec.items()}
            for text, spec in yaml.safe_load(path.read_text()).items()}


def expected_calls(spec: dict) -> dict[tuple[str, str], dict]:
    """(service, entity) -> the values its call must carry."""
    calls: dict[tuple[str, str], dict] = {}
    for verb, table, default in (("on", ON, "turn_on"), ("off", OFF, "turn_off")):
        for entity in spec.get(verb, []):
            domain = entity.split(".")[0]
            calls[(f"{domain}.{table.get(domain, default)}", entity)] = {}
    for entity, data in (spec.get("light") or {}).items():
        calls[("light.turn_on", entity)] = data
    for entity, position in (spec.get("position") or {}).items():
        calls[("cover.set_cover_position", entity)] = {"position": position}
    if "temperature" in spec:
        calls[("climate.set_temperature", "climate.thermostat")] = {"temperature": spec["temperature"]}
    for entity, level in (spec.get("volume") or {}).items():
        calls[("media_player.volume_set", entity)] = {"volume_level": level}
    for service, entities in (spec.get("media") or {}).items():
        calls.update({(f"media_player.{service}", entity): {} for entity in entities})
    if "vacuum" in spec:
        calls[(f"vacuum.{spec['vacuum']}", "vacuum.robot_vacuum")] = {}
    for entity, percentage in (spec.get("fan_speed") or {}).items():
        calls[("fan.set_percentage", entity)] = {"percentage": percentage}
    return calls


def _same(want, got) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(want - got) < 0.011
    if isinstance(want, list) and isinstance(got, (list, str)):
        return [str(x) for x in want] == re.findall(r"\d+", got) if isinstance(got, str) else list(want) == list(got)
    return str(want) == str(got)


def _relative(spec: dict, calls: list[dict]) -> bool:
    up = spec["relative"] == "up"
    speaker = "media_player.living_room_speaker"
    steps = {f"media_player.volume_{'up' if up else 'down'}"}
    return bool(calls) and all(
        speaker in c["entities"] and (c["service"] in steps or (c["service"] == "media_player.volume_set" and (
            c["data"].get("volume_level", 0.5) > 0.5 if up else c["data"].get("volume_level", 0.5) < 0.5)))
        for c in calls)


def actions_after(output: dict, recorded: dict) -> list[dict]:
    """The calls HA made after the sentence was sent, to a device (not the agent's own bookkeeping)."""
    trace = (output.get("context") or {}).get("conversation_trace") or []
    sent = event_time(trace[0].get("timestamp")) if trace else None
    return [c for c in recorded.get("calls", []) if sent is not None and (event_time(c["time"]) or sent) >= sent
            and not c["service"].startswith(NOT_ACTIONS)]


def verdict(output: dict, recorded: dict, spec: dict | None) -> dict:
    """good (None: not scored), wrong (calls not asked for), and what the reply was."""
    response = str(output.get("response") or "")
    calls = actions_after(output, recorded)
    pairs = {(c["service"], e) for c in calls for e in c["entities"]}
    result = {"response": response, "silent": not response.strip(), "error_text": bool(ERROR_TEXT.search(response)),
              "sorry": bool(SORRY.search(response.strip())), "calls": sorted(pairs)}
    if spec is None:  # chit-chat: nothing may move
        return {**result, "good": not pairs, "wrong": sorted(pairs)}
    if "skip" in spec:
        return {**result, "good": None, "wrong": sorted(pairs)}
    if "relative" in spec:
        good = _relative(spec, calls)
        return {**result, "good": good, "wrong": [] if good else sorted(pairs)}
    if "item" in spec:
        items = [str(i).strip().lower() for i in recorded.get("shopping_list") or []]
        return {**result, "good": items == [spec["item"].lower()] and not pairs, "wrong": sorted(pairs)}
    if "answer" in spec:
        pattern = ANSWERS.get(spec["answer"], spec["answer"])
        return {**result, "good": bool(re.search(pattern, response, re.IGNORECASE)) and not pairs,
                "wrong": sorted(pairs)}
    want = expected_calls(spec)
    values_ok = all(any(c["service"] == service and entity in c["entities"]
                        and all(_same(v, c["data"].get(k)) for k, v in data.items()) for c in calls)
                    for (service, entity), data in want.items())
    return {**result, "good": pairs == set(want) and values_ok, "wrong": sorted(pairs - set(want))}


def load_recorded(out: Path, task_id: str) -> dict:
    path = out / "events" / f"{task_id}.calls.json"
    return json.loads(path.read_text()) if path.exists() else {"calls": [], "shopping_list": None}


def matched_locally(output: dict) -> bool:
    """HA's own sentence templates matched an intent (its trace has the call): in the "prefer local"
    order, HA's answer is the one the user gets; otherwise the sentence goes on to the agent."""
    trace = (output.get("context") or {}).get("conversation_trace") or []
    return any(event.get("event_type") in ("tool_call", "ToolCall") for event in trace)
