"""The public Assist benchmark (benchmarks/public/, allenporter/home-assistant-datasets) is a test set: no
sentence of it is trained on, and none of its own phrasings is written into the project. The project's own
test sets (benchmarks/handwritten/: hand-written, blind, blind v2, safety) are never trained on either.

Copies are counted on word tokens within two edits, capped at a quarter of the sentence
(converter/intents/public_copies.py). The training data is checked against every sentence. The project's
files are checked against the benchmark's own phrasings: sentences of six or more tokens that HA's own
grammar does not parse in their synthetic home. The others are the commonest commands of any home ("lock
the door", "please turn on the kitchen light", the project's demo sentence since its first release) or
HA's own template sentences; those may be written in tests and docs, never trained on."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from converter.intents.data import Example, IntentData
from converter.intents.public_copies import (
    PUBLIC_DATASETS,
    CopyFinder,
    PublicSentence,
    drop_copies,
    held_out_sentences,
    project_sentences,
    public_sentences,
    tokens,
)
from converter.intents.train import BUDGETS, TrainOptions, training_rows

ROOT = Path(__file__).resolve().parents[1]
# where a sentence of a file starts and ends: quotes, line ends, sentence and code punctuation
SEGMENT = re.compile(r"[\n\"`|.!?;:()\[\]{}<>=#*,\\]+|'(?!\w)|(?<!\w)'")
OWN_PHRASING_MIN_TOKENS = 6


@pytest.fixture(scope="module")
def sentences() -> list[PublicSentence]:
    found = public_sentences()
    assert {s.source.split("/")[0] for s in found} == {"assist", "assist-mini"}
    assert len(found) == 145
    assert len({s.words for s in found}) == 107
    return found


def test_what_counts_as_a_copy(sentences):
    finder = CopyFinder(sentences)
    assert finder.copy_of("NEXT SONG!") is not None
    assert finder.copy_of("claro") is None  # two edits away from "next song", but not a copy of it
    assert finder.copy_of("turn off the fans") is not None  # one edit of a four-token sentence
    assert finder.copy_of("turn off the kitchen fans") is None  # two
    eight = next(s for s in sentences if len(s.words) == 8)
    assert finder.copy_of(" ".join(("the", *eight.words[1:], "please"))) is not None  # two edits of eight tokens
    kept, dropped = drop_copies(["lock the lock", "lock the garage", "Lock the lock."], finder)
    assert kept == [1]
    assert dropped == ["lock the lock", "Lock the lock."]


def test_training_drops_every_copy(sentences):
    eight = next(s for s in sentences if len(s.words) == 8)
    copied = " ".join(eight.words[1:]) + " please"  # two edits
    rows = [Example(text, "HassTurnOn", "en", "t") for text in ("Next song", copied, "turn on the hallway lamp")]
    kept, dropped = training_rows(IntentData(train=rows), [], replace(BUDGETS["tiny"], min_per_intent=0),
                                  TrainOptions(augment=False), [])
    assert dropped == 2
    assert [r.text for r in kept] == ["turn on the hallway lamp"]


def test_the_project_test_sets_are_there_and_never_trained_on():
    """Issue 33's sets, committed before any data or model work: blind v2 (>= 60 commands and 60 chit-chat
    per language) and the two safety sets (>= 60 per language each, >= 10 polite questions that must be
    carried out)."""
    own = project_sentences()
    by_file: dict[str, int] = {}
    for sentence in own:
        by_file[sentence.source] = by_file.get(sentence.source, 0) + 1
    for lang in ("en", "es"):
        for name in ("blind2_commands", "blind2_chitchat", "safety", "safety2"):
            assert by_file[f"handwritten/{name}_{lang}.jsonl"] >= 60, (name, lang)
        for name in ("safety", "safety2"):
            path = ROOT / f"benchmarks/handwritten/{name}_{lang}.jsonl"
            safety = [json.loads(line) for line in path.read_text().splitlines()]
            assert sum(row["kind"] == "polite" and row["intent"] is not None for row in safety) >= 10
            assert {row["kind"] for row in safety} == {"opposite", "polite", "question", "no_action"}
    line = next(s for s in own if s.source == "handwritten/safety_en.jsonl" and len(s.words) >= 8)
    rows = [Example(text, "HassTurnOn", "en", "t") for text in (line.text.upper(), "turn on the hallway lamp")]
    kept, dropped = training_rows(IntentData(train=rows), [], replace(BUDGETS["tiny"], min_per_intent=0),
                                  TrainOptions(augment=False), [])
    assert dropped == 1
    assert [r.text for r in kept] == ["turn on the hallway lamp"]


def test_the_models_trained_here_saw_no_test_sentence(intents_cache, slots_model):
    """What train_intents trained on, as it writes it (train.jsonl): the CI intent model (en+es, tiny budget)
    and the joint intent+slot model (every option on), against the public benchmark and the project's sets."""
    finder = CopyFinder(held_out_sentences())
    for model in (intents_cache / "intents-en-es-tiny", slots_model):
        texts = [json.loads(line)["text"] for line in (model / "train.jsonl").read_text().splitlines()]
        assert len(texts) > 2000
        assert not [(text, hit.text) for text in texts if (hit := finder.copy_of(text)) is not None]
        assert "public_copies_dropped" in json.loads((model / "train_report.json").read_text())


def _parsed_by_home_assistant(sentence: PublicSentence, parsers: dict) -> bool:
    """Does HA's own grammar (hassil + home-assistant-intents, English) parse it in its synthetic home?"""
    import yaml
    from hassil import recognize_best
    from hassil.expression import TextChunk
    from hassil.intents import Intents, TextSlotList, TextSlotValue
    from home_assistant_intents import get_intents

    if "intents" not in parsers:
        parsers["intents"] = Intents.from_dict(get_intents("en") or {})
    intents = parsers["intents"]
    if sentence.home not in parsers:
        home = yaml.safe_load(sentence.home.read_text())
        names = [TextSlotValue(TextChunk(e["name"]), value_out=e["name"], context={"domain": e["id"].split(".")[0]})
                 for e in home.get("entities", [])]
        parsers[sentence.home] = {**intents.slot_lists, "name": TextSlotList(name="name", values=names),
                                  "area": TextSlotList.from_strings([a["name"] for a in home.get("areas", [])]),
                                  "floor": TextSlotList.from_strings([f["name"] for f in home.get("floors", [])])}
    return recognize_best(sentence.text, intents, slot_lists=parsers[sentence.home],
                          skip_words=intents.skip_words, language="en") is not None


def test_no_phrasing_of_the_public_benchmark_is_in_the_project(sentences):
    parsers: dict = {}
    own = [s for s in sentences if len(s.words) >= OWN_PHRASING_MIN_TOKENS
           and not _parsed_by_home_assistant(s, parsers)]
    assert len({s.words for s in own}) >= 15, len(own)  # the set this test guards
    finder = CopyFinder(own)
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    vendored = PUBLIC_DATASETS.relative_to(ROOT).parent.as_posix() + "/"
    assert any(path.startswith(vendored) for path in listed)
    copies = []
    for path in listed:
        if path.startswith(vendored) or not (ROOT / path).is_file():
            continue
        try:
            text = (ROOT / path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a model or other binary file
        copies += [(path, part.strip(), hit.text) for part in SEGMENT.split(text)
                   if tokens(part) and (hit := finder.copy_of(part)) is not None]
    assert not copies, "\n".join(map(str, copies))
