"""Everyday words of a language (wordfreq's frequency lists) to invent area and device names from. The
encoder's vocabulary is English, so names invented from it look English; in Spanish sentences the tagger
then learned that an English-looking word is a name and a Spanish-looking one is template text, and missed
unseen Spanish names ("ático", "terraza") that the template put right where a name goes."""

from __future__ import annotations

from converter.errors import MissingExtraError
from edge_agent.home.slots import fold

SKIP_COMMONEST = 1000  # articles, prepositions, verbs the templates are made of
LIST_SIZE = 30000


def stem(word: str) -> str:
    """A word's first letters without its ending: words sharing it ("terrazas", "terraza") count as one."""
    folded = fold(word)
    return folded[:-2] if len(folded) > 5 else folded


def native_words(lang: str, exclude: set[str]) -> list[str]:
    """Alphabetic words of 4+ letters from the language's 30,000 commonest, past the 1,000 commonest, none
    in `exclude` (the templates' own words); [] for English."""
    if lang == "en":
        return []  # the encoder's English vocabulary already is the English source
    try:
        from wordfreq import top_n_list
    except ImportError as exc:
        raise MissingExtraError("wordfreq", extra="intents") from exc
    folded = {fold(w) for w in exclude}
    return [w for w in top_n_list(lang, LIST_SIZE)[SKIP_COMMONEST:]
            if w.isalpha() and len(w) >= 4 and fold(w) not in folded]


def without_stems(words: list[str], unseen: set[str]) -> list[str]:
    """`words` minus any that share a stem with an unseen-list word, so the unseen test stays unseen."""
    stems = {stem(u) for u in unseen if len(u) >= 4}
    return [w for w in words if not any(fold(w).startswith(s) for s in stems)]
