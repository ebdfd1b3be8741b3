"""The trained joint intent + slot model converted and served: the slot gate, LiteRT, the home's lists, MQTT."""

from __future__ import annotations

import json
import random

import jsonschema
import numpy as np
from conftest import build_slots_bundle
from mqtt_helpers import Listener, running_agent

from converter.intents.data import UNSEEN_LISTS
from edge_agent.client import EdgeClient
from edge_agent.home.slots import HomeEntities
from edge_agent.protocol.messages import load_schema


def test_converted_bundle_keeps_slot_f1_and_answers_like_pytorch(slots_model, slots_bundle):
    from converter.source import load_torch_model, resolve
    from converter.verify_slots import TorchRuntime
    from edge_agent.inference.classify import Classifier
    from edge_agent.inference.model import load_model

    manifest = json.loads((slots_bundle / "manifest.json").read_text())
    assert manifest["task"] == "intent-slots"
    assert manifest["io"]["outputs"] == ["logits", "slot_logits"]
    m = manifest["metrics"]
    assert m["slots"]["n_spans"] > 1000
    assert m["slots_original"]["f1"] - m["slots"]["f1"] <= 0.01
    assert m["slots_span_agreement"] > 0.9
    assert manifest["slot_values"]["domain"]["lights"] == "light"
    assert all("slots" in g for g in manifest["golden"])
    model = load_model(slots_bundle)  # re-checks the golden slots
    source = resolve(str(slots_model))
    torch_clf = Classifier(TorchRuntime(load_torch_model(source)), model.tokenizer, manifest["labels"], 128,
                           slot_labels=manifest["slot_labels"])
    texts = [json.loads(line)["text"] for line in (slots_model / "eval.jsonl").read_text().splitlines()[:40]]
    onnx_spans = [[(s["name"], s["start"], s["end"]) for s in p.slots] for p in model.classifier.predict(texts)]
    torch_spans = [[(s["name"], s["start"], s["end"]) for s in p.slots] for p in torch_clf.predict(texts)]
    assert np.mean([a == b for a, b in zip(onnx_spans, torch_spans)]) >= 0.9
    assert sum(map(len, onnx_spans)) > 20


def test_home_lists_find_unseen_names_the_model_missed(slots_model, slots_bundle):
    from converter.intents.slots_report import build_report, with_home
    from edge_agent.inference.model import load_model

    report = build_report(slots_model, slots_bundle, ["en"], every=4)
    rows = {(r["set"], r["system"]): r for r in report}
    assert {system for _, system in rows} == {"fp32 (torch)", "int8 bundle", "int8 + home lists", "hassil"}
    alone, told = rows[("unseen names", "int8 bundle")], rows[("unseen names", "int8 + home lists")]
    assert told["all"]["recall"] > alone["all"]["recall"] + 0.03
    assert told["all"]["f1"] > alone["all"]["f1"]
    for r in report:  # a span of the right kind is also a span of some kind
        assert r["entities_any_kind"]["f1"] >= r["entities"]["f1"]
        assert r["all"]["n_spans"] > 100
    classifier = load_model(slots_bundle).classifier
    assert with_home(classifier, UNSEEN_LISTS["en"]).home.areas == UNSEEN_LISTS["en"]["area"]
    assert classifier.home == HomeEntities()  # the copy was told, the bundle's own classifier was not


def test_litert_bundle_tags_the_same_spans(slots_model, slots_bundle):
    from edge_agent.inference.model import load_model

    # cached like slots_bundle (keyed by the converter's code): the conversion takes ~50 s on 2 cores
    out = build_slots_bundle(slots_model, slots_model.parent / "bundle-tflite", fmt="tflite")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runtime"] == "litert"
    assert "slot_logits" in manifest["io"]["outputs"]
    assert manifest["metrics"]["slots_original"]["f1"] - manifest["metrics"]["slots"]["f1"] <= 0.01
    lite, onnx = load_model(out), load_model(slots_bundle)
    rows = [json.loads(line) for line in (slots_model / "eval.jsonl").read_text().splitlines()[:48]]
    texts = sorted({r["text"] for r in rows})
    random.Random(0).shuffle(texts)
    assert len({lite.runtime.bucket_for(len(lite.tokenizer.encode(t).ids)) for t in texts[:8]}) > 1
    same_label = same_spans = 0
    for start in range(0, len(texts), 8):  # batches mixing lengths, so rows run in different buckets
        chunk = texts[start:start + 8]
        for a, b in zip(lite.classifier.predict(chunk), onnx.classifier.predict(chunk)):
            same_label += a.label == b.label  # two int8 schemes: a weak model's close calls may differ
            same_spans += [(s["name"], s["start"], s["end"]) for s in a.slots] == \
                [(s["name"], s["start"], s["end"]) for s in b.slots]
    assert same_label / len(texts) >= 0.85, (same_label, same_spans, len(texts))
    assert same_spans / len(texts) >= 0.85, (same_label, same_spans, len(texts))


def test_agent_answers_with_slots_over_mqtt_and_hermes(slots_bundle, broker, device_id):
    schema = load_schema("response")
    text = "turn off the lights in the kitchen"
    with running_agent(slots_bundle, broker, device_id, home_areas=["Kitchen", "Living Room"],
                       hermes_min_confidence=0.0) as agent:
        with EdgeClient(broker.url) as client:
            answer = client.request(text, device=device_id)
        jsonschema.validate(answer, schema)
        expected = agent.model.classifier.predict([text])[0]
        assert answer["slots"] == expected.slots
        assert answer["intent"]["name"] == expected.label
        area = [s for s in answer["slots"] if s["name"] == "area"]
        assert area
        assert area[0]["value"] == "Kitchen"
        assert area[0]["raw"] == "kitchen"
        assert area[0]["match_score"] == 1.0
        for slot in answer["slots"]:
            assert text[slot["start"]:slot["end"]] == slot["raw"]
        listener = Listener(broker).subscribe("hermes/intent/#")
        listener.publish("hermes/nlu/query", json.dumps({"input": text, "id": "h1"}))
        hermes_answer = listener.get_json()
        listener.close()
    by_name = {s["slotName"]: s for s in hermes_answer["slots"]}
    assert by_name["area"]["value"] == {"kind": "Custom", "value": "Kitchen"}
    assert by_name["area"]["rawValue"] == "kitchen"
    assert by_name["area"]["range"]["start"] == area[0]["start"]
