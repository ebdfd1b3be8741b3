"""Assist as Home Assistant users hear it, on the project's own sentences: real Home Assistant (in the
public benchmark's pytest harness, benchmarks/public_assist.py) with a synthetic home of 11 areas and 33
entities (benchmarks/ha_assist/home.yaml, Spanish aliases, HA's shopping list), the hand-written and blind
sets (benchmarks/handwritten/, en and es; blind v2's chit-chat and the two safety sets too, the safety
rows' expectations derived from their labels by benchmarks/ha_assist_safety.py), three agents side by side:

    python benchmarks/ha_assist.py [--ha 2025.4.4] [--langs en,es] [--datasets-repo ...] [--synthetic-home-repo ...]

- `assistant`: HA's built-in agent; `edgelm`: HA's wyoming integration pointed at the agent (the shipped home
  model; the home given as `edgelm home sync` gives it);
- `prefer-local`: HA's "prefer handling commands locally" order, composed per sentence from those two runs
  as the pipeline decides (every sentence starts from the same home): HA's answer where its own sentence
  templates matched an intent, else EdgeLM's.

Every service call HA makes is recorded (benchmarks/ha_assist_score.py has the verdicts); wrong actions
and chit-chat actions are counted apart; latency is the harness's per-sentence time.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from ha_assist_safety import safety_expectations  # noqa: E402
from ha_assist_score import load_expectations, load_recorded, matched_locally, verdict  # noqa: E402
from public_assist import CACHE, collect, harness_tree, harness_venv, served  # noqa: E402

from edgelm.demo_broker import Mosquitto  # noqa: E402

HERE = REPO / "benchmarks" / "ha_assist"
HANDWRITTEN = REPO / "benchmarks" / "handwritten"
SETS = ("commands", "blind_commands", "chitchat", "blind_chitchat", "blind2_chitchat", "safety", "safety2")
SAFETY = ("safety", "safety2")  # what they must do is derived from their labels (ha_assist_safety.py)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ha", default="2025.4.4")
    parser.add_argument("--langs", default="en,es")
    parser.add_argument("--agents", default="assistant,edgelm",
                        help="the agents to run again; the others are scored from their last run's outputs")
    parser.add_argument("--datasets-repo", default="https://github.com/allenporter/home-assistant-datasets")
    parser.add_argument("--synthetic-home-repo", default="https://github.com/allenporter/home-assistant-synthetic-home")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "ha-assist")
    return parser.parse_args()


def sentences(lang: str, name: str) -> list[dict]:
    return [json.loads(line) for line in (HANDWRITTEN / f"{name}_{lang}.jsonl").read_text().splitlines()]


def write_dataset(harness: Path, lang: str, expect: dict) -> str:
    """The sets as a dataset of the harness's format: one home, one test per sentence with its setup."""
    name = f"ha-assist-{lang}"
    root = harness / "datasets" / name
    (root / "home").mkdir(parents=True, exist_ok=True)
    (root / "dataset_card.yaml").write_text(yaml.safe_dump({
        "name": name, "description": "EdgeLM's hand-written and blind sets", "urls": [], "count": 1}))
    (root / "home" / "_fixtures.yaml").write_text((HERE / "home.yaml").read_text())
    for kind in SETS:
        tests = []
        for row in sentences(lang, kind):
            setup = (expect.get(row["text"]) or {}).get("setup") or {}
            tests.append({"sentences": [row["text"]],
                          "setup": {entity: {"state": state} for entity, state in setup.items()}})
        (root / "home" / f"{kind}.yaml").write_text(yaml.safe_dump({"category": kind, "tests": tests},
                                                                   allow_unicode=True, sort_keys=False))
    return name


