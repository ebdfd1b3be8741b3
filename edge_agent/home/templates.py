"""Home Assistant's own sentence templates before the model (issue 33, part 4).

A sentence that one of HA's templates (the `home-assistant-intents` package, served languages only) matches
strictly, with the home's own area, floor and device names, is answered from the template: the intent and
slots are what HA's built-in agent would have read, so a template-exact sentence is never misread. The
model takes the rest. Slot lists are built as HA's default agent builds them (each name carries its
entity's domain and device class, so templates that require a kind match only names of that kind), and
filtered per sentence to the names it contains, as HA does, which keeps a match to a few milliseconds.

hassil and the templates come with `edgelm[agent]` on Python 3.9 and later; without them the agent logs once
and serves from the model alone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import fits_home

log = logging.getLogger(__name__)

# hassil compiles each intent's templates when a sentence first reaches it: sentences that reach most of them
WARM_UP = {"en": ["what time is it", "turn on the lights in the kitchen please", "set the temperature to 20"],
           "es": ["qué hora es", "enciende las luces de la cocina por favor", "pon la temperatura a 20"]}
BEST_SLOT = "name"
NO_WILDCARD = {"HassGetState"}  # state questions whose wildcard would take any chit-chat  # among equal matches, prefer one that named a device (HA's choice too)


@dataclass
class TemplateMatch:
    intent: str
    lang: str
    spans: list[tuple[str, int, int]]  # (slot, start, end) in the sentence as said
    values: dict[str, object] = field(default_factory=dict)  # slot -> hassil's value


@dataclass
class _Language:
    intents: Any  # hassil Intents (imported lazily)
    lists: dict  # the templates' own lists (ranges, wildcards)


def available() -> bool:
    try:
        import hassil  # noqa: F401
        import home_assistant_intents  # noqa: F401
    except ImportError:
        return False
    return True


class TemplateMatcher:
    """Strict hassil matching over HA's templates for `langs`, with the home's names."""

    def __init__(self, langs: list[str], home: HomeEntities):
        from hassil.intents import Intents
        from home_assistant_intents import get_intents

        started = time.perf_counter()
        self.home = home
        self.languages: dict[str, _Language] = {}
        for lang in langs:
            data = get_intents(lang)
            if data is None:
                log.warning("Home Assistant's templates have no language %r: the model alone serves it", lang)
                continue
            intents = Intents.from_dict(data)
            self.languages[lang] = _Language(intents, dict(intents.slot_lists))
        self._names = _name_values(home)
        for lang in self.languages:  # compiled here, not on a request
            for sentence in WARM_UP.get(lang, WARM_UP["en"]):
                self.match(sentence)
        self.load_seconds = time.perf_counter() - started

    def match(self, text: str, known_intents: set[str] | None = None) -> TemplateMatch | None:
        """The best strict match in the first language that has one, or None (the model decides)."""
        from hassil import recognize_best

        said = text.casefold()
        lists = self._home_lists(said)
        for lang, language in self.languages.items():
            try:
                result = recognize_best(text, language.intents, slot_lists={**language.lists, **lists},
                                        skip_words=language.intents.skip_words, language=lang,
                                        best_slot_name=BEST_SLOT)
            except Exception:  # hassil raises on a few odd inputs: a matcher that fails matches nothing
                log.debug("hassil failed on %r", text, exc_info=True)
                continue
            if result is None or (known_intents is not None and result.intent.name not in known_intents):
                continue
            if result.intent.name in NO_WILDCARD and any(e.is_wildcard for e in result.entities_list):
                continue  # "who is the president of france": a person's zone read as any words
            values = {e.name: e.value for e in result.entities_list}
            if not fits_home(result.intent.name, values, self.home):
                return None  # HA's reading names what this home does not have: the model may read it better
            spans = [span for span in (_span(text, e) for e in result.entities_list) if span is not None]
            return TemplateMatch(result.intent.name, lang, spans, values)
        return None

    def _home_lists(self, said: str) -> dict:
        """area, floor and name lists holding only what the sentence contains (HA filters the same way)."""
        from hassil.intents import TextSlotList, TextSlotValue

        def present(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
            return [(spoken, value) for spoken, value in pairs if spoken.casefold() in said]

        areas = present([(a, a) for a in self.home.areas] + [(k, v) for k, v in self.home.aliases.get("areas", {}).items()])
        floors = present([(f, f) for f in self.home.floors] + [(k, v) for k, v in self.home.aliases.get("floors", {}).items()])
        names = [v for v in self._names if v[0].casefold() in said]
        return {
            "area": TextSlotList.from_tuples(areas, allow_template=False),
            "floor": TextSlotList.from_tuples(floors, allow_template=False),
            "name": TextSlotList(name="name", values=[TextSlotValue.from_tuple(v, allow_template=False)
                                                      for v in names]),
        }


def _name_values(home: HomeEntities) -> list[tuple]:
    """(spoken, value, context) for every device name and alias; the context is the entity's domain and
    device class, as HA's default agent gives it."""
    contexts: dict[str, list[dict]] = {}
    for device in home.devices:
        context = {k: v for k, v in (("domain", device.domain), ("device_class", device.device_class)) if v}
        contexts.setdefault(device.name, []).append(context)
    values = []
    for name in dict.fromkeys([*home.names, *contexts]):
        for context in contexts.get(name, [{}]):
            values.append((name, name, context))
    for alias, name in home.aliases.get("names", {}).items():
        for context in contexts.get(name, [{}]):
            values.append((alias, name, context))
    return values


def _span(text: str, entity) -> tuple[str, int, int] | None:
    """Where the entity was said: hassil's span when it points at the entity's text, else its first
    occurrence; None for a value the template implies without words of its own."""
    said = (entity.text or "").strip()
    if not said:
        return None
    if entity.text_span is not None:
        start, end = entity.text_span
        if text[start:end].strip().casefold() == said.casefold():
            offset = len(text[start:end]) - len(text[start:end].lstrip())
            return entity.name, start + offset, start + offset + len(said)
    found = text.casefold().find(said.casefold())
    return (entity.name, found, found + len(said)) if found >= 0 else None
