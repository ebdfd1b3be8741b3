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

from rich.console import Console
from rich.table import Table

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


def default_cache_dir() -> Path:
    return Path(os.environ.get("EDGELM_CACHE", Path.home() / ".cache" / "edgelm"))


def run_demo(opts: DemoOptions, console: Console | None = None) -> dict:
    from edgelm.agent_process import start_agent_process
    from edgelm.amqtt_broker import start_private_broker

    console = console or Console()
    summary = demo_bundle(opts, console)
    bundle = Path(summary["bundle"])

    console.rule("[3/5] broker and agent")
    broker = start_private_broker(opts.broker)
    protocol = "5" if broker.protocol == 5 else "3.1.1"
    agent = None
    try:
        # The agent runs as its own process, as on a board: its telemetry shows its own RSS, not torch's.
        with console.status("starting the agent (its own process, as on a board)"):
            agent, startup = start_agent_process(bundle, broker.url, DEVICE_ID, "--device", "x86-64",
                                                 "--telemetry-interval", "1", protocol=broker.protocol)
        console.print(f"{type(broker).__name__} (MQTT {protocol}) on {broker.url}; "
                      f"agent '{DEVICE_ID}' (pid {agent.pid}) online in {startup:.2f}s")
        summary["broker"] = {"kind": type(broker).__name__, "protocol": protocol}
        summary["answers"], summary["telemetry"] = _ask(broker, console)
        ask = (f"edgelm ask \"turn on the kitchen lights\" --broker {broker.url} --device {DEVICE_ID} "
               f"--protocol {protocol}")
        if opts.keep_running:
            console.print(f"\nbroker and agent keep running; try:\n  {ask}\nCtrl-C stops them.")
            with contextlib.suppress(KeyboardInterrupt):
                agent.wait()
        else:
            console.print(f"\nto keep broker and agent up and ask your own: edgelm demo --keep-running, then\n  {ask}")
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
    from edge_agent.bundle import open_bundle
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


def _int8_bundle(opts: DemoOptions, checkpoint: Path, bundle: Path, console: Console) -> None:
    from converter.pipeline import ConvertOptions, convert

    if opts.retrain or not (bundle / "manifest.json").exists():
        convert(str(checkpoint), bundle, ConvertOptions(
            device="x86-64", quantize="dynamic-int8", eval_file=checkpoint / "eval.jsonl",
            calibration_file=checkpoint / "calibration.jsonl", max_accuracy_drop=2.0, name="home-intents"))
    else:
        console.print(f"reusing {bundle}")
    manifest = json.loads((bundle / "manifest.json").read_text())
    ev, orig = manifest["metrics"].get("eval", {}), manifest["metrics"].get("eval_original", {})
    console.print(f"{manifest['metrics']['size_bytes'] / 2**20:.1f} MB; macro-F1 fp32 {orig.get('macro_f1')} -> "
                  f"int8 {ev.get('macro_f1')}; accuracy {orig.get('accuracy')} -> {ev.get('accuracy')}")


def _ask(broker, console: Console) -> tuple[list[dict], dict]:
    """Steps 4 and 5: the demo's commands over MQTT, then a telemetry sample that counts them."""
    from edge_agent.client import EdgeClient

    console.rule("[4/5] commands over MQTT")
    table = Table("lang", "text", "intent", "confidence", "slots", "agent ms", "round trip ms")
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
            shown = intent.get("name") or f"null ({best.get('name', '-')})"  # what was turned down
            table.add_row(lang, text, shown, f"{best.get('confidence', 0):.3f}", slots,
                          f"{answer['latency_ms']['total']:.2f}", f"{rtt:.2f}")
        print_table(table, console)
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
        console.print_json(data=sample)
    return answers, sample
