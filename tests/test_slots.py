"""Slots (issue 5): spans from HA's templates, the joint model, its conversion and the agent's answers."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from converter.intents.data import SAMPLE_LISTS, UNSEEN_LISTS, Example, noisy_example, template_sentences
from converter.intents.slots_data import bio_tags
from converter.verify import EvalSet
from converter.verify_slots import check_slots, span_f1
from edge_agent.config import ConfigError, load_config
from edge_agent.home.slots import HomeEntities, build_slots, decode, fold, normalise, snap
from edge_agent.protocol.hermes import hermes_slot


@pytest.fixture(scope="module")
def en_samples():
    return template_sentences("en", 4, 0)


def test_expansion_records_where_each_value_lands(en_samples):
    spans = [(text, s) for samples in en_samples.values() for text, found in samples for s in found]
    assert len(spans) > 500
    names = {s.name for _, s in spans}
    assert {"area", "name", "floor", "brightness", "minutes", "domain", "item", "color"} <= names
    for text, s in spans:
        said = text[s.start:s.end]
        assert said, (text, s)
        assert said == said.strip(), (text, s)
        if s.name in ("area", "name", "floor"):  # these lists map each value to itself
            assert said == s.value, (text, s)
        if s.name in ("brightness", "minutes", "hours") and said.isdigit():
            assert s.value == int(said)
    domains = {s.value for _, s in spans if s.name == "domain"}
    assert {"light", "lock"} <= domains


def test_unseen_names_never_occur_in_training_lists(en_samples):
    unseen = template_sentences("en", 4, 0, names=UNSEEN_LISTS["en"])
    seen_values = {s.value for samples in en_samples.values() for _, f in samples for s in f
                   if s.name in ("area", "name", "floor")}
    new_values = {s.value for samples in unseen.values() for _, f in samples for s in f
                  if s.name in ("area", "name", "floor")}
    unseen_lists = {v for values in UNSEEN_LISTS["en"].values() for v in values}
    assert len(new_values & unseen_lists) > 20
    assert new_values & seen_values <= set(SAMPLE_LISTS["en"]["wildcard"])  # timer names share the `name` slot


def test_bio_tags_decode_back_to_the_same_spans(en_samples):
    from tokenizers import Tokenizer

    from converter.intents.train import default_base

    tok = Tokenizer.from_file(str(default_base() / "tokenizer.json"))
    checked = 0
    for samples in en_samples.values():
        for text, spans in samples:
            enc = tok.encode(text)
            tags = bio_tags(enc.offsets, spans)
            found = decode(tags, enc.offsets, [1.0] * len(tags))
            assert [(n, s, e) for n, s, e, _ in found] == [(s.name, s.start, s.end) for s in spans], text
            checked += 1
    assert checked > 300


def test_a_word_split_into_pieces_gets_one_tag():
    from edge_agent.home.slots import word_tags

    labels = ["O", "B-area", "I-area", "B-name", "I-name"]
    text = "en la buhardilla ya"
    # tokens: en | la | buh ##ard ##illa | ya ; per-token argmax says name, area, area inside one word
    offsets = [(0, 2), (3, 5), (6, 9), (9, 12), (12, 16), (17, 19)]
    word_ids = [0, 1, 2, 2, 2, 3]
    probs = np.array([[0.9, 0.05, 0.0, 0.05, 0.0], [0.8, 0.1, 0.0, 0.1, 0.0], [0.1, 0.35, 0.0, 0.45, 0.1],
                      [0.1, 0.0, 0.7, 0.0, 0.2], [0.2, 0.0, 0.6, 0.0, 0.2], [0.95, 0.0, 0.05, 0.0, 0.0]])
    token_level = decode([labels[i] for i in probs.argmax(-1)], offsets, probs.max(-1).tolist())
    assert [text[s:e] for _, s, e, _ in token_level] == ["buh", "ardilla"]  # what per-token tags gave
    tags, scores = word_tags(probs, labels, word_ids)
    assert tags == ["O", "O", "B-area", "I-area", "I-area", "O"]
    found = decode(tags, offsets, scores)
    assert [(n, text[s:e]) for n, s, e, _ in found] == [("area", "buhardilla")]
    assert found[0][3] == pytest.approx((0.35 + 0.7 + 0.6) / 3)  # the word's mean area probability


def test_noise_keeps_spans_on_their_words(en_samples):
    rng = random.Random(3)
    moved = 0
    for (intent, template), samples in en_samples.items():
        for text, spans in samples:
            noisy = noisy_example(Example(text, intent, "en", template, spans), rng)
            if len(noisy.slots) != len(spans):  # only a dropped article ("a" in "an hour") removes a span
                assert len(noisy.slots) == len(spans) - 1
                assert len(noisy.text) < len(text)
                continue
            for before, after in zip(spans, noisy.slots):
                old, new = text[before.start:before.end], noisy.text[after.start:after.end]
                assert after.name == before.name
                # a typo swaps two letters inside a word; an article may be dropped from a span's edge
                assert sorted(old.replace(" ", "")) == sorted(new.replace(" ", "")) or new in old, (text, noisy)
                moved += after.start != before.start
    assert moved > 50


def test_values_are_normalised_and_snapped():
    home = HomeEntities(areas=["Kitchen", "Living Room"], names=["Ceiling Light"])
    lexicon = {"domain": {"lights": "light"}, "brightness": {"max": 100}}
    assert normalise("brightness", "50%", {}, home) == {"value": 50}
    assert normalise("brightness", "max", lexicon, home) == {"value": 100}
    assert normalise("temperature", "21.5", {}, home) == {"value": 21.5}
    assert normalise("minutes", "ten", {}, home) == {"value": 10}
    assert normalise("domain", "Lights", lexicon, home) == {"value": "light"}
    colours = {"color": {"rojo": "red", "azul": "blue"}}
    assert normalise("color", "roja", colours, home) == {"value": "red"}  # a feminine of the lexicon's word
    assert normalise("color", "azules", colours, home) == {"value": "blue"}
    assert normalise("color", "rosa", colours, home) == {"value": "rosa"}  # no "roso": as said
    assert normalise("area", "living rom", {}, home) == {"value": "Living Room", "match_score": 0.9524}  # 2 * 10 / 21
    assert normalise("area", "garage", {}, home) == {"value": "garage"}  # nothing close: what was said
    assert snap("celing light", ["Ceiling Light", "Desk Lamp"]) == ("Ceiling Light", 0.96)
    assert fold("Salón ") == "salon"
    text = "set a timer for 1 hour and 10 minutes"
    slots = build_slots(text, [("hours", 16, 17, 0.9), ("minutes", 27, 29, 0.8)], {}, HomeEntities())
    duration = slots[-1]
    assert duration["name"] == "duration"
    assert duration["value"] == 4200
    assert duration["unit"] == "s"
    assert duration["raw"] == "1 hour and 10"
    assert duration["confidence"] == 0.8


@pytest.mark.parametrize(("said", "expected"), [
    ("luz del ático", None),  # 0.80 to "luz del baño" as a whole string: another room, never that light
    ("puerta del jardín", None),  # 0.76 to "puerta del garaje": the garage door is not the garden's
    ("persianas del sótano", None),  # 0.87 to "persianas del salón"
    ("guest room lights", None),  # 0.77 to "Bedroom Lights"
    ("bedroom fan", None),  # 0.78 to "Bedroom Lamp": another kind
    ("our hall light", "Hallway Light"),  # shortened, with a possessive
    ("luces del pasillo", "luz del pasillo"),  # a Spanish plural
    ("kichen lights", "Kitchen Lights"),  # misspelt
    ("livingroom lights", "Living Room Lights"),  # two words run together
    ("the tv", "TV"),
    ("the dehumidifier", "Basement Dehumidifier"),  # the only thing the words said name
    ("ventilador", None),  # the ceiling fan or the office fan: the user said neither
])
def test_a_near_miss_never_swaps_a_word_for_another(said, expected):
    """Snapping is for how a name is said (typos, plurals, articles), never for another room or kind: a
    near-miss that swaps a word would act on another device (the garage door for "la puerta del jardín")."""
    names = ["Kitchen Lights", "Living Room Lights", "Hallway Light", "Bedroom Lights", "Bedroom Lamp", "Garage Door",
             "TV", "luz del baño", "luz del pasillo", "puerta del garaje", "persianas del salón", "Basement Dehumidifier",
             "ventilador del techo", "ventilador de la oficina"]
    match = snap(said, names)
    assert (match[0] if match else None) == expected, match


def test_home_names_said_verbatim_become_slots_the_model_missed():
    from edge_agent.home.spans import find_home_names, merge_home_names

    home = HomeEntities(areas=["Ático", "Garage"], floors=["Planta Alta"], names=["Garage Door", "lamp"])
    text = "abre la garage door del ATICO en la planta  alta y la lamp, no los aticos"
    found = find_home_names(text, home)
    assert [(k, text[a:b]) for k, a, b in found] == [
        ({"name"}, "garage door"), ({"area"}, "ATICO"), ({"floor"}, "planta  alta"), ({"name"}, "lamp")]
    def at(word: str) -> tuple[int, int]:
        return text.index(word), text.index(word) + len(word)

    model = [("name", *at("garage"), 0.9), ("floor", *at("alta"), 0.8), ("domain", *at("lamp"), 0.9)]
    merged = merge_home_names(model, found, lambda a, b: 0.5)
    assert [(n, text[a:b], c) for n, a, b, c in merged] == [
        ("name", "garage door", 0.5), ("area", "ATICO", 0.5), ("floor", "planta  alta", 0.5),
        ("domain", "lamp", 0.9)]  # another kind's span is left to the model
    # an untagged listed word the model is sure is no slot ("fan" in "set the fan mode") stays untagged
    assert merge_home_names([], found, lambda a, b: 0.01) == []
    both = HomeEntities(areas=["porch"], names=["porch"])
    (kinds, a, b), = find_home_names("the porch", both)
    assert kinds == {"area", "name"}
    assert merge_home_names([("name", a, b, 0.7)], [(kinds, a, b)], lambda *_: 0.7)[0][0] == "name"
    assert merge_home_names([], [(kinds, a, b)], lambda *_: 0.7)[0][0] == "area"
    assert find_home_names(text, HomeEntities()) == []


def test_hermes_slot_shape():
    number = hermes_slot({"name": "brightness", "value": 50, "raw": "50%", "start": 4, "end": 7, "confidence": 0.9})
    assert number == {"entity": "brightness", "slotName": "brightness", "rawValue": "50%", "confidence": 0.9,
                      "confidenceScore": 0.9, "value": {"kind": "Number", "value": 50}, "range": {"start": 4, "end": 7}}
    duration = hermes_slot({"name": "duration", "value": 90010, "raw": "x", "start": 0, "end": 1, "confidence": 1})
    assert duration["value"] == {"kind": "Duration", "years": 0, "quarters": 0, "months": 0, "weeks": 0, "days": 1,
                                 "hours": 1, "minutes": 0, "seconds": 10, "precision": "Exact", "value": 90010}
    assert hermes_slot({"name": "area", "value": "Kitchen", "raw": "kitchen", "start": 0, "end": 7,
                        "confidence": 1})["value"] == {"kind": "Custom", "value": "Kitchen"}


def test_home_lists_from_config_file_and_environment(tmp_path):
    from edge_agent.home.names_file import HomeFileError
    from edge_agent.wiring import home_names

    home = tmp_path / "home.json"
    home.write_text(json.dumps({"areas": ["Attic", "Kitchen"], "names": ["Reading Lamp"]}))
    cfg = load_config(None, env={"EDGELM_HOME_FLOORS": "Loft, Ground"}, bundle="b", home_areas=["Kitchen"],
                      home_file=str(home))
    assert home_names(cfg) == HomeEntities(["Kitchen", "Attic"], ["Loft", "Ground"], ["Reading Lamp"],
                                           templates_first=True)  # HA's templates first unless turned off
    off = load_config(None, env={"EDGELM_HOME_FIND_NAMES": "false", "EDGELM_HOME_TEMPLATES": "false"}, bundle="b",
                      home_areas=["Kitchen"])
    assert home_names(off).find_in_text is False
    assert home_names(off).templates_first is False
    assert home_names(cfg).find_in_text is True
    home.write_text(json.dumps({"rooms": ["x"]}))
    with pytest.raises(HomeFileError, match="unknown keys rooms"):
        home_names(load_config(None, env={}, bundle="b", home_file=str(home)))
    with pytest.raises(HomeFileError, match="cannot read home_file"):
        home_names(load_config(None, env={}, bundle="b", home_file=str(tmp_path / "missing.toml")))
    with pytest.raises(ConfigError, match="home_areas must be a list"):
        load_config(None, env={}, bundle="b", home_areas=["ok", ""])


def test_slot_gate_fails_when_the_converted_model_loses_spans():
    gold = [[("area", 0, 7)], [("name", 3, 8), ("area", 10, 14)]]
    evalset = EvalSet(["a", "b"], [0, 0], gold)
    report, failures = check_slots(gold, gold, evalset, 1.0)
    assert failures == []
    assert report["converted"]["f1"] == 1.0
    assert report["span_agreement"] == 1.0
    report, failures = check_slots(gold, [[("area", 0, 7)], []], evalset, 1.0)
    assert report["converted"]["f1"] == 0.5
    assert failures
    assert "slot F1 dropped 50.00 points" in failures[0]
    assert span_f1(gold, [[("area", 0, 6)], []])["f1"] == 0.0  # a span one character short is wrong


# -- the trained joint model, converted and served ------------------------------------------------------

def test_joint_model_learns_slots_and_generalises_to_unseen_names(slots_model):
    report = json.loads((slots_model / "train_report.json").read_text())
    assert report["slots_test_en"]["f1"] > 0.7
    assert report["slots_test_unseen_names_en"]["f1"] > 0.6
    config = json.loads((slots_model / "config.json").read_text())
    assert config["slot_labels"][0] == "O"
    assert "B-area" in config["slot_labels"]
    lexicon = json.loads((slots_model / "slot_values.json").read_text())
    assert lexicon["domain"]["lights"] == "light"
    assert lexicon["brightness"]["max"] == 100


def test_spanish_invented_names_use_spanish_words_but_no_template_or_unseen_word():
    from converter.intents.invented_names import invent_names, template_words
    from converter.intents.native_words import native_words, stem

    rows = [Example(t, intent, "es", template, spans) for (intent, template), samples
            in template_sentences("es", 2, 0).items() for t, spans in samples]
    out = invent_names(rows, ["zebra", "copper", "orchard", "##ic"], 1.0, seed=3)
    said = {w for e in out if e not in rows for s in e.slots if s.name in ("area", "floor", "name")
            for w in e.text[s.start:s.end].split()}
    spanish = set(native_words("es", set()))
    assert len(said & spanish) > 50  # real Spanish words, not only English-looking ones
    assert not said & template_words(rows, "es") - {"de", "del", "la", "los", "las"}  # connectors only
    unseen = {w for values in UNSEEN_LISTS["es"].values() for v in values for w in v.split() if len(w) >= 4}
    assert not {w for w in said if any(fold(w).startswith(stem(u)) for u in unseen)}  # "terrazas" too


def test_invented_names_move_spans_and_never_use_unseen_words(en_samples):
    from converter.intents.invented_names import invent_names

    rows = [Example(t, intent, "en", template, spans) for (intent, template), samples in en_samples.items()
            for t, spans in samples]
    vocab = ["attic", "laundry", "patio", "zebra", "copper", "orchard", "lantern", "att", "##ic", "##ing", "x1"]
    out = invent_names(rows, vocab, 1.0, seed=1)
    invented = [e for e in out if e not in rows]
    words = set()
    for e in out:
        for s in e.slots:
            said = e.text[s.start:s.end]
            assert said == said.strip()
            assert said
            if s.name in ("area", "floor", "name") and e not in rows:
                assert s.value == said
                words.update(said.split())
    assert len(invented) == len(out) - len(rows) == sum(any(s.name in ("area", "floor", "name") for s in e.slots)
                                                         for e in rows)
    whole = {"zebra", "copper", "orchard", "lantern", "att"}
    glued = {w + p1 + p2 for w in whole for p1 in ("ic", "ing") for p2 in ("", "ic", "ing")}
    assert words & whole
    assert words & glued
    assert words <= whole | glued
    assert not words & {"attic", "laundry", "patio"}  # unseen-list words left out, also when glued
