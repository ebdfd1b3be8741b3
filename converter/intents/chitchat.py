"""The out-of-domain class: what a home hears that is no command. Real chit-chat from two corpora on PyPI
(`chatterbot-corpus`: English and Spanish conversations; `chitchat-dataset`: English open-domain chat),
plus off-domain requests (ordering, calling, messaging, facts) and near-misses that name devices without
commanding them, generated from word lists. Corpus lines that Home Assistant's own matcher recognises are
dropped: they are commands or questions the intents cover.

Splits follow conversations, never lines, so no test sentence's conversation is trained on. English holds
a whole corpus out: train on chitchat-dataset, test on chatterbot-corpus. Spanish has one corpus: its
conversations are split 70/30."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from converter.errors import MissingExtraError

MAX_WORDS = 16  # a home command is short; long chat lines teach the class nothing a short one does not
CHATTERBOT_FILES = {"en": "english", "es": "spanish"}


@dataclass(frozen=True)
class Line:
    text: str
    lang: str
    source: str  # corpus name or "generated"
    conversation: str  # what a split keeps together


def chatterbot(lang: str) -> list[Line]:
    try:
        import chatterbot_corpus
        import yaml
    except ImportError as exc:
        raise MissingExtraError("chatterbot-corpus/pyyaml", extra="intents") from exc
    folder = Path(chatterbot_corpus.__file__).parent / "data" / CHATTERBOT_FILES[lang]
    out = []
    for path in sorted(folder.glob("*.yml")):
        for n, conversation in enumerate(yaml.safe_load(path.read_text())["conversations"]):
            out += [Line(str(t), lang, "chatterbot", f"{path.stem}/{n}") for t in conversation]
    return out


def chitchat_dataset(limit_conversations: int) -> list[Line]:
    try:
        import chitchat_dataset as ccd
    except ImportError as exc:
        raise MissingExtraError("chitchat-dataset", extra="intents") from exc
    data = json.loads(Path(ccd.__file__).with_name("dataset.json").read_text())
    out = []
    for key in sorted(data)[:limit_conversations]:
        out += [Line(u["text"], "en", "chitchat", key) for message in data[key]["messages"] for u in message]
    return out


def clean(lines: list[Line]) -> list[Line]:
    seen, out = set(), []
    for line in lines:
        text = re.sub(r"\s+", " ", line.text).strip()
        key = text.lower().strip(" ?!.¿¡")
        if len(key) >= 2 and len(text.split()) <= MAX_WORDS and key not in seen:
            seen.add(key)
            out.append(Line(text, line.lang, line.source, line.conversation))
    return out


def not_commands(lines: list[Line]) -> list[Line]:
    """Drop what Home Assistant's matcher takes for a command ("what time is it" is chat in a corpus and
    an intent at home)."""
    from converter.intents.hassil_baseline import HassilMatcher

    matchers: dict[str, HassilMatcher] = {}
    return [line for line in lines
            if matchers.setdefault(line.lang, HassilMatcher(line.lang)).match(line.text).intent is None]


def in_test(conversation: str, share: float = 0.3) -> bool:
    """A stable split by conversation id (not by Python's salted hash)."""
    return int(hashlib.sha256(conversation.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


GENERATED = {
    "en": {
        "templates": ["order {food}", "order {food} for dinner", "call {person}", "ring {person} please",
                      "send a message to {person}", "text {person} that I'm on my way", "email {person} the photos",
                      "book a taxi to the {place}", "what's the capital of {country}", "who is the king of {country}",
                      "how far is {country} from here", "remind me to call {person} tomorrow",
                      "I bought a new {device} yesterday", "the {device} in the {area} is broken",
                      "my {person} loves the {device}", "the {device} was really expensive",
                      "we should get a new {device} for the {area}", "I fixed the {device} last week",
                      "do you like the new {device}", "the {area} needs cleaning", "the {device} makes a funny noise",
                      "I read about smart {device} online", "my {device} is older than me",
                      "is the {device} under warranty", "the {area} looks nice today", "buy {food} online"],
        "food": ["a pizza", "sushi", "a burger", "chinese food", "groceries", "flowers"],
        "person": ["mom", "dad", "john", "my sister", "anna", "grandma", "the office"],
        "place": ["airport", "station", "city centre", "hospital"],
        "country": ["spain", "japan", "canada", "brazil", "norway"],
        "device": ["lamp", "heater", "fan", "tv", "thermostat", "vacuum", "speaker", "coffee machine", "blinds",
                   "light bulb"],
        "area": ["kitchen", "living room", "bedroom", "garage", "office"],
    },
    "es": {
        "templates": ["pide {food}", "pide {food} para cenar", "llama a {person}", "llama a {person} por favor",
                      "manda un mensaje a {person}", "escribe a {person} que ya voy", "envía las fotos a {person}",
                      "pide un taxi al {place}", "cuál es la capital de {country}", "quién es el rey de {country}",
                      "a qué distancia está {country}", "recuérdame llamar a {person} mañana",
                      "ayer compré {device} nuevo", "{device} de {area} está roto", "a {person} le encanta {device}",
                      "{device} fue carísimo", "deberíamos comprar {device} nuevo para {area}",
                      "la semana pasada arreglé {device}", "te gusta {device} nuevo", "{area} necesita una limpieza",
                      "{device} hace un ruido raro", "leí sobre {device} inteligente en internet",
                      "{device} es más viejo que yo", "{device} tiene garantía", "{area} está muy bonito hoy",
                      "compra {food} por internet"],
        "food": ["una pizza", "sushi", "una hamburguesa", "comida china", "la compra", "flores"],
        "person": ["mamá", "papá", "juan", "mi hermana", "ana", "la abuela", "la oficina"],
        "place": ["aeropuerto", "centro", "hospital"],
        "country": ["españa", "japón", "canadá", "brasil", "noruega"],
        "device": ["el ventilador", "el televisor", "el termostato", "el aspirador", "el altavoz", "el radiador",
                   "el calefactor", "el enchufe"],
        "area": ["la cocina", "el salón", "el dormitorio", "el garaje", "la oficina"],
    },
}


def generated(lang: str, n: int, seed: int) -> list[Line]:
    words = GENERATED[lang]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        template = rng.choice(words["templates"])
        text = re.sub(r"\{(\w+)\}", lambda m: rng.choice(words[m.group(1)]), template)
        out.append(Line(text, lang, "generated", f"generated/{i}"))
    return out


def out_of_domain(langs: list[str], per_lang: int, seed: int) -> tuple[list[Line], list[Line]]:
    """(train, test) lines of the out-of-domain class, at most per_lang training lines per language."""
    rng = random.Random(seed)
    train: list[Line] = []
    test: list[Line] = []
    for lang in langs:
        held_out = clean(chatterbot(lang))
        if lang == "en":  # one whole corpus trains, the other tests
            pool = clean(chitchat_dataset(limit_conversations=max(50, per_lang // 4)))
        else:
            pool = [line for line in held_out if not in_test(line.conversation)]
            held_out = [line for line in held_out if in_test(line.conversation)]
        rng.shuffle(pool)
        rng.shuffle(held_out)
        corpus = not_commands(pool[: per_lang * 3 // 4])
        train += corpus + generated(lang, per_lang - len(corpus), seed)
        test += not_commands(held_out[: per_lang * 2])  # hassil takes ~8 ms a line
    return train, test
