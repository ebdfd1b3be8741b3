"""`edgelm demo` and `edgelm train-intents`."""

from __future__ import annotations

from pathlib import Path

import click


def _langs(value: str) -> list[str]:
    langs = [x.strip() for x in value.split(",") if x.strip()]
    unknown = [x for x in langs if x not in ("en", "es")]
    if not langs or unknown:
        raise click.BadParameter(f"languages must be en, es or en,es (got {value!r})")
    return langs


@click.command()
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Where the trained model and bundle are kept (default: $EDGELM_CACHE or ~/.cache/edgelm).")
@click.option("--train", is_flag=True, help="Train and convert a model here instead of serving the shipped one.")
@click.option("--budget", type=click.Choice(["tiny", "small", "full"]), default="small", show_default=True,
              help="Training budget (with --train).")
@click.option("--lang", "lang", default="en,es", show_default=True, help="Training languages (with --train).")
@click.option("--retrain", is_flag=True, help="Train again, ignoring the cache (implies --train).")
@click.option("--keep-running", is_flag=True, help="Leave broker and agent up and print an `edgelm ask` line.")
@click.option("--broker", "broker_kind", type=click.Choice(["auto", "mosquitto", "amqtt"]), default="auto",
              show_default=True, help="auto: Mosquitto where installed, else an in-process amqtt (MQTT 3.1.1).")
@click.option("--json", "telemetry_json", is_flag=True, help="Print the whole telemetry sample, not a summary.")
def demo(cache_dir, train, budget, lang, retrain, keep_running, broker_kind, telemetry_json) -> None:
    """Serve and query the shipped bilingual home-automation model (or, with --train, one trained here)."""
    try:
        from converter.errors import ConversionError
        from edgelm.agent_process import AgentStartError
        from edgelm.children import Stopped
        from edgelm.demo import DemoOptions, default_cache_dir, run_demo
        from edgelm.demo_broker import BrokerError
        from edgelm.home_model import NoShippedModel
    except ImportError as exc:
        raise click.ClickException(f"the demo needs: pip install 'edgelm[agent,onnx,convert,intents]' ({exc})") from exc
    opts = DemoOptions(cache_dir=cache_dir or default_cache_dir(), budget=budget, langs=tuple(_langs(lang)),
                       train=train, retrain=retrain, keep_running=keep_running, broker=broker_kind,
                       telemetry_json=telemetry_json)
    try:
        run_demo(opts)
    except (ConversionError, BrokerError, AgentStartError, NoShippedModel) as exc:
        raise click.ClickException(str(exc)) from exc
    except Stopped as stop:  # broker and agent are stopped by then
        click.echo(f"{stop}: broker and agent stopped", err=True)
        raise SystemExit(128 + stop.signum) from None


@click.command("train-intents")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
@click.option("--lang", default="en", show_default=True, help="en, es or en,es")
@click.option("--base", type=click.Path(path_type=Path), default=None, help="Encoder checkpoint (default: packaged MiniLM-L6).")
@click.option("--budget", type=click.Choice(["tiny", "small", "full"]), default="full", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--slots", is_flag=True, help="Joint intent + slot model (area, name, duration, ...): task intent-slots.")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="Training steps (default: the budget's).")
@click.option("--ood/--no-ood", default=True, show_default=True,
              help="Train the OutOfDomain class (chit-chat, off-domain requests) beside the threshold.")
@click.option("--augment/--no-augment", default=True, show_default=True,
              help="Rewrite part of the training sentences as people talk (politeness, numbers as words).")
def train_intents_cmd(output, lang, base, budget, seed, slots, steps, ood, augment) -> None:
    """Fine-tune an encoder on Home Assistant's public intent sentences; writes a HF checkpoint and
    eval.jsonl / calibration.jsonl for `edgelm convert --eval/--calibration`."""
    from converter.errors import ConversionError
    from converter.intents.train import TrainOptions, train_intents

    try:
        report = train_intents(output, _langs(lang), budget,
                               TrainOptions(base=base, seed=seed, slots=slots, steps=steps, ood=ood,
                                                            augment=augment))
    except ConversionError as exc:
        raise click.ClickException(str(exc)) from exc
    for key, value in report.items():
        if key.startswith("test") and isinstance(value, dict):
            click.echo(f"{key:<16} n={value['n']:<5} accuracy {value['accuracy']:.4f}  macro-F1 {value['macro_f1']:.4f}")
        elif key.startswith("slots_") and isinstance(value, dict):
            click.echo(f"{key:<28} spans={value['n_spans']:<5} slot F1 {value['f1']:.4f}")
    for lang_code in _langs(lang):
        ood = report["ood"][lang_code]
        parts = "; ".join(f"{part}: in-domain kept {ood[part]['in_domain_recall']:.3f}, chit-chat let through "
                          f"{ood[part]['false_trigger_rate']:.3f}" for part in ("class", "threshold", "both") if part in ood)
        click.echo(f"out-of-domain {lang_code}: {parts}")
    click.echo(f"wrote {output} in {report['seconds']:.0f}s")
