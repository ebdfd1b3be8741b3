"""What the agent accepts off the wire, decided totally: any bytes give a value or a PayloadError, never
another exception, and a topic a request names is checked before anything is published to it."""

from __future__ import annotations

import json
from typing import Any

MAX_TOPIC_BYTES = 256
WILDCARDS = ("+", "#")


class PayloadError(ValueError):
    """A payload the agent refuses; the message says why and never echoes the offending text."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise PayloadError("payload repeats a key")
    return data


def _no_constant(name: str) -> Any:
    raise PayloadError(f"payload holds {name}, which JSON does not have")


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads(payload: bytes) -> Any:
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, no lone surrogates in any string."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError("payload is not UTF-8") from exc
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except PayloadError:
        raise
    except RecursionError as exc:
        raise PayloadError("payload nests too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, and ints past Python's 4,300-digit limit
        raise PayloadError("payload is not JSON" if isinstance(exc, json.JSONDecodeError)
                           else "payload holds a number too long to read") from exc
    stack = [data]
    while stack:  # iterative: json.loads already bounded the depth
        value = stack.pop()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                raise PayloadError("payload holds a lone UTF-16 surrogate")
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return data


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _is_control(code: int) -> bool:
    return code < 0x20 or 0x7F <= code <= 0x9F


def topic_problem(topic: str) -> str | None:
    """Why a broker would refuse (or disconnect a client for) publishing to `topic`; None when it is fine."""
    if not topic:
        return "reply topic is empty"
    if has_lone_surrogate(topic):
        return "reply topic is not valid UTF-8"
    if len(topic.encode("utf-8")) > MAX_TOPIC_BYTES:
        return f"reply topic is longer than {MAX_TOPIC_BYTES} bytes"
    if any(w in topic for w in WILDCARDS) or topic.startswith("$"):
        return "reply topic has a wildcard or starts with $"
    if any(_is_control(ord(c)) or _is_noncharacter(ord(c)) for c in topic):
        return "reply topic has a control character or a Unicode noncharacter"
    return None
