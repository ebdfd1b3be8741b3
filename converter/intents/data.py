"""A labelled intent data set from Home Assistant's public sentence templates (home-assistant-intents +
hassil), split by template so that no test sentence comes from a template seen in training."""

from __future__ import annotations

import copy
import itertools
import random
import re
from dataclasses import dataclass, field

from converter.errors import ConversionError, MissingExtraError
from converter.intents import extra_sentences
from converter.intents.slots_data import Span, expand, parse
from edge_agent.home.slots import NUMERIC

# HA fills these at runtime from the user's home; we supply plausible samples.
SAMPLE_LISTS = {
    "en": {"area": ["kitchen", "living room", "bedroom", "garage", "office", "bathroom", "hallway", "garden",
                    "basement bar", "master bedroom", "kids room", "workshop", "porch", "den"],
           "floor": ["ground floor", "first floor", "upstairs", "downstairs", "basement"],
           "name": ["ceiling light", "desk lamp", "front door", "garage door", "heater", "tv", "fan",
                    "blinds", "coffee maker", "porch light", "thermostat", "speaker", "floor lamp", "kettle",
                    "sprinkler", "night light", "dishwasher", "hall light", "ceiling fan", "strip lights"],
           "wildcard": ["dinner is ready", "milk", "eggs", "call mom", "the beatles", "pasta", "jazz",
                        "pizza timer", "batteries", "the news"]},
    "es": {"area": ["cocina", "salón", "dormitorio", "garaje", "oficina", "baño", "pasillo", "jardín",
                    "habitación principal", "taller", "porche", "cuarto de juegos", "entrada", "balcón"],
           "floor": ["planta baja", "primer piso", "arriba", "abajo", "sótano"],
           "name": ["lámpara", "luz del techo", "puerta principal", "puerta del garaje", "calefactor",
                    "televisión", "ventilador", "persianas", "cafetera", "altavoz", "lámpara de pie", "hervidor",
                    "aspersor", "luz nocturna", "lavavajillas", "luz del pasillo", "tira led", "estufa"],
           "wildcard": ["la cena está lista", "leche", "huevos", "llamar a mamá", "los beatles", "pasta",
                        "jazz", "temporizador de pizza", "pilas", "las noticias"]},
}
ENTITY_SLOTS = ("area", "floor", "name")  # the slots a home names; the unseen-names set swaps these
RANGE_SAMPLES = 4  # a range like 0..100 is replaced by a few values, or it explodes combinatorially
SPLIT = (0.7, 0.15, 0.15)


# Names no training sentence uses: the slot report's "unseen names" set (issue 5) re-expands the test
# templates with these, so a model that memorised the sample lists fails there.
UNSEEN_LISTS = {
    "en": {"area": ["laundry room", "attic", "nursery", "patio", "dining room", "guest room", "study", "pantry"],
           "floor": ["second floor", "loft", "top floor", "lower level"],
           "name": ["reading lamp", "back door", "dehumidifier", "aquarium pump", "christmas tree",
                    "bed light", "air purifier", "window fan", "soundbar", "side gate"]},
    "es": {"area": ["lavadero", "ático", "cuarto de los niños", "terraza", "comedor", "cuarto de invitados",
                    "estudio", "despensa"],
           "floor": ["segundo piso", "buhardilla", "planta alta", "entresuelo"],
           "name": ["lámpara de lectura", "puerta trasera", "deshumidificador", "bomba del acuario",
                    "árbol de navidad", "luz de la cama", "purificador", "ventilador de ventana", "barra de sonido",
                    "portón lateral"]},
}


# Templates HA only matches on entities of one domain (`requires_context: domain: vacuum`) take their
# {name} from these: "start {name}" with lamp names is HassTurnOn's sentence, not a vacuum's.
DOMAIN_NAMES = {
    "en": {"vacuum": ["robot vacuum", "vacuum", "roomba", "vacuum cleaner", "robot cleaner"],
           "lawn_mower": ["lawn mower", "mower", "robot mower", "automower"]},
    "es": {"vacuum": ["aspiradora", "robot aspirador", "roomba", "aspirador", "robot de limpieza"],
           "lawn_mower": ["cortacésped", "robot cortacésped", "segadora"]},
}
UNSEEN_DOMAIN_NAMES = {
    "en": {"vacuum": ["roborock", "cleaning robot", "dustbot"], "lawn_mower": ["grass cutter", "mowing robot"]},
    "es": {"vacuum": ["roborock", "aspiradora robot", "robot barredor"],
           "lawn_mower": ["cortadora de césped", "robot de jardín"]},
}


