"""Issue-5 report: span-level slot F1 (exact span and label) of the fp32 joint model, its int8 bundle and
hassil on the same sentences: held-out templates with the training names, and the same templates with
area/floor/device names no training sentence contains. hassil gets the lists each set was expanded with
(a home tells HA its names), so it is judged on phrasing, not on names it could not know."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from converter.intents.data import ENTITY_SLOTS, SAMPLE_LISTS, UNSEEN_LISTS
from converter.intents.hassil_baseline import HassilMatcher
from converter.verify_slots import classifier_spans, span_f1


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _gold(rows: list[dict]) -> list[list[tuple[str, int, int]]]:
    return [[(s["name"], int(s["start"]), int(s["end"])) for s in r["slots"]] for r in rows]


def _only(spans: list[list[tuple[str, int, int]]], names: tuple[str, ...]) -> list[list[tuple[str, int, int]]]:
    return [[s for s in row if s[0] in names] for row in spans]


def _one_kind(spans: list[list[tuple[str, int, int]]]) -> list[list[tuple[str, int, int]]]:
    """area/floor/name spans as one kind: is the name found at all, whatever kind it was given."""
    return [[("entity", a, b) for n, a, b in row if n in ENTITY_SLOTS] for row in spans]


def with_home(classifier, lists: dict[str, list[str]]):
    """A copy of the classifier told the home's names (the agent's `home_*` config): the lists hassil gets."""
    from edge_agent.home.slots import HomeEntities

    clone = copy.copy(classifier)
    clone.home = HomeEntities(areas=lists["area"], floors=lists["floor"], names=lists["name"])
    return clone


def build_report(checkpoint: Path, bundle: Path, langs: list[str], every: int = 1) -> list[dict]:
    from converter.source import load_torch_model, resolve
    from converter.verify_slots import TorchRuntime
    from edge_agent.inference.classify import Classifier
    from edge_agent.inference.model import load_model

    bundle_model = load_model(bundle, run_golden=False)
    assert bundle_model.classifier is not None
    manifest = bundle_model.manifest
    torch_clf = Classifier(TorchRuntime(load_torch_model(resolve(str(checkpoint)))), bundle_model.tokenizer,
                           manifest.labels, manifest.max_seq_len, slot_labels=manifest.slot_labels)
    systems = {"fp32 (torch)": torch_clf, "int8 bundle": bundle_model.classifier}
    sets = {"held-out templates": (checkpoint / "eval.jsonl", SAMPLE_LISTS),
            "held-out, noisy": (checkpoint / "eval_noisy.jsonl", SAMPLE_LISTS),
            "unseen names": (checkpoint / "eval_unseen.jsonl", UNSEEN_LISTS)}
    report = []
    for set_name, (path, lists) in sets.items():
        rows_all = _rows(path)[::every]
        for lang in langs:
            rows = [r for r in rows_all if r.get("lang", "en") == lang]
            if not rows:
                continue
            gold, texts = _gold(rows), [r["text"] for r in rows]
            matcher = HassilMatcher(lang, {k: lists[lang][k] for k in ENTITY_SLOTS})
            predictions = {name: classifier_spans(clf, texts) for name, clf in systems.items()}
            predictions["int8 + home lists"] = classifier_spans(with_home(bundle_model.classifier, lists[lang]),
                                                                texts)
            predictions["hassil"] = [matcher.match(t).spans for t in texts]
            for system, pred in predictions.items():
                report.append({"set": set_name, "lang": lang, "system": system, "sentences": len(rows),
                               "all": span_f1(gold, pred),
                               "entities": span_f1(_only(gold, ENTITY_SLOTS), _only(pred, ENTITY_SLOTS)),
                               "entities_any_kind": span_f1(_one_kind(gold), _one_kind(pred))})
    return report
