"""The gate the shipped `home` model passes: a signed bundle whose files, signature and golden examples
check out, at most 15 MB, and its answers on the hand-written sets, taken the way the agent answers
(the out-of-domain class or a confidence under the threshold is `intent: null`).

Runs on the bundle alone (onnxruntime, no torch), so the test of the shipped model is cheap.
"""

from __future__ import annotations

from pathlib import Path

from converter.intents.report import handwritten
from converter.intents.safety import as_asked, benchmark_home, score_rows
from edge_agent.inference.abstain import opposite_margin
from edge_agent.inference.reading import agent_reading
from edge_agent.protocol.labels import recognised

TARGETS = {"commands_right": 0.90, "chitchat_false_triggers": 0.03, "size_mb": 15.0}  # issue 20


def handwritten_scores(model, langs: list[str], abstain: bool = False, templates: bool = False) -> dict[str, dict]:
    """{lang: commands right, chit-chat false triggers, wrong actions, refusals, and the counts} through the
    bundle's classifier, on the hand-written sets, (prefix `blind_`) the smaller sets written after the
    first sets' errors were studied, (`blind2_`) issue 33's fresh sets, (`safety_`) its safety set and
    (`safety2_`) the second safety set, written before the agent's state-question and keep-as-is cues. With
    `abstain`, as the agent answers: the abstain rule (edge_agent/inference/abstain.py) refuses too; with
    `templates`, HA's own templates answer the sentences they match exactly (edge_agent/home/templates.py)."""
    assert model.classifier is not None
    threshold = model.manifest.thresholds.get("ood")
    home = benchmark_home()  # the sets name its entities: read as with its home file
    home.templates_first = templates
    classifier = model.classifier.with_home(home)
    scores: dict[str, dict] = {}
    for lang in langs:
        row = scores.setdefault(lang, {})
        for prefix in ("", "blind_", "blind2_"):
            commands, chat = handwritten(lang, f"{prefix}commands"), handwritten(lang, f"{prefix}chitchat")
            if not commands:
                continue
            answers = _answers(classifier, model.manifest, commands + chat, threshold, abstain)
            right = sum(a == r["label"] for (a, _), r in zip(answers, commands))
            triggered = sum(a is not None for a, _ in answers[len(commands):])
            judged = score_rows(commands + chat, answers)
            row.update({f"{prefix}commands_right": round(right / len(commands), 4),
                        f"{prefix}chitchat_false_triggers": round(triggered / max(1, len(chat)), 4),
                        f"{prefix}n_commands": len(commands), f"{prefix}n_chitchat": len(chat),
                        f"{prefix}wrong_actions": judged.wrong_actions,
                        f"{prefix}refused": score_rows(commands, answers).refused})
        for name in ("safety", "safety2"):
            safety = handwritten(lang, name)
            if safety:
                row.update(score_rows(safety, _answers(classifier, model.manifest, safety, threshold, abstain))
                           .as_dict(f"{name}_"))
    return scores


def _answers(classifier, manifest, rows: list[dict], threshold: float | None,
             abstain: bool) -> list[tuple[str | None, str | None]]:
    """(intent or None, the name slot read) per row, the way the agent answers. One at a time, as the agent
    answers a lone request: dynamic int8 scales its activations per batch, so a sentence's answer can move
    with the batch it was padded into."""
    margin = opposite_margin(manifest.name, manifest.version, manifest.thresholds)
    out: list[tuple[str | None, str | None]] = []
    for row in rows:
        p = classifier.predict([row["text"]])[0]
        if abstain:
            reading = agent_reading(row["text"], p, classifier, threshold, margin)
            label, slots = reading.intent, reading.slots
        else:
            known = recognised(p.label, p.confidence, threshold)
            label, slots = (p.label, p.slots) if known else (None, [])
        out.append(as_asked(label, next((str(s["value"]) for s in slots if s["name"] == "name"), None))
                   if label is not None else (None, None))
    return out


def gate(bundle: Path, trust_key: Path | None) -> dict:
    """Load the bundle as the agent does (hashes, signature with `trust_key`, golden examples), then score
    it; `unmet` lists every target it misses (all of them, not the first)."""
    from edge_agent.inference.model import load_model

    model = load_model(bundle, trust_key=trust_key, run_golden=True)
    manifest = model.manifest
    size_mb = sum(p.stat().st_size for p in Path(bundle).iterdir() if p.is_file()) / 2**20
    scores = handwritten_scores(model, manifest.languages or ["en"])
    unmet = [f"size {size_mb:.1f} MB > {TARGETS['size_mb']} MB"] if size_mb > TARGETS["size_mb"] else []
    for lang, row in scores.items():
        if row["commands_right"] < TARGETS["commands_right"]:
            unmet.append(f"{lang} hand-written commands right {row['commands_right']:.3f} < {TARGETS['commands_right']}")
        if row["chitchat_false_triggers"] > TARGETS["chitchat_false_triggers"]:
            unmet.append(f"{lang} hand-written chit-chat false triggers {row['chitchat_false_triggers']:.3f} > "
                         f"{TARGETS['chitchat_false_triggers']}")
    return {"name": manifest.name, "version": manifest.version, "languages": manifest.languages,
            "size_mb": round(size_mb, 2), "handwritten": scores, "unmet": unmet}
