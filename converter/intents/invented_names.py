"""Invented names for the slot tagger: copies of name-bearing training sentences whose area, floor and device
names are replaced by words no list holds, so the tagger learns where a name stands, not which names exist."""

from __future__ import annotations

import random

from converter.intents.data import ENTITY_SLOTS, UNSEEN_LISTS, Example
from converter.intents.slots_data import Span

NATIVE_SHARE = 0.5  # share of invented words taken from the language's own words (not English)
METASPACE = "\u2581"  # the word start of unigram (SentencePiece) vocabularies
CONNECTORS = {"en": [""], "es": ["", "", "de", "del", "de la", "de los", "de las"]}


def template_words(examples: list[Example], lang: str) -> set[str]:
    """Every word the language's sentences say outside their area/floor/name spans."""
    words: set[str] = set()
    for e in examples:
        if e.lang == lang:
            text, last = [], 0
            for s in sorted(e.slots, key=lambda s: s.start):
                if s.name in ENTITY_SLOTS:
                    text.append(e.text[last:s.start])
                    last = s.end
            text.append(e.text[last:])
            words.update(" ".join(text).lower().split())
    return words


def name_pool(vocab: list[str], exclude: set[str]) -> tuple[list[str], list[str]]:
    """Whole words and word pieces ("##ing") in Latin letters from the encoder's vocabulary to invent area and
    device names from; words of the unseen-names test lists are left out, so that test stays unseen."""
    if any(w.startswith(METASPACE) for w in vocab):  # unigram (XLM-R): a metaspace starts a word
        starts = [w[1:] for w in vocab if w.startswith(METASPACE)]
        inner = [w for w in vocab if not w.startswith(METASPACE)]
    else:  # WordPiece: "##" continues one
        starts, inner = vocab, [w[2:] for w in vocab if w.startswith("##")]
    words = sorted({w for w in starts if w.isascii() and w.isalpha() and len(w) >= 3 and w not in exclude})
    pieces = sorted({w for w in inner if w.isascii() and w.isalpha()})
    return words, pieces


def invent_names(train: list[Example], vocab: list[str], fraction: float, seed: int) -> list[Example]:
    """Copies of `fraction` of the examples with an area/floor/name whose values are replaced by invented
    one- to three-word names: the tagger learns where a name sits, not which names exist (issue 5's
    unseen-names goal). Half the invented words are glued from vocabulary pieces, so that they split into
    several tokens as most unseen Spanish words do ("despensa" is des ##pensa); whole vocabulary words alone
    taught the tagger that a name is one token. Outside English, half the words are the language's own
    everyday words (converter/intents/native_words.py), none the templates use. Every word of UNSEEN_LISTS is left
    out, and native words that share a stem with one ("terrazas" for "terraza") too."""
    from converter.intents.native_words import native_words, without_stems

    rng = random.Random(seed)
    exclude = {w for lists in UNSEEN_LISTS.values() for values in lists.values() for v in values for w in v.split()}
    words, pieces = name_pool(vocab, exclude)
    out = list(train)
    candidates = [e for e in train if any(s.name in ENTITY_SLOTS for s in e.slots)]
    native = {lang: without_stems(native_words(lang, template_words(train, lang) | exclude), exclude)
              for lang in sorted({e.lang for e in candidates})}

    def word(lang: str) -> str:
        if native.get(lang) and rng.random() < NATIVE_SHARE:
            return rng.choice(native[lang])
        if not pieces or rng.random() < 0.5:
            return rng.choice(words)
        while True:
            glued = rng.choice(words) + "".join(rng.choice(pieces) for _ in range(rng.choice([1, 1, 2])))
            if glued not in exclude:
                return glued

    def invent(lang: str) -> str:
        name = [word(lang) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
        joiner = rng.choice(CONNECTORS.get(lang, [""]))
        if joiner and len(name) > 1:
            name.insert(1, joiner)
        return " ".join(name)

    for e in rng.sample(candidates, int(len(candidates) * fraction)):
        out.append(replace_values(e, {i: invent(e.lang) for i, s in enumerate(e.slots) if s.name in ENTITY_SLOTS}))
    rng.shuffle(out)
    return out


def replace_values(example: Example, new: dict[int, str]) -> Example:
    """The example with slot i's text replaced by new[i]; every span moved to its new place."""
    parts, spans, pos, last = [], [], 0, 0
    for i, s in enumerate(example.slots):
        parts.append(example.text[last:s.start])
        pos += s.start - last
        value = new.get(i, example.text[s.start:s.end])
        parts.append(value)
        spans.append(Span(s.name, pos, pos + len(value), value if i in new else s.value))
        pos += len(value)
        last = s.end
    parts.append(example.text[last:])
    return Example("".join(parts), example.label, example.lang, example.template, spans)
