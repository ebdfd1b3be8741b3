"""The home's own names found in the text: a configured area, floor or device name said verbatim (case and
accents aside) becomes that slot even where the model tagged nothing or the wrong entity kind, as Snips'
gazetteers and hassil's lists do. The model still finds every name the lists lack."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from edge_agent.home.slots import SNAPPED, HomeEntities

Span = tuple[str, int, int, float]
Found = tuple[frozenset[str], int, int]  # the slot kinds a name is listed under, its start and end
# A listed name the model left untagged becomes a slot only where the model gave it at least this much
# probability of being some slot: "fan" in "set the fan mode" is the template's own word (P(O) ~ 1).
MIN_SLOT_MASS = 0.05


def _fold_char(c: str) -> str:
    folded = "".join(x for x in unicodedata.normalize("NFKD", c.lower()) if not unicodedata.combining(x))
    return folded if len(folded) == 1 else c  # one char for one char, so offsets stay the text's own


def _fold(text: str) -> str:
    return "".join(_fold_char(c) for c in text)


@functools.lru_cache(maxsize=4)
def _name_patterns(lists: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[frozenset[str], re.Pattern]]:
    """(slot kinds, whole-word pattern) per distinct folded name, longest first: built once per home, not
    per request."""
    kinds: dict[str, set[str]] = {}
    for slot, names in lists:
        for name in names:
            key = " ".join(_fold(name).split())
            if key:
                kinds.setdefault(key, set()).add(slot)
    return [(frozenset(kinds[key]), re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, key.split())) + r"(?!\w)"))
            for key in sorted(kinds, key=len, reverse=True)]


def find_home_names(text: str, home: HomeEntities) -> list[Found]:
    """({slot kinds the name is listed under}, start, end) of every configured name in the text; longer
    names first, so "garage door" wins over "garage", and no two results overlap."""
    patterns = _name_patterns(tuple((slot, tuple(home.candidates(slot))) for slot in SNAPPED))
    if not patterns:
        return []
    folded = _fold(text)
    hits: list[Found] = []
    for kinds, pattern in patterns:
        for match in pattern.finditer(folded):
            if all(match.end() <= s or match.start() >= e for _, s, e in hits):
                hits.append((kinds, match.start(), match.end()))
    return sorted(hits, key=lambda h: h[1])


def merge_home_names(spans: list[Span], found: list[Found],
                     confidence: Callable[[int, int], float]) -> list[Span]:
    """The model's spans with each configured name in place of the area/floor/name spans it overlaps. A name
    that overlaps a span of another kind (a device named "lamp" where "lamp" is the domain) is left to the
    model; one that covers such a span and more ("movie light" around the domain "light") wins. Its kind is
    the model's where the name is listed under that one, else area, floor, name in that order. `confidence(start, end)` gives the model's slot probability over those characters."""
    out = list(spans)
    for kinds, start, end in found:
        overlapping = [s for s in out if s[1] < end and start < s[2]]
        others = [s for s in overlapping if s[0] not in SNAPPED]
        if any(not (start <= s[1] and s[2] <= end) or (s[1], s[2]) == (start, end) for s in others):
            continue  # the name is the other slot's very words, or only part of them: the model's call
        mass = confidence(start, end)
        if not overlapping and mass < MIN_SLOT_MASS:
            continue
        said = [s[0] for s in overlapping if s[0] in kinds]
        kind = said[0] if said else next(k for k in SNAPPED if k in kinds)
        out = [s for s in out if s not in overlapping] + [(kind, start, end, mass)]
    return sorted(out, key=lambda s: s[1])
