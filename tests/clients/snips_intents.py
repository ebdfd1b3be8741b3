"""Runs under Python 3.7 with Snips' `hermes-python` (its Rust MQTT client parses every message): prints
one JSON line per intent or not-recognized message it could parse, for tests/test_hermes_clients.py.
A message the library cannot parse never reaches a callback (the Rust side logs the serde error)."""

import json
import sys
import time

from hermes_python.hermes import Hermes


def slots_of(message):
    out = []
    for name in message.slots:  # SlotMap: slot name -> list of NluSlot
        for nlu_slot in message.slots[name]:  # a SlotsList is a list of NluSlot
            value = nlu_slot.slot_value.value  # CustomValue, NumberValue, DurationValue, ...
            plain = value.value if hasattr(value, "value") else {k: str(v) for k, v in vars(value).items()}
            out.append({"name": name, "value": plain, "raw": nlu_slot.raw_value, "kind": type(value).__name__,
                        "start": nlu_slot.range_start, "end": nlu_slot.range_end})
    return out


def on_intent(hermes, message):
    print(json.dumps({"kind": "intent", "name": message.intent.intent_name, "session": message.session_id,
                      "site": message.site_id, "input": message.input, "slots": slots_of(message)},
                     default=lambda o: getattr(o, "__dict__", str(o))), flush=True)


def on_not_recognized(hermes, message):
    print(json.dumps({"kind": "not_recognized", "session": message.session_id, "input": message.input}), flush=True)


if __name__ == "__main__":
    broker, seconds = sys.argv[1], float(sys.argv[2])
    with Hermes(broker) as hermes:
        hermes.subscribe_intents(on_intent).subscribe_intent_not_recognized(on_not_recognized).loop_start()
        print(json.dumps({"kind": "ready"}), flush=True)
        time.sleep(seconds)
