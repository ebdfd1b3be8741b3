"""`edgelm bench BUNDLE [--compare BUNDLE ...] [--baseline MODEL]`: latency, throughput and peak RSS, side
by side (e.g. the LiteRT and the ONNX bundle of the same model)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import click


def _summary(runs: list[dict]) -> dict:
    points = {p: round(statistics.median(statistics.median(r["points"][p]) for r in runs), 3)
              for p in runs[0]["points"]}
    out = {"p50_ms": points, "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
           "load_s": statistics.median(r["load_s"] for r in runs)}
    if "tokens_per_s" in runs[0]:
        out["tokens_per_s"] = statistics.median(r["tokens_per_s"] for r in runs)
    return out


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--compare", type=click.Path(path_type=Path), multiple=True,
              help="More bundles of the same model (another runtime or quantization), measured in the same run.")
@click.option("--baseline", type=click.Path(path_type=Path), help="The HF checkpoint it came from (PyTorch fp32).")
@click.option("--seqs", default="16,32,128", show_default=True)
@click.option("--batches", default="1,8", show_default=True)
@click.option("--runs", default=3, show_default=True, help="Fresh processes per backend, interleaved.")
@click.option("--threads", default=0, help="0: all cores.")
@click.option("--json", "as_json", is_flag=True)
def bench(bundle, compare, baseline, seqs, batches, runs, threads, as_json) -> None:
    """Benchmark a bundle (and optionally other bundles and its PyTorch original) in fresh subprocesses."""
    from converter.bench import run_isolated

    opened = [_open(path) for path in (bundle, *compare)]
    m = opened[0].manifest
    generative = m.task == "text-generation"
    if any((o.manifest.task == "text-generation") != generative for o in opened):
        raise click.ClickException("--compare needs bundles of the same task (all generation or all classification)")
    # random ids valid for every bundle (a vocabulary-pruned one keeps ~1,400 tokens); cost does not depend on ids
    vocab = min(_vocab(o.path / o.manifest.tokenizer_file, baseline) for o in opened)
    seq_list = [int(s) for s in seqs.split(",")]
    batch_list = [int(b) for b in batches.split(",")]
    cached = min(128, min(o.manifest.max_seq_len for o in opened) - 1)  # decode step after this many tokens
    backends: dict[str, tuple[str, Path]] = {}
    for o in opened:
        kind = RUNTIME_KINDS[o.manifest.runtime] + ("-lm" if generative else "")
        name = f"{o.manifest.runtime} {o.manifest.quantization.get('mode')}"
        backends[name if name not in backends else f"{name} #{len(backends) + 1}"] = (kind, o.model_path)
    if baseline is not None:
        backends["PyTorch fp32"] = ("torch-lm" if generative else "torch", baseline)
    samples: dict[str, list] = {name: [] for name in backends}
    try:
        for _ in range(runs):
            for name, (kind, path) in backends.items():
                samples[name].append(run_isolated(kind, path, vocab, seq_list, batch_list, threads, cached=cached))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    results = {name: _summary(r) for name, r in samples.items()}
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    names = list(results)
    width = max(len(n) for n in names) + 2
    click.echo(f"{'point':<12}" + "".join(f"{n:>{width}}" for n in names) + ("   each / first" if len(names) > 1 else ""))
    for point in results[names[0]]["p50_ms"]:
        values = [results[n]["p50_ms"][point] for n in names]
        ratios = " ".join(f"{v / values[0]:.2f}x" for v in values[1:])
        click.echo(f"{point + ' ms':<12}" + "".join(f"{v:>{width}.3f}" for v in values) + f"   {ratios}")
    for key in ("peak_rss_mb", "load_s", "tokens_per_s"):
        if key in results[names[0]]:
            click.echo(f"{key:<12}" + "".join(f"{results[n].get(key, float('nan')):>{width}}" for n in names))


RUNTIME_KINDS = {"onnxruntime": "ort", "litert": "litert"}


def _open(path: Path):
    from edge_agent.inference.bundle import BundleError, open_bundle

    try:
        return open_bundle(path)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from exc


def _vocab(tokenizer_file: Path, baseline: Path | None) -> int:
    if baseline is not None and (baseline / "config.json").exists():
        return int(json.loads((baseline / "config.json").read_text())["vocab_size"])
    return len(json.loads(tokenizer_file.read_text())["model"]["vocab"])
