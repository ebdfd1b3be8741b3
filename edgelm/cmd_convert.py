"""`edgelm convert`: parse options, call converter.pipeline.convert, map errors to one line."""

from __future__ import annotations

from pathlib import Path

import click

from devices import QUANTIZATIONS
from edge_agent.inference.bundle import TASKS


@click.command()
@click.argument("model")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Bundle dir or .tar.gz.")
@click.option("--device", default="x86-64", show_default=True, help="Target board profile.")
@click.option("--task", default=None, help=" | ".join(TASKS) + " (default: from the checkpoint).")
@click.option("--format", "fmt", default="auto", show_default=True,
              help="onnx | tflite | auto: the board's preferred format (LiteRT on Raspberry Pi) where the model "
                   "supports it.")
@click.option("--quantize", default="auto", show_default=True, type=click.Choice(["auto", *QUANTIZATIONS]))
@click.option("--prune-heads", default=None, help="Fraction of heads to remove, or 'auto'.")
@click.option("--prune-ffn", default=None, type=float, help="Fraction of FFN neurons to remove.")
@click.option("--prune-vocab", is_flag=True, help="Keep only the vocabulary the domain uses.")
@click.option("--vocab-min-count", default=1, show_default=True, type=click.IntRange(min=1),
              help="With --prune-vocab: keep a token only when the texts use it this often.")
@click.option("--vocab-keep", "vocab_keep_file", type=click.Path(path_type=Path),
              help="With --prune-vocab: a file of words or texts (one a line) whose tokens are always kept.")
@click.option("--recover-steps", default=0, show_default=True, help="Distil the original into the pruned model.")
@click.option("--train", "train_file", type=click.Path(path_type=Path),
              help="jsonl {text} for --recover-steps; with --prune-vocab its tokens are kept too.")
@click.option("--eval", "eval_file", type=click.Path(path_type=Path), help="jsonl {text, label}.")
@click.option("--calibration", type=click.Path(path_type=Path), help="jsonl {text} for static int8.")
@click.option("--max-accuracy-drop", default=1.0, show_default=True, type=float, help="Points.")
@click.option("--max-seq-len", default=None, type=int)
@click.option("--sign-key", type=click.Path(path_type=Path), help="ed25519 private key (edgelm keys generate).")
@click.option("--name", default=None, help="Model name in the manifest (default: source dir name).")
@click.option("--version", "model_version", default="1.0.0", show_default=True)
def convert(model, output, device, task, fmt, quantize, prune_heads, prune_ffn, prune_vocab, vocab_min_count,
            vocab_keep_file, recover_steps,
            train_file, eval_file,
            calibration, max_accuracy_drop, max_seq_len, sign_key, name, model_version) -> None:
    """Export, quantize and verify MODEL (local HF dir or hub id) into a bundle for one board."""
    try:
        from converter.errors import ConversionError
        from converter.pipeline import ConvertOptions
        from converter.pipeline import convert as run_convert
    except ImportError as exc:
        raise click.ClickException(f"the converter needs its extra: pip install 'edgelm[convert]' ({exc})") from exc
    from edge_agent.inference.bundle import BundleError

    opts = ConvertOptions(device=device, task=task, format=fmt, quantize=quantize, eval_file=eval_file,
                          calibration_file=calibration, max_accuracy_drop=max_accuracy_drop, sign_key=sign_key,
                          max_seq_len=max_seq_len, name=name, version=model_version, prune_heads=prune_heads,
                          prune_ffn=prune_ffn, prune_vocab=prune_vocab, vocab_min_count=vocab_min_count, vocab_keep_file=vocab_keep_file,
                          recover_steps=recover_steps, train_file=train_file)
    try:
        result = run_convert(model, output, opts)
    except (ConversionError, BundleError) as exc:
        raise click.ClickException(str(exc)) from exc
    m = result.manifest
    parity = m.metrics.get("parity", {})
    click.echo(f"wrote {result.bundle}: {m.family}/{m.task} {m.quantization['mode']} "
               f"{m.metrics['size_bytes'] / 2**20:.1f} MB, cosine {parity.get('cosine')}, "
               f"top-1 {parity.get('top1_agreement')}")
