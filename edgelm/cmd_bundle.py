"""`edgelm inspect`, `edgelm keys generate`, `edgelm sign`: bundle housekeeping, no converter needed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edge_agent.inference import signing
from edge_agent.inference.bundle import SIGNATURE, BundleError, open_bundle, sign_bundle, verify_files


@click.command("inspect")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--key", type=click.Path(path_type=Path), help="Public key to check the signature with.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest and checks as JSON.")
def inspect_cmd(bundle: Path, key: Path | None, as_json: bool) -> None:
    """Show a bundle's manifest, sizes, parity/accuracy report and signature state; exit 1 if tampered."""
    try:
        opened = open_bundle(bundle, check_files=False)
    except BundleError as exc:
        raise click.ClickException(str(exc)) from exc
    m = opened.manifest
    problems = verify_files(opened.path, m)
    sig_state = "unsigned"
    if (opened.path / SIGNATURE).is_file():
        sig_state = "signed (not checked: pass --key)"
        if key is not None:
            try:
                signing.verify_bytes((opened.path / "manifest.json").read_bytes(),
                                     (opened.path / SIGNATURE).read_bytes(), key)
                sig_state = "signed, valid"
            except signing.SignatureError as exc:
                sig_state = f"signed, INVALID ({exc})"
                problems.append(f"signature: {exc}")
    if as_json:
        click.echo(json.dumps({"manifest": m.to_dict(), "signature": sig_state, "problems": problems}, indent=2))
    else:
        _print_summary(opened.path, m, sig_state, problems)
    if problems:
        raise click.ClickException(f"bundle failed verification: {'; '.join(problems)}")


def _print_summary(path: Path, m, sig_state: str, problems: list[str]) -> None:
    click.echo(f"bundle      {path}")
    click.echo(f"model       {m.name} {m.version}  ({m.family}/{m.task}, {m.runtime}, device {m.device})")
    _print_headline(m)
    q = m.quantization
    click.echo(f"quantized   {q.get('mode')}  int8 fraction {q.get('int8_fraction')}  "
               f"kept fp32 {', '.join(q.get('kept_fp32') or []) or '-'}")
    click.echo(f"max seq     {m.max_seq_len}   labels {len(m.labels)}")
    _print_pruning(m.pruning)
    for name in sorted(m.files):
        size = (path / name).stat().st_size if (path / name).is_file() else 0
        click.echo(f"  {name:<28} {size / 2**20:8.2f} MB")
    parity = m.metrics.get("parity", {})
    click.echo(f"parity      {q.get('mode')} bundle vs PyTorch fp32 on {parity.get('n')} inputs (eval, calibration "
               f"and generated texts): cosine {parity.get('cosine')}  max|diff| {parity.get('max_abs_diff')}  "
               f"top-1 {parity.get('top1_agreement')}")
    if m.slot_labels:
        kinds = sorted({t[2:] for t in m.slot_labels if t != "O"})
        click.echo(f"slots       {len(kinds)} kinds: {', '.join(kinds)}")
    click.echo(f"signature   {sig_state}")
    click.echo(f"files       {'OK' if not problems else 'TAMPERED: ' + '; '.join(problems)}")


def _print_headline(m) -> None:
    """The model's own numbers first, each with what it was measured on."""
    if "eval" not in m.metrics:
        click.echo("accuracy    not measured (convert with --eval FILE)")
        return
    e, o = m.metrics["eval"], m.metrics.get("eval_original", {})
    langs = ", ".join(m.languages) if getattr(m, "languages", None) else "the eval file's"
    click.echo(f"held-out    the --eval set at conversion: {e['n']:,} sentences ({langs}), "
               f"macro over the {len(e.get('per_label') or {})} labels it holds")
    click.echo(f"  {m.quantization.get('mode') or 'this bundle'}{'':<9} macro-F1 {e['macro_f1']}  accuracy {e['accuracy']}"
               f"   (PyTorch fp32 original: {o.get('macro_f1')} / {o.get('accuracy')})")
    if "slots" in m.metrics:
        sl, so = m.metrics["slots"], m.metrics.get("slots_original", {})
        click.echo(f"  slot F1{'':<14} {sl['f1']}  on {sl['n_spans']:,} spans (PyTorch fp32: {so.get('f1')}; "
                   f"same spans on {m.metrics.get('slots_span_agreement')} of sentences)")


def _print_pruning(p: dict) -> None:
    if not p or p.get("params_before") is None:
        click.echo("pruned      no")
        return
    removed = p.get("heads_removed") or {}
    click.echo(f"pruned      parameters {p['params_before']:,} -> {p['params_after']:,}"
               + ("  (auto)" if p.get("auto") else ""))
    click.echo(f"  heads     per layer {p.get('heads_per_layer')}  removed "
               + (", ".join(f"L{k}:{v}" for k, v in removed.items()) or "-"))
    click.echo(f"  FFN       {p.get('ffn_before') or '-'} -> {p.get('ffn_after') or '-'} per layer")
    click.echo(f"  vocab     {p.get('vocab_before') or '-'} -> {p.get('vocab_after') or '-'}")
    before, after = p.get("metrics_before"), p.get("metrics_after")
    if before and after:
        click.echo(f"  macro-F1  {before['macro_f1']} -> {after['macro_f1']} (the pruning step's own check: PyTorch "
                   "fp32 on the --eval set, unpruned -> pruned, before quantization)")


@click.group()
def keys() -> None:
    """ed25519 signing keys."""


@keys.command("generate")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
def generate(output: Path) -> None:
    private, public = signing.generate_keys(output)
    click.echo(f"private key {private}\npublic key  {public}  (give this one to the agents)")


@click.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--key", required=True, type=click.Path(path_type=Path), help="Private key.")
def sign(bundle: Path, key: Path) -> None:
    """Sign a bundle directory's manifest.json (which hashes every file)."""
    try:
        opened = open_bundle(bundle)
        if opened._tmp is not None:
            raise click.ClickException("sign a bundle directory, not an archive")
        path = sign_bundle(opened.path, key)
    except (BundleError, signing.SignatureError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"signed: {path}")
