"""A labelled intent data set from Home Assistant's public sentence templates (home-assistant-intents +
hassil), split by template so that no test sentence comes from a template seen in training."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field

from converter.errors import ConversionError, MissingExtraError

# HA fills these at runtime from the user's home; we supply plausible samples.
SAMPLE_LISTS = {
    "en": {"area": ["kitchen", "living room", "bedroom", "garage", "office", "bathroom", "hallway", "garden"],
           "floor": ["ground floor", "first floor", "upstairs", "downstairs", "basement"],
           "name": ["ceiling light", "desk lamp", "front door", "garage door", "heater", "tv", "fan",
                    "blinds", "coffee maker", "porch light", "thermostat", "speaker"],
           "wildcard": ["dinner is ready", "milk", "eggs", "call mom", "the beatles", "pasta", "jazz",
                        "pizza timer", "batteries", "the news"]},
    "es": {"area": ["cocina", "salón", "dormitorio", "garaje", "oficina", "baño", "pasillo", "jardín"],
           "floor": ["planta baja", "primer piso", "arriba", "abajo", "sótano"],
           "name": ["lámpara", "luz del techo", "puerta principal", "puerta del garaje", "calefactor",
                    "televisión", "ventilador", "persianas", "cafetera", "altavoz"],
           "wildcard": ["la cena está lista", "leche", "huevos", "llamar a mamá", "los beatles", "pasta",
                        "jazz", "temporizador de pizza", "pilas", "las noticias"]},
}
RANGE_SAMPLES = 4  # a range like 0..100 is replaced by a few values, or it explodes combinatorially
SPLIT = (0.7, 0.15, 0.15)


@dataclass
class Example:
    text: str
    label: str
    lang: str
    template: str

    def to_dict(self) -> dict:
        return {"text": self.text, "label": self.label, "lang": self.lang, "template": self.template}


@dataclass
class IntentData:
    train: list[Example] = field(default_factory=list)
    validation: list[Example] = field(default_factory=list)
    test: list[Example] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return sorted({e.label for e in self.train})


def _imports():
    try:
        from hassil.intents import Intents, TextSlotList
        from hassil.sample import sample_sentence
        from home_assistant_intents import get_intents
    except ImportError as exc:
        raise MissingExtraError("home-assistant-intents/hassil", extra="intents") from exc
    return Intents, TextSlotList, sample_sentence, get_intents


def _slot_lists(intents, lang: str, rng: random.Random) -> dict:
    from hassil.intents import RangeSlotList, TextSlotList, WildcardSlotList

    samples = SAMPLE_LISTS[lang]
    lists = {name: TextSlotList.from_strings(samples[name], name=name) for name in ("area", "floor", "name")}
    for name, slot_list in intents.slot_lists.items():
        if isinstance(slot_list, RangeSlotList):
            values = list(range(slot_list.start, slot_list.stop + 1, slot_list.step))
            picks = sorted(set(rng.sample(values, min(RANGE_SAMPLES, len(values)))))
            lists[name] = TextSlotList.from_strings([str(v) for v in picks], name=name)
        elif isinstance(slot_list, WildcardSlotList):
            lists[name] = TextSlotList.from_strings(rng.sample(samples["wildcard"], 4), name=name)
    return lists


def template_sentences(lang: str, per_template: int, seed: int) -> dict[tuple[str, str], list[str]]:
    """{(intent, template id): sentences}, at most per_template each, sampled without bias to the first."""
    Intents, _, sample_sentence, get_intents = _imports()
    data = get_intents(lang)
    if data is None:
        raise ConversionError(f"home-assistant-intents has no language {lang!r}")
    intents = Intents.from_dict(data)
    rng = random.Random(seed)
    lists = {**intents.slot_lists, **_slot_lists(intents, lang, rng)}
    out: dict[tuple[str, str], list[str]] = {}
    for intent_name, intent in sorted(intents.intents.items()):
        for d_idx, block in enumerate(intent.data):
            for s_idx, sentence in enumerate(block.sentences):
                try:
                    expanded = list(itertools.islice(sample_sentence(
                        sentence, lists, intents.expansion_rules, language=lang), per_template * 20))
                except Exception:  # a template needing lists we do not model: skip it
                    continue
                texts = sorted({re.sub(r"\s+", " ", t).strip() for t in expanded if t.strip()})
                if texts:
                    out[(intent_name, f"{lang}:{intent_name}:{d_idx}:{s_idx}")] = rng.sample(
                        texts, min(per_template, len(texts)))
    return out


def build(langs: list[str], per_template: int = 20, per_intent: int = 400, seed: int = 0) -> IntentData:
    rng = random.Random(seed)
    result = IntentData()
    for lang in langs:
        by_intent: dict[str, list[tuple[str, list[str]]]] = {}
        for (intent, template), texts in template_sentences(lang, per_template, seed).items():
            by_intent.setdefault(intent, []).append((template, texts))
        for intent, templates in sorted(by_intent.items()):
            rng.shuffle(templates)
            n = len(templates)
            n_test = max(1, round(n * SPLIT[2])) if n >= 3 else 0
            n_val = max(1, round(n * SPLIT[1])) if n >= 3 else 0
            parts = {"test": templates[:n_test], "validation": templates[n_test:n_test + n_val],
                     "train": templates[n_test + n_val:]}
            for split, chosen in parts.items():
                rows = [Example(t, intent, lang, template) for template, texts in chosen for t in texts]
                rng.shuffle(rows)
                getattr(result, split).extend(rows[:per_intent])
    return result


def add_noise(text: str, rng: random.Random, lang: str = "en") -> str:
    """Small realistic noise: a typo, a filler word, or a dropped article."""
    words = text.split()
    kind = rng.choice(["typo", "filler", "article"])
    if kind == "typo":
        candidates = [i for i, w in enumerate(words) if len(w) > 3]
        if candidates:
            i = rng.choice(candidates)
            w = words[i]
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif kind == "filler":
        fillers = ["um", "please", "uh", "hey"] if lang == "en" else ["eh", "por favor", "oye", "pues"]
        words.insert(rng.randrange(len(words) + 1), rng.choice(fillers))
    else:
        articles = {"the", "a", "an"} if lang == "en" else {"el", "la", "los", "las", "un", "una"}
        idx = [i for i, w in enumerate(words) if w.lower() in articles]
        if idx:
            del words[rng.choice(idx)]
    return " ".join(words)


def balance(train: list[Example], minimum: int, seed: int) -> list[Example]:
    """Top every intent up to `minimum` rows with noisy copies, so rare intents are learned too."""
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for e in train:
        by_label.setdefault(e.label, []).append(e)
    out = list(train)
    for _, rows in sorted(by_label.items()):
        for i in range(max(0, minimum - len(rows))):
            src = rows[i % len(rows)]
            out.append(Example(add_noise(src.text, rng, src.lang), src.label, src.lang, src.template))
    rng.shuffle(out)
    return out
