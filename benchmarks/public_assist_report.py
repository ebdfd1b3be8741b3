"""What a run of the public Assist benchmark's harness says (benchmarks/public_assist.py): the harness's own
verdicts (reports.yaml, reports-by-category.yaml, report.csv), counted again per unique sentence, plus
what it does not count itself: wrong actions (something changed that the sentence did not ask for, or the
named device moved the wrong way; from the state changes harness/edgelm_home.py records), silent answers
and latency (from its scraped outputs)."""

from __future__ import annotations

import csv
import json
import statistics
from datetime import datetime, timezone
from pathlib import Path

import yaml

# the published leaderboard (home-assistant-datasets reports, as issue 32 quotes it): assist, assist-mini
LEADERBOARD = {"qwen3-4b": ("71.7%", "86.7%"), "gemma4-e4b": ("67.0%", "91.3%"),
               "gemma4-e2b": ("45.2%", "61.2%"), "qwen3-1.7b": ("35.9%", "60.2%")}


# what an action moves besides the state itself
ACTION_ATTRIBUTES = ("brightness", "current_position", "volume_level", "is_volume_muted", "temperature",
                     "percentage", "hvac_mode", "source")


AGENTS = ("conversation.", "assist_satellite.")


def event_time(value) -> datetime | None:
    """A trace's or event's time (a datetime or ISO text), with a time zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def wrong_actions(output: dict, changes: list[dict]) -> list[str]:
    """Entities the answer moved that it should not have (from the state changes the plugin recorded after
    the sentence was sent): any entity the task does not expect to change, or an expected one moved to
    another state than the asked one."""
    trace = (output.get("context") or {}).get("conversation_trace") or []
    sent = event_time(trace[0].get("timestamp")) if trace else None
    if sent is None:
        return []
    expected = (output.get("task") or {}).get("expect_changes") or {}
    wrong = set()
    for change in changes:
        when = event_time(change["time"])
        if when is None or when < sent or change["entity_id"].startswith(AGENTS):
            continue  # the test's own setup; the agent's own entity (its state is when it last answered)
        want = expected.get(change["entity_id"])
        moved = {k for k in ACTION_ATTRIBUTES
                 if change["old_attributes"].get(k) != change["new_attributes"].get(k)}
        unasked = want is None and (change["old"] != change["new"] or moved)
        other_way = want is not None and want.get("state") not in (None, change["new"]) and change["old"] != change["new"]
        if unasked or other_way:
            wrong.add(change["entity_id"])
    return sorted(wrong)


def summarize(out: Path, agent: str) -> dict:
    totals = yaml.safe_load((out / "reports.yaml").read_text())[0]
    categories = {c["category"]: [c["good"], c["total"]]
                  for c in yaml.safe_load((out / "reports-by-category.yaml").read_text())}
    with (out / "report.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["task_name"] == "eval-test_expected_states"]
    by_sentence: dict[str, set[str]] = {}
    for row in rows:
        by_sentence.setdefault(row["text"].strip().lower(), set()).add(row["label"])
    outputs = [yaml.safe_load(p.read_text()) for p in sorted((out / agent).glob("*.yaml")) if not p.name.startswith("_")]
    wrong, silent, durations = [], 0, []
    for output in outputs:
        recorded = out / "events" / f"{output['task_id']}.json"
        moved = wrong_actions(output, json.loads(recorded.read_text()) if recorded.exists() else [])
        if moved:
            wrong.append(f"{output['task']['input_text']!r} -> {', '.join(moved)}")
        silent += not str(output.get("response") or "").strip()
        if (ms := (output.get("context") or {}).get("duration_ms")) is not None:
            durations.append(float(ms))
    durations.sort()
    return {"good": totals["good"], "total": totals["total"], "good_percent": totals["good_percent"],
            "categories": categories,
            "unique_good": sum(labels == {"Good"} for labels in by_sentence.values()),
            "unique_total": len(by_sentence), "unique_mixed": sum(len(labels) > 1 for labels in by_sentence.values()),
            "wrong_actions": len(wrong), "wrong_examples": sorted(set(wrong))[:20], "silent": silent,
            "p50_ms": round(statistics.median(durations), 1) if durations else None,
            "p95_ms": round(durations[int(0.95 * (len(durations) - 1))], 1) if durations else None}


def table(dataset: str, runs: dict[str, dict[str, dict]]) -> str:
    lines = [f"### {dataset}", "",
             "| HA | agent | good/total | % | unique sentences | wrong actions | silent | p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for release, agents in runs.items():
        for agent, r in agents.items():
            lines.append(f"| {release} | {agent} | {r['good']}/{r['total']} | {r['good_percent']} | "
                         f"{r['unique_good']}/{r['unique_total']} | {r['wrong_actions']} | {r['silent']} | "
                         f"{r['p50_ms']} / {r['p95_ms']} |")
    names = sorted({c for agents in runs.values() for r in agents.values() for c in r["categories"]})
    lines += ["", "| HA | agent | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for release, agents in runs.items():
        for agent, r in agents.items():
            cells = [f"{r['categories'][c][0]}/{r['categories'][c][1]}" if c in r["categories"] else "-" for c in names]
            lines.append(f"| {release} | {agent} | " + " | ".join(cells) + " |")
    column = 0 if dataset == "assist" else 1
    lines += ["", "Published leaderboard (LLM agents, same dataset): "
              + ", ".join(f"{model} {scores[column]}" for model, scores in LEADERBOARD.items())]
    return "\n".join(lines)
