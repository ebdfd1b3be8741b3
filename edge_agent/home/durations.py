"""A timer's duration as the sentence says it, halves and quarters included ("an hour and a half", "hora y
media", "dos minutos y medio", "half an hour", "media hora", "un cuarto de hora", "1 and a half hours").

The tagger reads parts of these ("half" as 30 seconds, "an hour" missed), and a part's unit is read from the
word after it ("media hora" as 30 hours): a 30-hour timer for half an hour. The words say the whole.
"""

from __future__ import annotations

import re

from edge_agent.home.numbers import parse_number_words

UNITS = {"hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600, "hora": 3600, "horas": 3600,
         "minute": 60, "minutes": 60, "min": 60, "mins": 60, "minuto": 60, "minutos": 60,
         "second": 1, "seconds": 1, "sec": 1, "secs": 1, "segundo": 1, "segundos": 1}
WORD = re.compile(r"\d+|[^\W\d_]+")
HALVES = (("and", "a", "half"), ("y", "media"), ("y", "medio"))
HALF = frozenset({"half", "media", "medio"})  # read with its unit, never as a number alone
ARTICLES = frozenset({"a", "an", "un", "una"})
JOINERS = frozenset({"and", "y", "plus", "e"})


def duration_said(text: str) -> int | None:
    """The seconds the sentence's one duration says; None where it says none, or two apart ("add 5 minutes
    to the 10 minute timer": which is the change is the tagger's to say)."""
    words = [w.lower() for w in WORD.findall(text)]
    total, spans, i = 0.0, [], 0
    while i < len(words):
        found = _part(words, i)
        if found is None:
            i += 1
            continue
        seconds, end = found
        total += seconds
        spans.append((i, end))
        i = end
    if not spans or any(not set(words[a:b]) <= JOINERS for (_, a), (b, _) in zip(spans, spans[1:])):
        return None
    return round(total)


def timer_parts(seconds: int) -> list[tuple[str, int]]:
    """1 h 30 min as HA's slots: [("hours", 1), ("minutes", 30)]."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return [(name, value) for name, value in (("hours", hours), ("minutes", minutes), ("seconds", secs)) if value]


def _part(words: list[str], i: int) -> tuple[float, int] | None:
    """(seconds, the index after it) of a duration that starts at word i, or None."""
    quarter = _quarter(words, i)
    if quarter is not None:
        return quarter
    if words[i] in HALF and i + 1 < len(words) and words[i + 1] in UNITS:  # "media hora", "medio minuto"
        return UNITS[words[i + 1]] / 2, i + 2
    if words[i] == "half" and i + 2 < len(words) and words[i + 1] in ARTICLES and words[i + 2] in UNITS:
        return UNITS[words[i + 2]] / 2, i + 3  # "half an hour"
    if words[i] in UNITS and (half := _half_at(words, i + 1)):  # "de hora y media": an hour is said "hora"
        return 1.5 * UNITS[words[i]], i + 1 + len(half)
    number = _number(words, i)
    if number is None:
        return None
    value, j = number
    half = _half_at(words, j)
    if half and j + len(half) < len(words) and words[j + len(half)] in UNITS:  # "two and a half minutes"
        return (value + 0.5) * UNITS[words[j + len(half)]], j + len(half) + 1
    if j >= len(words) or words[j] not in UNITS:
        return None
    unit, j = UNITS[words[j]], j + 1
    half = _half_at(words, j)  # "an hour and a half", "dos minutos y medio"
    return ((value + 0.5) * unit, j + len(half)) if half else (value * unit, j)


def _number(words: list[str], i: int) -> tuple[float, int] | None:
    for size in (3, 2, 1):
        phrase = " ".join(words[i:i + size])
        if len(words[i:i + size]) < size or phrase in HALF:
            continue
        value = float(phrase) if phrase.isdecimal() else parse_number_words(phrase)
        if value is not None:
            return value, i + size
    return None


def _half_at(words: list[str], j: int) -> tuple[str, ...]:
    return next((half for half in HALVES if tuple(words[j:j + len(half)]) == half), ())


def _quarter(words: list[str], i: int) -> tuple[float, int] | None:
    """"un cuarto de hora", "tres cuartos de hora", "a quarter of an hour", "three quarters of an hour"."""
    number = _number(words, i)
    if number is None:
        return None
    count, j = number
    if words[j:j + 2] in (["cuarto", "de"], ["cuartos", "de"]) and words[j + 2:j + 3] == ["hora"]:
        return count * 900, j + 3
    if words[j:j + 2] in (["quarter", "of"], ["quarters", "of"]) and words[j + 2:j + 3] in (["an"], ["a"]) \
            and words[j + 3:j + 4] == ["hour"]:
        return count * 900, j + 4
    return None
