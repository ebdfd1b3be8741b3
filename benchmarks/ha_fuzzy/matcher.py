"""Home Assistant's matcher as HA 2025.9 runs it: strict hassil, then (where the language has n-gram data,
English) hassil's fuzzy n-gram matcher, wired as homeassistant/components/conversation/default_agent.py
wires it. Runs inside its own virtualenv pinned to hassil 3.2.0 + home-assistant-intents 2025.9.24 (the
last releases with fuzzy data); it imports nothing from EdgeLM.

stdin: {"lists": {lang: {"area": [...], "floor": [...], "name": [...]}}, "rows": [{"text", "lang"}]}
stdout: [{"strict": intent or null, "fuzzy": intent or null}] in the rows' order.
"""

import contextlib
import json
import sys

from hassil import recognize_best
from hassil.expression import TextChunk
from hassil.fuzzy import FuzzyNgramMatcher, SlotCombinationInfo
from hassil.intents import Intents, TextSlotList, TextSlotValue
from hassil.ngram import Sqlite3NgramModel
from home_assistant_intents import get_fuzzy_config, get_fuzzy_language, get_intents


def _domains(intents):
    out = set()
    for intent in intents.intents.values():
        for block in intent.data:
            value = (block.requires_context or {}).get("domain")
            out.update([value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)])
    return sorted(out)


class Matcher:
    def __init__(self, lang, lists):
        self.lang = lang
        self.intents = Intents.from_dict(get_intents(lang))
        names = TextSlotList(name="name", values=[TextSlotValue(TextChunk(n), value_out=n, context={"domain": d})
                                                  for n in lists["name"] for d in _domains(self.intents)])
        self.slot_lists = {**self.intents.slot_lists, "name": names,
                           **{k: TextSlotList.from_strings(lists[k], name=k) for k in ("area", "floor")}}
        self.context = {"area": lists["area"][0]}
        self.fuzzy = self._fuzzy()

    def _fuzzy(self):
        info = get_fuzzy_language(self.lang)
        if info is None:
            return None
        config = get_fuzzy_config()
        return FuzzyNgramMatcher(
            intents=self.intents,
            intent_models={name: Sqlite3NgramModel(order=m.order, words={w: str(i) for w, i in m.words.items()},
                                                   database_path=m.database_path)
                           for name, m in info.ngram_models.items()},
            intent_slot_list_names=config.slot_list_names,
            slot_combinations={name: {key: [SlotCombinationInfo(name_domains=set(d) if d else None)]
                                      for key, d in combos.items()}
                               for name, combos in config.slot_combinations.items()},
            domain_keywords=info.domain_keywords, stop_words=info.stop_words, slot_lists=self.slot_lists)

    def match(self, text):
        try:
            strict = recognize_best(text, self.intents, slot_lists=self.slot_lists, intent_context=self.context,
                                    skip_words=self.intents.skip_words, language=self.lang)
        except Exception:
            strict = None
        if strict is not None:
            return strict.intent.name, strict.intent.name
        fuzzy = None
        if self.fuzzy is not None:
            try:
                fuzzy = self.fuzzy.match(text)
            except Exception:
                fuzzy = None
        return None, fuzzy.intent_name if fuzzy is not None else None


def main():
    request = json.load(sys.stdin)
    matchers = {}
    out = []
    with contextlib.redirect_stdout(sys.stderr):  # hassil 3.2.0's fuzzy matcher prints its search
        for row in request["rows"]:
            lang = row.get("lang", "en")
            if lang not in matchers:
                matchers[lang] = Matcher(lang, request["lists"][lang])
            strict, fuzzy = matchers[lang].match(row["text"])
            out.append({"strict": strict, "fuzzy": fuzzy})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
