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
from converter.intents.no_action import no_action_texts
from converter.intents.off_domain import generated_texts

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

    # one matcher per language: building one parses every template (setdefault built one per line)
    matchers = {lang: HassilMatcher(lang) for lang in sorted({line.lang for line in lines})}
    return [line for line in lines if matchers[line.lang].match(line.text).intent is None]


def in_test(conversation: str, share: float = 0.3) -> bool:
    """A stable split by conversation id (not by Python's salted hash)."""
    return int(hashlib.sha256(conversation.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def generated(lang: str, n: int, seed: int) -> list[Line]:
    return [Line(text, lang, "generated", f"generated/{i}") for i, text in enumerate(generated_texts(lang, n, seed))]


def no_action(lang: str, n: int, seed: int) -> list[Line]:
    return [Line(text, lang, "no_action", f"no_action/{i}") for i, text in enumerate(no_action_texts(lang, n, seed))]


def out_of_domain(langs: list[str], per_lang: int, seed: int) -> tuple[list[Line], list[Line]]:
    """(train, test) lines of the out-of-domain class, per language at most per_lang training lines and a
    quarter as many more that name an action but ask for none (no_action.py)."""
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
        train += corpus + generated(lang, per_lang - len(corpus), seed) + no_action(lang, per_lang // 4, seed)
        test += not_commands(held_out[: per_lang * 2])  # hassil takes ~8 ms a line
    return train, test
