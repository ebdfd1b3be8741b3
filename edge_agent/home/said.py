"""Numbers a sentence says, for the values HA needs: "at twenty percent", "al 40 %", "halfway" (a position),
"put the heating at nineteen". Words read with the table of home/numbers.py."""

from __future__ import annotations

import re

from edge_agent.home.durations import HALVES
from edge_agent.home.numbers import parse_number_words

TOKEN = re.compile(r"\d{1,3}(?:[.,]\d)?(?!\d)|\d{1,3}|[^\W\d_]+")
DIGITS = re.compile(r"\d{1,3}(?:[.,]\d)?")
# "twenty one and a half", "veintiuno y medio": 21.5, with the timers' own halves
HALF_AFTER = re.compile(r"\s+(?:" + "|".join(r"\s+".join(half) for half in HALVES) + r")\b", re.IGNORECASE)
PERCENT_SIGN = re.compile(r"\s*(%|per ?cent\b|por ?ciento\b)", re.IGNORECASE)
HALFWAY = re.compile(r"\bhalf ?way\b|\bhalf open\b|\bhasta la mitad\b|\ba la mitad\b|\ba medias\b|"
                     r"\bmedio abiert|\bmedio cerrad", re.IGNORECASE)
# a volume's way ("louder", "baja"), and the most there is ("tv volume to max" is the level 100, not a step)
LOUDER = re.compile(r"\b(up|louder|raise|increase|sub[eai]\w*|aumenta\w*|m[aá]s alto|m[aá]s fuerte|(?:more|m[aá]s) volumen?)\b",
                re.IGNORECASE)
QUIETER = re.compile(r"\b(down|quieter|softer|lower|decrease|baj[aeo]\w*|reduce|disminu\w*|m[aá]s bajo|"
                  r"(?:less|menos) volumen?)\b",
                  re.IGNORECASE)
MAXIMUM = re.compile(r"\b(?:max(?:imum)?|full|m[aá]xim[oa]|a tope|all the way up)\b", re.IGNORECASE)
WORD = re.compile(r"\w+")
APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")  # "Joe's Market" said "joes market"
NOT_ALONE = frozenset({"a", "an", "un", "una", "half", "media", "medio", "y"})  # numbers only inside a longer one


def _numbers(text: str) -> list[tuple[float, int]]:
    """Every number said (digits, or words: the longest reading of up to three at each place) and where it
    ends."""
    tokens = list(TOKEN.finditer(text))
    found, i = [], 0
    while i < len(tokens):
        for size in (3, 2, 1):
            span = tokens[i:i + size]
            if len(span) < size:
                continue
            words = text[span[0].start():span[-1].end()]
            value = float(words.replace(",", ".")) if DIGITS.fullmatch(words) else \
                parse_number_words(words.replace("-", " "))
            if value is not None and not (size == 1 and words.lower() in NOT_ALONE):
                end = span[-1].end()
                if (half := HALF_AFTER.match(text, end)) is not None and value == int(value):
                    value, end = value + 0.5, half.end()
                    i += len(TOKEN.findall(half.group()))
                found.append((value, end))
                i += size
                break
        else:
            i += 1
    return found


def percent_said(text: str, halfway: bool = False) -> int | None:
    """The percentage a sentence says ("at twenty percent", "al 40 %", "cuarenta por ciento"); "halfway" is
    50 where `halfway` (a position); None if none or several."""
    said = {int(value) for value, end in _numbers(text) if PERCENT_SIGN.match(text, end) and 0 <= value <= 100}
    if halfway and HALFWAY.search(text):
        said.add(50)
    return said.pop() if len(said) == 1 else None


def number_said(text: str) -> int | None:
    """The one number a sentence says ("put the heating at nineteen"); None if none or several."""
    said = {int(value) for value, _ in _numbers(text) if value == int(value)}
    return said.pop() if len(said) == 1 else None


def says_a_number(text: str) -> bool:
    """Whether the sentence says any number, in digits or words ("al ochenta por ciento")."""
    return bool(_numbers(text))


def degrees_said(text: str) -> float | None:
    """The one temperature a sentence says, halves kept ("veintiuno y medio", "21,5"); None if none or several."""
    said = {int(value) if value == int(value) else value for value, _ in _numbers(text)}
    return said.pop() if len(said) == 1 else None


def way_said(text: str) -> str | None:
    """"up" or "down", where the sentence says one way only."""
    up, down = bool(LOUDER.search(text)), bool(QUIETER.search(text))
    return "up" if up and not down else "down" if down and not up else None


def plain_words(text: str) -> list[str]:
    """Lower-cased words, plural endings off ("curtains" and "curtain" alike)."""
    return [re.sub(r"(?<=\w\w)(es|s)$", "", w) for w in WORD.findall(APOSTROPHE.sub("", text.lower()))]