def _own_names(block, lang: str, unseen: bool) -> list[str] | None:
    domains = (block.requires_context or {}).get("domain")
    domains = [domains] if isinstance(domains, str) else list(domains or [])
    table = (UNSEEN_DOMAIN_NAMES if unseen else DOMAIN_NAMES)[lang]
    return table.get(domains[0]) if len(domains) == 1 else None


@dataclass
class Example:
    text: str
    label: str
    lang: str
    template: str
    slots: list[Span] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"text": self.text, "label": self.label, "lang": self.lang, "template": self.template,
                "slots": [s.to_dict() for s in self.slots]}


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
        from hassil.intents import Intents
        from home_assistant_intents import get_intents
    except ImportError as exc:
        raise MissingExtraError("home-assistant-intents/hassil", extra="intents") from exc
    return Intents, get_intents


def _slot_lists(intents, lang: str, rng: random.Random, names: dict[str, list[str]]) -> dict:
    from hassil.intents import RangeSlotList, TextSlotList, WildcardSlotList

    samples = SAMPLE_LISTS[lang]
    lists = {name: TextSlotList.from_strings(names[name], name=name) for name in ENTITY_SLOTS}
    for name, slot_list in intents.slot_lists.items():
        if isinstance(slot_list, RangeSlotList):
            values = list(range(slot_list.start, slot_list.stop + 1, slot_list.step))
            picks = sorted(set(rng.sample(values, min(RANGE_SAMPLES, len(values)))))
            lists[name] = TextSlotList.from_tuples([(str(v), v) for v in picks], name=name)
        elif isinstance(slot_list, WildcardSlotList):
            lists[name] = TextSlotList.from_strings(rng.sample(samples["wildcard"], 4), name=name)
    return lists


Sample = tuple[str, list[Span]]


def template_sentences(lang: str, per_template: int, seed: int, names: dict[str, list[str]] | None = None,
                       extras: bool = False, only: set[str] | None = None) -> dict[tuple[str, str], list[Sample]]:
    """{(intent, template id): [(sentence, slot spans)]}, at most per_template each, sampled without bias to
    the first. `names` replaces the sample area/floor/name lists (the unseen-names test set); `extras` adds
    the training-only paraphrases, whose template ids say "extra"; `only` keeps those intents."""
    Intents, get_intents = _imports()
    from hassil.intents import TextSlotList

    data = get_intents(lang)
    if data is None:
        raise ConversionError(f"home-assistant-intents has no language {lang!r}")
    data = copy.deepcopy(data)
    first_extra = extra_sentences.add_to(data, lang) if extras else {}
    intents = Intents.from_dict(data)
    rng, extra_rng = random.Random(seed), random.Random(seed + 1)
    lists = {**intents.slot_lists, **_slot_lists(intents, lang, rng, names or SAMPLE_LISTS[lang])}
    out: dict[tuple[str, str], list[Sample]] = {}
    for intent_name, intent in sorted(intents.intents.items()):
        if only is not None and intent_name not in only:
            continue
        for d_idx, block in enumerate(intent.data):
            is_extra = d_idx >= first_extra.get(intent_name, len(intent.data))
            pick = extra_rng if is_extra else rng  # extras leave HA's own samples as they were
            rules = {**intents.expansion_rules, **(block.expansion_rules or {})}
            domain = (block.slots or {}).get("domain")
            own = _own_names(block, lang, unseen=names is not None)
            block_lists = {**lists, "name": TextSlotList.from_strings(own, name="name")} if own else lists
            for s_idx, sentence in enumerate(block.sentences):
                try:
                    marked = list(itertools.islice(expand(sentence.expression, block_lists, rules,
                                                          domain if isinstance(domain, str) else None),
                                                   per_template * 20))
                except Exception:  # a template needing lists we do not model: skip it
                    continue
                samples: dict[str, list[Span]] = {}
                for m in marked:
                    text, spans = parse(m)
                    if text:
                        samples.setdefault(text, [_typed(s) for s in spans])
                texts = sorted(samples)
                if texts:
                    out[(intent_name, f"{lang}:{intent_name}:{'extra' if is_extra else ''}{d_idx}:{s_idx}")] = [
                        (t, samples[t]) for t in pick.sample(texts, min(per_template, len(texts)))]
    return out


