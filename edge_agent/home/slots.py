"""Slots from the joint model's BIO tags: spans in the text, values normalised (numbers as numbers,
durations in seconds, percentages 0-100) and names snapped to the home's own areas and devices."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edge_agent.home.numbers import parse_number_words

NUMERIC = {"brightness", "temperature", "position", "volume_level", "volume_step", "percentage",
           "hours", "minutes", "seconds", "start_hours", "start_minutes", "start_seconds"}
DURATION_PARTS = {"hours": 3600, "minutes": 60, "seconds": 1}
SNAPPED = {"area": "areas", "floor": "floors", "name": "names"}
SNAP_MIN_SCORE = 0.75  # below this a near-miss stays what the user said
# a unit the tagger may take into a number's span ("thirty percent", "veinte grados")
UNIT_WORDS = re.compile(r"\s*\b(percent|per cent|por ciento|degrees?|grados?)$")


@dataclass(frozen=True)
class HomeDevice:
    """One entity of the home file (`edgelm home sync`): what it is and where, for targeting."""

    name: str
    domain: str | None = None
    area: str | None = None
    device_class: str | None = None
    entity_id: str | None = None


@dataclass
class HomeEntities:
    """The user's areas, floors and device names (agent config); empty lists mean nothing to snap to."""

    areas: list[str] = field(default_factory=list)
    floors: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # {"names": {alias: name}}
    find_in_text: bool = True  # a listed name said verbatim becomes a slot even where the model missed it
    templates_first: bool = False  # Home Assistant's own templates answer before the model (templates.py)
    devices: list[HomeDevice] = field(default_factory=list)  # the entries with a domain (home_file)
    ha_version: str | None = None  # the Home Assistant the home_file was synced from (`edgelm home sync`)

    def candidates(self, slot: str) -> list[str]:
        """What the user may say for the slot: the names and their aliases."""
        if slot not in SNAPPED:
            return []
        return list(getattr(self, SNAPPED[slot], [])) + list(self.aliases.get(SNAPPED[slot], {}))

    def domains_of(self, name: Any) -> set[str]:
        """The domains of the home's entities called `name` (a lock and its battery sensor share one)."""
        return {d.domain for d in self.devices if d.name == name and d.domain}

    def canonical(self, slot: str, said: str) -> str:
        """The name itself for an alias (Home Assistant resolves its names, not every alias)."""
        return self.aliases.get(SNAPPED.get(slot, ""), {}).get(said, said)


@functools.lru_cache(maxsize=8)
def _kinds(labels: tuple[str, ...]) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """Slot kinds, a [labels, 1 + kinds] matrix that sums B- and I- probability per kind (column 0 is O),
    and each label's column: built once per label set, not per sentence."""
    kinds = sorted({label.partition("-")[2] for label in labels if label != "O"})
    to_kind = np.zeros((len(labels), len(kinds) + 1))
    for i, label in enumerate(labels):
        to_kind[i, 0 if label == "O" else kinds.index(label.partition("-")[2]) + 1] = 1.0
    return kinds, to_kind, {label: i for i, label in enumerate(labels)}