def score_run(out: Path, agent: str, expect: dict) -> dict[str, dict]:
    """task id -> verdict (with its set, sentence, the harness's time and whether HA matched it locally)."""
    verdicts = {}
    for path in sorted((out / agent).glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        output = yaml.safe_load(path.read_text())
        text, kind = output["task"]["input_text"], output["task_id"].split("-", 1)[0].removeprefix("home_")
        found = verdict(output, load_recorded(out, output["task_id"]), None if "chitchat" in kind else expect[text])
        found.update(set=kind, text=text, local=matched_locally(output),
                     ms=(output.get("context") or {}).get("duration_ms"))
        verdicts[output["task_id"]] = found
    return verdicts


def prefer_local(assistant: dict[str, dict], edgelm: dict[str, dict]) -> dict[str, dict]:
    return {task: (assistant[task] if assistant[task]["local"] else edgelm[task]) for task in assistant}


def tally(verdicts: dict[str, dict]) -> dict:
    commands = [v for v in verdicts.values() if "commands" in v["set"] and v["good"] is not None]
    chat = [v for v in verdicts.values() if "chitchat" in v["set"]]
    good = [v for v in commands if v["good"]]
    ms = sorted(v["ms"] for v in verdicts.values() if v.get("ms") is not None)
    return {"commands_good": len(good), "commands": len(commands),
            "skipped": sum(1 for v in verdicts.values() if "commands" in v["set"] and v["good"] is None),
            "wrong_actions": sum(1 for v in commands if v["wrong"]), "chitchat_actions": sum(1 for v in chat if v["wrong"]),
            "chitchat": len(chat), "silent_good": sum(1 for v in good if v["silent"]),
            "error_text": sum(1 for v in verdicts.values() if v["error_text"]),
            "spoken_good": sum(1 for v in good if v["response"].strip() and not v["sorry"]),
            "p50_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else None,
            "failed": sorted(f"{v['set']}: {v['text']!r} -> {v['response']!r} {v['calls']}"
                             for v in verdicts.values() if v["good"] is False), **safety_tally(verdicts)}


def safety_tally(verdicts: dict[str, dict]) -> dict:
    """The safety sets: done right, and wrong actions (a call not asked for, on any row but a skipped one)."""
    rows = [v for v in verdicts.values() if v["set"] in SAFETY and v["good"] is not None]
    return {"safety_good": sum(1 for v in rows if v["good"]), "safety": len(rows),
            "safety_wrong_actions": sum(1 for v in rows if v["wrong"])}


@functools.lru_cache(maxsize=1)
def _home_model():
    """The shipped home model, loaded once for both languages."""
    from edge_agent.inference.model import load_model
    from edgelm.home_model import HOME_BUNDLE

    model = load_model(HOME_BUNDLE)
    assert model.classifier is not None
    return model


def model_intents(lang: str) -> dict[str, str | None]:
    """What the shipped model alone reads (intent, or None when it rejects the sentence), for the
    integration's loss beside the model's own intent accuracy."""
    from edge_agent.protocol.labels import recognised

    model = _home_model()
    threshold = model.manifest.thresholds.get("ood")
    read = {}
    for kind in ("commands", "blind_commands"):
        for row in sentences(lang, kind):  # one at a time, as the agent answers a lone request
            said = model.classifier.predict([row["text"]])[0]
            read[row["text"]] = said.label if recognised(said.label, said.confidence, threshold) else None
    return read


def run_language(args: argparse.Namespace, lang: str, broker: Mosquitto, python: Path) -> dict:
    expect = {**safety_expectations(lang, SAFETY), **load_expectations(HERE / f"expect_{lang}.yaml")}
    harness, component = harness_tree(args, CACHE / f"harness-{args.ha}")
    dataset = write_dataset(harness, lang, expect)
    aliases = args.out / "aliases.json"
    aliases.write_text(json.dumps(yaml.safe_load((HERE / "aliases.yaml").read_text()), ensure_ascii=False))
    runs = {}
    for agent in ("assistant", "edgelm"):
        out = args.out / args.ha / lang / agent
        if agent in args.agents.split(","):
            started = time.perf_counter()
            with served(agent, broker, harness) as env:
                collect(python, harness, component, agent, dataset, out,
                        {**env, "ASSIST_LANGUAGE": lang, "EDGELM_ALIASES": str(aliases), "EDGELM_SHOPPING_LIST": "1"})
            print(f"{args.ha} {lang} {agent}: {time.perf_counter() - started:.0f} s", flush=True)
        runs[agent] = score_run(out, agent, expect)
    runs["prefer-local"] = prefer_local(runs["assistant"], runs["edgelm"])
    read = model_intents(lang)
    labels = {row["text"]: row["intent"] for kind in ("commands", "blind_commands") for row in sentences(lang, kind)}
    scored = [v["text"] for v in runs["edgelm"].values() if "commands" in v["set"] and v["good"] is not None]
    return {"agents": {agent: tally(verdicts) for agent, verdicts in runs.items()},
            "model_right_intent": sum(1 for t in scored if read.get(t) == labels[t]), "scored": len(scored)}


def table(results: dict) -> str:
    lines = ["| lang | agent | commands done | wrong actions | chit-chat actions | safety sets right | "
             "safety wrong actions | silent successes | exception text | p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for lang, result in results.items():
        for agent, t in result["agents"].items():
            lines.append(f"| {lang} | {agent} | {t['commands_good']}/{t['commands']} | {t['wrong_actions']} | "
                         f"{t['chitchat_actions']}/{t['chitchat']} | {t['safety_good']}/{t['safety']} | "
                         f"{t['safety_wrong_actions']} | {t['silent_good']} | {t['error_text']} | "
                         f"{t['p50_ms']} / {t['p95_ms']} |")
        lines.append(f"| {lang} | the model alone: right intent | {result['model_right_intent']}/{result['scored']} "
                     "| | | | | | | |")
    return "\n".join(lines)


def main() -> None:
    args = _args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    python = harness_venv(args.ha)
    with Mosquitto() as broker:
        results = {lang: run_language(args, lang, broker, python) for lang in args.langs.split(",")}
    (args.out / f"{args.ha}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results))


if __name__ == "__main__":
    main()