def _typed(span: Span) -> Span:
    """Numbers as numbers (HA's range lists give ints; text lists such as brightness_level map to them)."""
    value = span.value
    if span.name in NUMERIC and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        value = float(value) if "." in value else int(value)
    return Span(span.name, span.start, span.end, value)


def build(langs: list[str], per_template: int = 20, per_intent: int = 400, seed: int = 0,
          extras: bool = False) -> IntentData:
    """Split by template: HA's templates 70/15/15 per intent; the extra paraphrases train only."""
    rng, extra_rng = random.Random(seed), random.Random(seed + 1)  # extras leave HA's split as it was
    result = IntentData()
    for lang in langs:
        by_intent: dict[str, list[tuple[str, list[Sample]]]] = {}
        extra: dict[str, list[tuple[str, list[Sample]]]] = {}
        for (intent, template), samples in template_sentences(lang, per_template, seed, extras=extras).items():
            (extra if ":extra" in template else by_intent).setdefault(intent, []).append((template, samples))
        for intent, templates in sorted(by_intent.items()):
            rng.shuffle(templates)
            n = len(templates)
            n_test = max(1, round(n * SPLIT[2])) if n >= 3 else 0
            n_val = max(1, round(n * SPLIT[1])) if n >= 3 else 0
            parts = {"test": templates[:n_test], "validation": templates[n_test:n_test + n_val],
                     "train": templates[n_test + n_val:]}
            for split, chosen in parts.items():
                getattr(result, split).extend(_examples(chosen, intent, lang, rng, per_intent))
            result.train.extend(_examples(extra.get(intent, []), intent, lang, extra_rng, per_intent // 4))
    return result


def _examples(templates: list[tuple[str, list[Sample]]], intent: str, lang: str, rng: random.Random,
              limit: int) -> list[Example]:
    rows = [Example(t, intent, lang, template, spans) for template, samples in templates for t, spans in samples]
    rng.shuffle(rows)
    return rows[:limit]


def add_noise(text: str, rng: random.Random, lang: str = "en") -> str:
    """Small realistic noise: a typo, a filler word, or a dropped article."""
    return noisy_example(Example(text, "", lang, ""), rng).text


def noisy_example(example: Example, rng: random.Random) -> Example:
    """`add_noise` on a labelled example, with its slot spans moved to where their words went."""
    words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", example.text)]
    kind = rng.choice(["typo", "filler", "article"])
    if kind == "typo":  # a swap of two letters keeps the word's length, so offsets stay valid
        candidates = [i for i, (w, _, _) in enumerate(words) if len(w) > 3 and w.isalpha()]
        if candidates:  # letters only: a swap never moves a digit or crosses a span's edge ("52-minutes")
            i = rng.choice(candidates)
            w, start, end = words[i]
            j = rng.randrange(1, len(w) - 1)
            words[i] = (w[:j] + w[j + 1] + w[j] + w[j + 2:], start, end)
    elif kind == "filler":
        fillers = ["um", "please", "uh", "hey"] if example.lang == "en" else ["eh", "por favor", "oye", "pues"]
        gaps = [k for k in range(len(words) + 1)  # never inside a slot value ("the um news")
                if k in (0, len(words)) or not any(s.start < words[k][1] and s.end > words[k - 1][2]
                                                   for s in example.slots)]
        words.insert(rng.choice(gaps), (rng.choice(fillers), -1, -1))
    else:
        articles = {"the", "a", "an"} if example.lang == "en" else {"el", "la", "los", "las", "un", "una"}
        idx = [i for i, (w, _, _) in enumerate(words) if w.lower() in articles]
        if idx:
            del words[rng.choice(idx)]
    text, where, pos = [], {}, 0  # where: old character offset -> new one, for characters that stayed
    for w, start, _ in words:
        if start >= 0:
            where.update({start + k: pos + k for k in range(len(w))})
        text.append(w)
        pos += len(w) + 1
    spans = [Span(s.name, where[s.start], where[s.end - 1] + 1, s.value) for s in example.slots
             if s.start in where and s.end - 1 in where]
    return Example(" ".join(text), example.label, example.lang, example.template, spans)


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
            out.append(noisy_example(src, rng))
    rng.shuffle(out)
    return out
