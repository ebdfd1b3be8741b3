"""The public Assist benchmark (allenporter/home-assistant-datasets, vendored under benchmarks/public/) is a
test set: its sentences never enter the training data, exactly or within two token edits.

Two edits are capped at a quarter of the sentence: two edits turn the two-token "next song" into any
sentence of up to four tokens ("claro" included), so a sentence of 1-3 tokens is matched exactly, of 4-7
within one edit ("turn off the fans" copies "turn off the fan"), and of 8 or more within two. Copies are found on lower-cased word tokens, so case and punctuation never hide one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PUBLIC_DATASETS = Path(__file__).resolve().parents[2] / "benchmarks" / "public" / "home-assistant-datasets" / "datasets"
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


class CopyFinder:
    def __init__(self, sentences: Iterable[PublicSentence]):
        self.by_length: dict[int, dict[tuple[str, ...], PublicSentence]] = {}
        for sentence in sentences:
            self.by_length.setdefault(len(sentence.words), {})[sentence.words] = sentence

    def copy_of(self, text: str) -> PublicSentence | None:
        """The public sentence `text` copies, if any."""
        words = tokens(text)
        for length in range(max(1, len(words) - 2), len(words) + 3):
            group = self.by_length.get(length, {})
            if words in group:
                return group[words]
            budget = edit_budget(length)
            if budget and abs(length - len(words)) <= budget:
                hit = next((s for s in group.values() if within(s.words, words, budget)), None)
                if hit is not None:
                    return hit
        return None


def drop_copies(texts: list[str], finder: CopyFinder | None = None) -> tuple[list[int], list[str]]:
    """(indices of the texts to keep, the texts dropped as copies); nothing is dropped when the vendored
    datasets are absent (an installed package without the repository's benchmarks/)."""
    if finder is None:
        if not PUBLIC_DATASETS.is_dir():
            return list(range(len(texts))), []
        finder = CopyFinder(public_sentences())
    keep, dropped = [], []
    for i, text in enumerate(texts):
        if finder.copy_of(text):
            dropped.append(text)
        else:
            keep.append(i)
    return keep, dropped
