"""Runs under Python 3.8 with `rhasspy-hermes`: reads [topic, payload] pairs as JSON from stdin, parses each
with the library's own message class and prints one JSON line per message (the parsed fields, or the error)."""

import json
import sys

from rhasspyhermes.nlu import NluError, NluIntent, NluIntentNotRecognized

for topic, payload in json.load(sys.stdin):
    try:
        if topic.startswith("hermes/intent/"):
            intent = NluIntent.from_dict(payload)
            parsed = {"intent": intent.intent.intent_name, "session": intent.session_id,
                      "slots": {s.slot_name: s.value for s in intent.slots},
                      "entities": intent.to_rhasspy_dict()["slots"]}
        elif topic == "hermes/nlu/intentNotRecognized":
            parsed = {"not_recognized": NluIntentNotRecognized.from_dict(payload).input}
        else:
            parsed = {"error": NluError.from_dict(payload).error}
        print(json.dumps({"topic": topic, "ok": True, **parsed}))
    except Exception as exc:  # the point of the test: report what the library refuses
        print(json.dumps({"topic": topic, "ok": False, "why": repr(exc)}))