def text_offsets(text: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token offsets that start at the word: a unigram (metaspace) token covers the space before its word,
    which would put every span's start one character early. WordPiece offsets come back unchanged."""
    trimmed = []
    for start, end in offsets:
        while start < end and text[start].isspace():
            start += 1
        trimmed.append((start, end))
    return trimmed


def word_tags(probs: np.ndarray, labels: list[str], word_ids: list[int | None]) -> tuple[list[str], list[float]]:
    """One tag per word instead of per subword token, so a span never starts or ends inside a word: a word's
    tokens vote on its slot kind (mean of B+I probability per kind), its first token decides B or I, and the
    rest continue it. Without this an unseen word split into pieces ("buhard ##illa") came back as two
    half-word spans of different kinds."""
    kinds, to_kind, column = _kinds(tuple(labels))
    mass = probs @ to_kind
    tags, scores = ["O"] * len(word_ids), [1.0] * len(word_ids)
    groups: dict[int, list[int]] = {}
    for i, word in enumerate(word_ids):
        if word is not None:
            groups.setdefault(word, []).append(i)
    for tokens in groups.values():
        votes = mass[tokens].mean(0)
        best = int(votes.argmax())
        if best == 0:
            continue
        kind = kinds[best - 1]
        first = probs[tokens[0]]
        begin = first[column[f"B-{kind}"]] if f"B-{kind}" in column else 0.0
        inside = first[column[f"I-{kind}"]] if f"I-{kind}" in column else 0.0
        tags[tokens[0]] = f"{'B' if begin >= inside else 'I'}-{kind}"
        for i in tokens[1:]:
            tags[i] = f"I-{kind}"
        for i in tokens:
            scores[i] = float(votes[best])
    return tags, scores


def decode(tags: list[str], offsets: list[tuple[int, int]], scores: list[float]) -> list[tuple[str, int, int, float]]:
    """(name, char start, char end, mean tag confidence) for each B-/I- run; a stray I- starts a span."""
    found: list[tuple[str, int, int, float]] = []
    current: list | None = None
    for tag, (start, end), score in zip(tags, offsets, scores):
        if end <= start:
            continue
        kind, _, name = tag.partition("-")
        if tag == "O" or kind == "B" or current is None or current[0] != name:
            if current is not None:
                found.append((current[0], current[1], current[2], sum(current[3]) / len(current[3])))
                current = None
            if tag != "O":
                current = [name, start, end, [score]]
        else:
            current[2] = end
            current[3].append(score)
    if current is not None:
        found.append((current[0], current[1], current[2], sum(current[3]) / len(current[3])))
    return found


@functools.lru_cache(maxsize=8192)  # the home's names are folded on every request
def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"\s+", " ", "".join(c for c in text if not unicodedata.combining(c))).strip(" .,!?")


def parse_number(raw: str) -> int | float | None:
    text = fold(raw).replace(",", ".").rstrip("%").strip()
    match = re.search(r"-?\d+(\.\d+)?", text)
    if match:
        number = float(match.group())
        return int(number) if number.is_integer() else number
    said = parse_number_words(UNIT_WORDS.sub("", text).strip())
    return None if said is None else (int(said) if float(said).is_integer() else said)


# words a name may be said with or without: articles, possessives, "of the"
FILLER = frozenset({"the", "my", "our", "your", "a", "an", "of", "in", "on", "el", "la", "los", "las", "lo", "mi",
                    "mis", "tu", "tus", "su", "sus", "nuestro", "nuestra", "nuestros", "nuestras", "de", "del", "al",
                    "en"})
WORD_MIN_SCORE = 0.85  # a misspelt word ("kichen": 0.92), not another ("diningroom" for "livingroom": 0.8)


def _same_word(said: str, word: str) -> bool:
    """One word said for one word of a name: equal, misspelt, plural ("luces" / "luz") or shortened ("hall")."""
    short, long = sorted((said, word), key=len)
    if said == word or (len(short) >= 4 and long.startswith(short)):
        return True
    if long.endswith("ces") and long[:-3] + "z" == short:
        return True
    matcher = difflib.SequenceMatcher(None, said, word)  # the cheap upper bounds first: most words differ
    return (matcher.real_quick_ratio() >= WORD_MIN_SCORE and matcher.quick_ratio() >= WORD_MIN_SCORE
            and matcher.ratio() >= WORD_MIN_SCORE)


def content_words(text: str) -> list[str]:
    """A folded text's words, fillers aside (all of them if it is only fillers)."""
    return [w for w in text.split() if w not in FILLER] or text.split()


@functools.lru_cache(maxsize=4096)
def _pieces(name: str) -> tuple[str, ...]:
    """A folded name's words (fillers aside) and each two of them run together ("livingroom")."""
    words = content_words(name)
    return (*words, *(a + b for a, b in zip(words, words[1:])))


def covers(said: str, candidate: str) -> bool:
    """Every word said (fillers aside) is a word of the name, or two of its words run together: a near
    miss of the whole string must not swap a word, or "la luz del ático" would be the bathroom's light."""
    return _covers_words(content_words(said), candidate)


