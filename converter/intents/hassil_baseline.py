"""Home Assistant's own rule-based recognizer (hassil) as the baseline an intent model must beat.

It gets the same sample area/floor/name lists the data set was expanded with, HA's own range and wildcard
lists and HA's skip words, so it is the matcher a Home Assistant install would run, not a strawman."""

from __future__ import annotations

from dataclasses import dataclass, field

from converter.errors import ConversionError, MissingExtraError
from converter.intents.data import SAMPLE_LISTS


@dataclass
class HassilMatch:
    intent: str | None
    entities: dict[str, object]
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # where each slot value was said


class HassilMatcher:
    def __init__(self, lang: str, extra_lists: dict[str, list[str]] | None = None):
        try:
            from hassil import recognize_best
            from hassil.expression import TextChunk
            from hassil.intents import Intents, TextSlotList, TextSlotValue
            from home_assistant_intents import get_intents
        except ImportError as exc:
            raise MissingExtraError("home-assistant-intents/hassil", extra="intents") from exc
        data = get_intents(lang)
        if data is None:
            raise ConversionError(f"home-assistant-intents has no language {lang!r}")
        self.lang = lang
        self._recognize = recognize_best
        self.intents = Intents.from_dict(data)
        samples = {**{k: SAMPLE_LISTS[lang][k] for k in ("area", "floor", "name")}, **(extra_lists or {})}
        self.slot_lists = {**self.intents.slot_lists,
                           **{name: TextSlotList.from_strings(values, name=name) for name, values in samples.items()}}
        # HA tells hassil each entity's domain; templates that require one (media_player, cover, ...) would
        # never match a context-free name. Expose every sample name in every required domain, as a home
        # where each name exists for each kind of device: generous to hassil, never a strawman.
        domains = sorted({d for intent in self.intents.intents.values() for block in intent.data
                          for d in _as_list((block.requires_context or {}).get("domain"))})
        self.slot_lists["name"] = TextSlotList(name="name", values=[
            TextSlotValue(TextChunk(n), value_out=n, context={"domain": d}) for n in samples["name"] for d in domains])
        # a satellite in a room gives "this room" / "our room" templates their area
        self.context = {"area": samples["area"][0]}

    def match(self, text: str) -> HassilMatch:
        try:
            result = self._recognize(text, self.intents, slot_lists=self.slot_lists, intent_context=self.context,
                                     skip_words=self.intents.skip_words, language=self.lang)
        except Exception:  # hassil raises on a few odd inputs; a recognizer that fails matches nothing
            result = None
        if result is None:
            return HassilMatch(None, {})
        spans = [(e.name, e.text_span[0], e.text_span[1]) for e in result.entities_list
                 if e.text_span is not None and e.text_span[1] > e.text_span[0]]
        return HassilMatch(result.intent.name, {k: v.value for k, v in result.entities.items()}, spans)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]


def predict(rows: list[dict], labels: list[str]) -> list[int]:
    """Label indices for eval rows ({text, lang}); -1 where hassil matches nothing or a foreign intent."""
    index = {name: i for i, name in enumerate(labels)}
    matchers: dict[str, HassilMatcher] = {}
    out = []
    for row in rows:
        lang = row.get("lang", "en")
        if lang not in matchers:  # one per language: building one parses every template (~25 ms each time)
            matchers[lang] = HassilMatcher(lang)
        out.append(index.get(matchers[lang].match(row["text"]).intent or "", -1))
    return out
