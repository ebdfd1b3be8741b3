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
from edge_agent.home.targets import fits_home, implied_domain

log = logging.getLogger(__name__)

# hassil compiles each intent's templates when a sentence first reaches it: sentences that reach most of them
WARM_UP = {"en": ["what time is it", "turn on the lights in the kitchen please", "set the temperature to 20"],
           "es": ["qué hora es", "enciende las luces de la cocina por favor", "pon la temperatura a 20"]}
BEST_SLOT = "name"  # among equal matches, prefer one that named a device (HA's choice too)
NO_WILDCARD = {"HassGetState"}  # state questions whose wildcard would take any chit-chat
# Templates that take the area from the satellite spoken to match here with the area left open, for these
# intents only: a player, a thermostat or a light the agent then aims as it aims the model's answers
SATELLITE = "\x00satellite area"
OPEN_AREA = frozenset({"HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious", "HassSetVolume",
                       "HassSetVolumeRelative", "HassClimateSetTemperature", "HassClimateGetTemperature",
                       "HassLightSet"})


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
    open_area: Any  # hassil Intents: the OPEN_AREA intents' templates that take the satellite's area


def _open_area(data: dict) -> dict:
    """The templates of `data` (HA's intents file) that take the area from the satellite, OPEN_AREA only:
    the second pass reads these few, not every template again."""
    intents = {name: {**intent, "data": [block for block in intent.get("data", [])
                                          if "area" in (block.get("requires_context") or {})]}
               for name, intent in data.get("intents", {}).items() if name in OPEN_AREA}
    return {**data, "intents": {name: intent for name, intent in intents.items() if intent["data"]}}


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
            self.languages[lang] = _Language(intents, dict(intents.slot_lists), Intents.from_dict(_open_area(data)))
        self._names = _name_values(home)
        for lang in self.languages:  # compiled here, not on a request
            for sentence in WARM_UP.get(lang, WARM_UP["en"]):
                self.match(sentence)
        self.load_seconds = time.perf_counter() - started

    def match(self, text: str, known_intents: set[str] | None = None) -> TemplateMatch | None:
        """The best strict match in the first language that has one, or None (the model decides)."""
        lists = self._home_lists(text.casefold())
        for lang, language in self.languages.items():
            found = self._best(text, lang, language, lists)
            if found is None or (known_intents is not None and found[0] not in known_intents):
                continue
            intent, entities = found
            values = {e.name: e.value for e in entities}
            if not fits_home(intent, values, self.home):
                return None  # HA's reading names what this home does not have: the model may read it better
            spans = [span for span in (_span(text, e) for e in entities) if span is not None]
            return TemplateMatch(intent, lang, spans, values)
        return None

    def _best(self, text: str, lang: str, language: _Language, lists: dict) -> tuple[str, list] | None:
        """(intent, entities) of HA's best reading: strict, else one of the templates that take the area
        from the satellite spoken to ("pista anterior", "pause the music"), with that area left open, for
        the intents where an open area asks nothing of the wrong device (OPEN_AREA)."""
        from hassil import recognize_best

        for intents, context in ((language.intents, None), (language.open_area, {"area": SATELLITE})):
            try:
                result = recognize_best(text, intents, slot_lists={**language.lists, **lists},
                                        skip_words=language.intents.skip_words, language=lang,
                                        best_slot_name=BEST_SLOT, intent_context=context)
            except Exception:  # hassil raises on a few odd inputs: a matcher that fails matches nothing
                log.debug("hassil failed on %r", text, exc_info=True)
                return None
            if result is None:
                continue
            wildcard = any(e.is_wildcard for e in result.entities_list)
            if result.intent.name in NO_WILDCARD and wildcard:
                continue  # "who is the president of france": a person's zone read as any words
            if wildcard and any(e.is_wildcard and implied_domain(str(e.value)) not in (None, "media_player")
                                for e in result.entities_list):
                continue  # "pon las luces del salón" as playing a search for "las luces": a device said
            if context is not None and (wildcard or result.intent.name not in OPEN_AREA):
                continue  # "pon el ventilador" as playing a search for "el ventilador"
            return result.intent.name, [e for e in result.entities_list if e.value != SATELLITE]
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