def _covers_words(words: list[str], candidate: str) -> bool:
    pieces = _pieces(candidate)
    return all(any(_same_word(w, piece) for piece in pieces) for w in words)


def snap(raw: str, candidates: list[str], entity_of: Callable[[str], str] = str) -> tuple[str, float] | None:
    """The configured name closest to what was said (fillers aside), with its similarity. Only names whose
    words cover the words said (covers) may be chosen; of those the closest at SNAP_MIN_SCORE or above, or
    the only thing they name ("the dehumidifier" for the Basement Dehumidifier). Two things named by the
    words said ("ventilador": the ceiling and the office fan) are no match: the user said neither."""
    said = fold(raw)
    words = content_words(said)  # once per snap, not per candidate: a home may list hundreds of names
    scored = []
    for candidate in candidates:
        folded = fold(candidate)
        if _covers_words(words, folded):
            scored.append((max(difflib.SequenceMatcher(None, said, folded).ratio(),
                               difflib.SequenceMatcher(None, " ".join(words),
                                                       " ".join(content_words(folded))).ratio()), candidate))
    if not scored:
        return None
    best_score, best = max(scored, key=lambda pair: pair[0])
    named = {entity_of(candidate) for _, candidate in scored}
    if best_score < 1.0 and len(named) > 1:
        return None
    return (best, round(best_score, 4)) if best_score >= SNAP_MIN_SCORE or len(named) == 1 else None


def _forms(word: str) -> list[str]:
    """The word, then its masculine singular if it looks like a Spanish feminine or plural ("rojas": "rojo")."""
    forms = [word]
    for ending, base in (("as", "o"), ("os", "o"), ("es", ""), ("a", "o"), ("s", "")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.append(word[: -len(ending)] + base)
    return forms


def normalise(name: str, raw: str, lexicon: dict[str, dict], home: HomeEntities) -> dict:
    """value plus, where the value came from the home's list, the matched entity and its score."""
    words = lexicon.get(name, {})
    # a Spanish adjective's feminine or plural ("roja", "azules") where the lexicon lists the masculine
    known = next((words[form] for form in _forms(fold(raw)) if form in words), None)
    if known is not None:
        value = known
    elif name in NUMERIC:
        value = parse_number(raw)
        value = raw if value is None else value
    else:
        value = raw
    extra: dict = {}
    candidates = home.candidates(name)
    if candidates:
        match = snap(raw, candidates, lambda said: home.canonical(name, said))
        if match is not None:
            value, extra["match_score"] = home.canonical(name, match[0]), match[1]
    return {"value": value, **extra}


def duration_seconds(slots: list[dict]) -> int | float | None:
    """HA's timers say hours/minutes/seconds separately; the home wants one duration in seconds."""
    parts = [(s["name"], s["value"]) for s in slots if s["name"] in DURATION_PARTS]
    if not parts or not all(isinstance(v, (int, float)) for _, v in parts):
        return None
    total = sum(DURATION_PARTS[n] * v for n, v in parts)
    return int(total) if float(total).is_integer() else total


def tagged_spans(slots: list[dict]) -> list[tuple[str, int, int]]:
    """(name, start, end) of the spans the model tagged; the derived `duration` slot is not one."""
    return [(s["name"], s["start"], s["end"]) for s in slots if s["name"] != "duration"]


def build_slots(text: str, spans: list[tuple[str, int, int, float]], lexicon: dict[str, dict],
                home: HomeEntities) -> list[dict]:
    slots = []
    for name, start, end, confidence in spans:
        raw = text[start:end]
        slots.append({"name": name, **normalise(name, raw, lexicon, home), "raw": raw, "start": start,
                      "end": end, "confidence": round(float(confidence), 6)})
    duration = duration_seconds(slots)
    if duration is not None:
        parts = [s for s in slots if s["name"] in DURATION_PARTS]
        slots.append({"name": "duration", "value": duration, "raw": text[parts[0]["start"]:parts[-1]["end"]],
                      "start": parts[0]["start"], "end": parts[-1]["end"],
                      "confidence": round(min(s["confidence"] for s in parts), 6), "unit": "s"})
    return slots
