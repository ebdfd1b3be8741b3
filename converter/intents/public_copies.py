"""Test sets never enter the training data, exactly or within two token edits: the public Assist benchmark
(allenporter/home-assistant-datasets, vendored under benchmarks/public/) and the project's own hand-written,
blind and safety sets (benchmarks/handwritten/, commands and chit-chat alike).

Two edits are capped at a quarter of the sentence: two edits turn the two-token "next song" into any
sentence of up to four tokens ("claro" included), so a sentence of 1-3 tokens is matched exactly, of 4-7
within one edit ("turn off the fans" copies "turn off the fan"), and of 8 or more within two. Copies are found on lower-cased word tokens, so case and punctuation never hide one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PUBLIC_DATASETS = Path(__file__).resolve().parents[2] / "benchmarks" / "public" / "home-assistant-datasets" / "datasets"
PROJECT_SETS = Path(__file__).resolve().parents[2] / "benchmarks" / "handwritten"
WORD = re.compile(r"[\w']+")


def tokens(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


def edit_budget(length: int) -> int:
    """Token edits that still make a copy of a sentence this long: two, but never over a quarter of it."""
    return min(2, length // 4)


def within(a: tuple[str, ...], b: tuple[str, ...], budget: int) -> bool:
    """Token edit distance (Levenshtein) of a and b at most `budget`, giving up as soon as it cannot be."""
    if abs(len(a) - len(b)) > budget:
        return False
    previous = list(range(len(b) + 1))
    for i, word in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        if min(current) > budget:
            return False
        previous = current
    return previous[-1] <= budget


@dataclass(frozen=True)
class PublicSentence:
    text: str
    words: tuple[str, ...]
    source: str  # the dataset file, relative to the datasets folder
    home: Path  # its synthetic home (_fixtures.yaml)


def public_sentences(root: Path = PUBLIC_DATASETS) -> list[PublicSentence]:
    """Every sentence of every vendored dataset (assist, assist-mini), once per file it is in."""
    import yaml

    found = []
    for path in sorted(root.glob("*/*/*.yaml")):
        if path.name.startswith("_"):
            continue
        for test in (yaml.safe_load(path.read_text()) or {}).get("tests", []):
            for text in test.get("sentences", []):
                found.append(PublicSentence(text, tokens(text), path.relative_to(root).as_posix(),
                                            path.parent / "_fixtures.yaml"))
    return found


def project_sentences(root: Path = PROJECT_SETS) -> list[PublicSentence]:
    """Every line of the project's own test sets (hand-written, blind, blind v2, safety; both languages)."""
    import json

    found = []
    for path in sorted(root.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = json.loads(line)["text"]
            found.append(PublicSentence(text, tokens(text), f"handwritten/{path.name}", path))
    return found


def held_out_sentences() -> list[PublicSentence]:
    """Every test sentence training must not copy; none where the repository's benchmarks/ is absent."""
    public = public_sentences() if PUBLIC_DATASETS.is_dir() else []
    return public + (project_sentences() if PROJECT_SETS.is_dir() else [])


def _deletions(words: tuple[str, ...], most: int) -> set[tuple[str, ...]]:
    """The word sequences left after deleting up to `most` tokens (the sequence itself included)."""
    found, frontier = {words}, {words}
    for _ in range(most):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class CopyFinder:
    """Copies found through a deletion index: two sequences within k edits share a sequence left after at
    most k deletions from each, so only sentences sharing one are compared (not every test sentence)."""

    def __init__(self, sentences: Iterable[PublicSentence]):
        self.index: dict[tuple[str, ...], list[PublicSentence]] = {}
        for sentence in sentences:
            for left in _deletions(sentence.words, edit_budget(len(sentence.words))):
                self.index.setdefault(left, []).append(sentence)

    def copy_of(self, text: str) -> PublicSentence | None:
        """The test sentence `text` copies, if any."""
        words = tokens(text)
        for left in sorted(_deletions(words, 2), key=len, reverse=True):
            for sentence in self.index.get(left, ()):
                budget = edit_budget(len(sentence.words))
                if sentence.words == words or within(sentence.words, words, budget):
                    return sentence
        return None


def drop_copies(texts: list[str], finder: CopyFinder | None = None) -> tuple[list[int], list[str]]:
    """(indices of the texts to keep, the texts dropped as copies); nothing is dropped when the test sets
    are absent (an installed package without the repository's benchmarks/)."""
    if finder is None:
        held_out = held_out_sentences()
        if not held_out:
            return list(range(len(texts))), []
        finder = CopyFinder(held_out)
    keep, dropped = [], []
    for i, text in enumerate(texts):
        if finder.copy_of(text):
            dropped.append(text)
        else:
            keep.append(i)
    return keep, dropped
