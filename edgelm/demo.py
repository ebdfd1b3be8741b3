"""`edgelm demo`: the whole path on this machine with embedded defaults.

Check the package's shipped `home` model (or, with --train, train and convert one), start a private
Mosquitto and an agent, send English and Spanish commands and chit-chat, print what came back, then stop
everything it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import time
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from edgelm.children import stop_on_signals
from edgelm.tables import print_table

COMMANDS = [
    ("en", "turn on the kitchen lights"),
    ("en", "turn off the bedroom light"),
    ("en", "what is the temperature in the living room"),
    ("en", "set a timer for 10 minutes"),
    ("en", "open the garage door"),
    ("en", "add milk to my shopping list"),
    ("es", "enciende las luces de la cocina"),
    ("es", "apaga la luz del dormitorio"),
    ("es", "pon un temporizador de 10 minutos"),
    ("es", "abre la puerta del garaje"),
    ("es", "qué hora es"),
    ("en", "I love this song"),  # chit-chat: the answer must be `intent: null`
    ("es", "me encanta esta canción"),
    ("en", "don't switch on the kitchen light yet"),  # asks for no action: the agent abstains (`abstained`)
]
DEVICE_ID = "demo"


@dataclass
class DemoOptions:
    cache_dir: Path
    budget: str = "small"
    langs: tuple[str, ...] = ("en", "es")
    train: bool = False  # train and convert a model here instead of serving the shipped one
    retrain: bool = False
    keep_running: bool = False
    broker: str = "auto"  # auto: Mosquitto where installed, else the in-process amqtt broker
    telemetry_json: bool = False  # print the whole telemetry sample, not its summary line


def default_cache_dir() -> Path:
    return Path(os.environ.get("EDGELM_CACHE", Path.home() / ".cache" / "edgelm"))


def run_demo(opts: DemoOptions, console: Console | None = None) -> dict:
    """The demo; SIGTERM and SIGHUP stop it as Ctrl-C does (raising `children.Stopped`), and its broker and
    agent end with it even if it is killed."""
    console = console or Console()
    with stop_on_signals():
        summary = demo_bundle(opts, console)
        return _serve_and_ask(opts, Path(summary["bundle"]), summary, console)


def _serve_and_ask(opts: DemoOptions, bundle: Path, summary: dict, console: Console) -> dict:
    from edgelm.agent_process import start_agent_process
    from edgelm.amqtt_broker import start_private_broker

    console.rule("[3/5] broker and agent")
    broker = start_private_broker(opts.broker)
    protocol = "5" if broker.protocol == 5 else "3.1.1"
    agent = None
    try:
        # The agent runs as its own process, as on a board: its telemetry shows its own RSS, not torch's.
        with console.status("starting the agent (its own process, as on a board)"):
            agent, startup = start_agent_process(bundle, broker.url, DEVICE_ID, "--device", "x86-64",
                                                 "--telemetry-interval", "1", protocol=broker.protocol,
                                                 die_with_parent=True)
        console.print(f"{type(broker).__name__} (MQTT {protocol}) on {broker.url}; "
                      f"agent '{DEVICE_ID}' (pid {agent.pid}) online in {startup:.2f}s")
        summary["broker"] = {"kind": type(broker).__name__, "protocol": protocol}
        summary["answers"], summary["telemetry"] = _ask(broker, console, opts.telemetry_json)
        ask = (f"edgelm ask \"turn on the kitchen lights\" --broker {broker.url} --device {DEVICE_ID} "
               f"--protocol {protocol}")
        if opts.keep_running:
            console.print("\nbroker and agent keep running (Ctrl-C stops them); ask your own with:")
            console.print(f"  {ask}", soft_wrap=True, markup=False, highlight=False)  # one line, copyable
            with contextlib.suppress(KeyboardInterrupt):
                agent.wait()
        else:
            console.print("\nto keep broker and agent up and ask your own: edgelm demo --keep-running, then")
            console.print(f"  {ask}", soft_wrap=True, markup=False, highlight=False)
    finally:
        if agent is not None:
            agent.terminate()
            agent.wait(15)
        broker.stop()
    return summary


def demo_bundle(opts: DemoOptions, console: Console) -> dict:
    """Steps 1 and 2: the model and its int8 bundle: the shipped one, or (--train) one trained and converted
    here, made once and reused (the OTA benchmark's too)."""
    if not (opts.train or opts.retrain):
        return _shipped_bundle(console)
    tag = f"{'-'.join(opts.langs)}-{opts.budget}"
    checkpoint = opts.cache_dir / f"intents-{tag}"
    bundle = opts.cache_dir / f"bundle-{tag}"
    summary: dict = {"checkpoint": str(checkpoint), "bundle": str(bundle)}
    console.rule("[1/5] intent model")
    summary["train"] = _intent_model(opts, checkpoint, console)
    console.rule("[2/5] int8 bundle")
    _int8_bundle(opts, checkpoint, bundle, console)
    return summary


def _shipped_bundle(console: Console) -> dict:
    from edge_agent.inference.bundle import open_bundle
    from edgelm.home_model import RELEASE_KEY, shipped_home_bundle

    bundle = shipped_home_bundle()
    console.rule("[1/5] the shipped home model")
    # files and release signature here; the agent runs the golden examples when it loads the model, so
    # the demo does not load it twice
    with console.status("checking its files and release signature"):
        manifest = open_bundle(bundle, trust_key=RELEASE_KEY).manifest
    console.rule("[2/5] int8 bundle")
    size = sum(p.stat().st_size for p in bundle.iterdir() if p.is_file()) / 2**20
    ev = manifest.metrics.get("eval", {})
    console.print(f"{manifest.name} {manifest.version} ({', '.join(manifest.languages)}): {size:.1f} MB, signed by "
                  f"the release key; held-out macro-F1 int8 {ev.get('macro_f1')}; "
                  f"{len(manifest.labels)} labels, {len(manifest.slot_labels)} slot tags")
    console.print(f"built by: {manifest.provenance.get('recipe', '?')} (`edgelm demo --train` trains your own)")
    return {"bundle": str(bundle), "shipped": True, "version": manifest.version}


def _intent_model(opts: DemoOptions, checkpoint: Path, console: Console) -> dict:
    from converter.intents.train import train_intents

    if opts.retrain or not (checkpoint / "train_report.json").exists():
        report = train_intents(checkpoint, list(opts.langs), opts.budget)
    else:
        report = json.loads((checkpoint / "train_report.json").read_text())
        console.print(f"reusing {checkpoint}")
    console.print("held-out templates: " + ", ".join(
        f"{lang} accuracy {report[f'test_{lang}']['accuracy']:.3f} macro-F1 {report[f'test_{lang}']['macro_f1']:.3f}"
        for lang in opts.langs if f"test_{lang}" in report))
    return report


def convert_settings(checkpoint: Path) -> dict:
    """How the demo converts what it trained (the test suite caches the same conversion)."""
    return {"device": "x86-64", "quantize": "dynamic-int8", "eval_file": checkpoint / "eval.jsonl",
            "calibration_file": checkpoint / "calibration.jsonl", "max_accuracy_drop": 2.0, "name": "home-intents"}


def _int8_bundle(opts: DemoOptions, checkpoint: Path, bundle: Path, console: Console) -> None:
    from converter.pipeline import ConvertOptions, convert

    if opts.retrain or not (bundle / "manifest.json").exists():
        convert(str(checkpoint), bundle, ConvertOptions(**convert_settings(checkpoint)))
    else:
        console.print(f"reusing {bundle}")
    manifest = json.loads((bundle / "manifest.json").read_text())
    ev, orig = manifest["metrics"].get("eval", {}), manifest["metrics"].get("eval_original", {})
    console.print(f"{manifest['metrics']['size_bytes'] / 2**20:.1f} MB; macro-F1 fp32 {orig.get('macro_f1')} -> "
                  f"int8 {ev.get('macro_f1')}; accuracy {orig.get('accuracy')} -> {ev.get('accuracy')}")


def _answers_table(rows: list[tuple[str, ...]]) -> Table:
    """At 80 columns the sentence and slots wrap; intent names never shorten (rich would cut them)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("lang", no_wrap=True)
    table.add_column("text", overflow="fold", ratio=3)
    table.add_column("intent", no_wrap=True, min_width=max(len(row[2]) for row in rows))
    table.add_column("conf.", no_wrap=True)
    table.add_column("slots", overflow="fold", ratio=2)
    table.add_column("ms agent/trip", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def telemetry_line(sample: dict) -> str:
    """The telemetry sample in one line (`--json` prints all of it)."""
    lat = sample.get("latency_ms") or {}
    parts = [f"{sample.get('requests', 0)} requests", f"{sample.get('errors', 0)} errors",
             f"p50 {lat.get('p50', 0):.1f} ms / p95 {lat.get('p95', 0):.1f} ms",
             f"queue {sample.get('queue_depth', 0)}", f"RSS {sample.get('rss_mb', 0):.0f} MB",
             f"CPU {sample.get('cpu_percent', 0):.0f}%"]
    return "telemetry: " + ", ".join(parts)


def _ask(broker, console: Console, as_json: bool = False) -> tuple[list[dict], dict]:
    """Steps 4 and 5: the demo's commands over MQTT, then a telemetry sample that counts them."""
    from edge_agent.client import EdgeClient

    console.rule("[4/5] commands over MQTT")
    rows: list[tuple[str, ...]] = []
    answers = []
    with EdgeClient(broker.url, protocol=broker.protocol) as client:
        telemetry: queue.Queue = queue.Queue()
        client.conn.subscribe(f"edgelm/{DEVICE_ID}/telemetry", lambda m: telemetry.put(m.payload), qos=0)
        for lang, text in COMMANDS:
            t0 = time.perf_counter()
            answer = client.request(text, device=DEVICE_ID)
            rtt = (time.perf_counter() - t0) * 1000
            intent = answer.get("intent") or {}
            answers.append({"lang": lang, "text": text, **answer})
            best = (answer.get("alternatives") or [{}])[0]
            slots = ", ".join(f"{s['name']}={s['value']}" for s in answer.get("slots") or []) or "-"
            # what was turned down, and why when the agent abstained rather than acted
            shown = intent.get("name") or f"null ({answer.get('abstained') or best.get('name', '-')})"
            rows.append((lang, text, shown, f"{best.get('confidence', 0):.2f}", slots,
                         f"{answer['latency_ms']['total']:.1f}/{rtt:.1f}"))
        print_table(_answers_table(rows), console)
        console.rule("[5/5] telemetry")
        # the first sample may have left before the commands ran (it is sent at start): wait for one after
        deadline = time.monotonic() + 5
        with console.status("waiting for a telemetry sample that counts them"):
            sample = json.loads(telemetry.get(timeout=5))
            while sample.get("requests", 0) < len(COMMANDS) and time.monotonic() < deadline:
                try:
                    sample = json.loads(telemetry.get(timeout=max(0.1, deadline - time.monotonic())))
                except queue.Empty:
                    break
        if as_json:
            console.print_json(data=sample)
        else:
            console.print(telemetry_line(sample), soft_wrap=True)
    return answers, sample
