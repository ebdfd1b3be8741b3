"""`edgelm convert` as a library call: one sequence for every format backend.

resolve → (prune) → export → run the original → verify the fp32 export → quantize and verify → bundle."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import devices
from converter import verify
from converter.bundle_writer import ConversionResult, write_bundle
from converter.context import ConversionContext, ConvertOptions, References
from converter.data import load_eval, load_texts, synthetic_texts
from converter.errors import ConversionError
from converter.formats import FormatBackend, get_format
from converter.progress import Steps
from converter.prune.stage import PruneOptions, prune_checkpoint
from converter.source import Source, resolve, write_tokenizer_json
from edge_agent.inference.generate import Generator
from edge_agent.inference.model import load_tokenizer
from edge_agent.inference.runtime import load_runtime

__all__ = ["ConversionResult", "ConvertOptions", "convert", "resolve_format", "resolve_quantization"]
AUTO = "auto"
N_VERIFY = 64


def _profile(device) -> devices.DeviceProfile:
    if isinstance(device, devices.DeviceProfile):
        return device
    try:
        return devices.get_profile(device)
    except devices.UnknownDeviceError as exc:
        raise ConversionError(str(exc)) from exc


def resolve_quantization(mode: str, profile: devices.DeviceProfile) -> str:
    if mode != AUTO and mode not in devices.QUANTIZATIONS:
        raise ConversionError(f"unknown quantization {mode!r}; choose from {AUTO}, {', '.join(devices.QUANTIZATIONS)}")
    return profile.default_quantization if mode == AUTO else mode


def resolve_format(fmt: str, profile: devices.DeviceProfile, source: Source, mode: str) -> str:
    """auto: the board's default format where it can take the model, else onnx."""
    if fmt != AUTO:
        return fmt
    preferred = get_format(profile.default_format)
    if preferred.supports(source.family, source.spec.generative, mode) is None:
        return preferred.name
    return "onnx"


def convert(model: str, output: Path, opts: ConvertOptions | None = None) -> ConversionResult:
    opts = opts or ConvertOptions()
    profile = _profile(opts.device)
    if opts.format != AUTO:
        get_format(opts.format)  # an unknown format fails before any work
    if not profile.supported:
        raise ConversionError(f"device {profile.name} is unsupported: {profile.why}")
    mode = resolve_quantization(opts.quantize, profile)
    prune = _prune_options(opts)
    steps = Steps(total=6 if prune.active else 5, quiet=opts.quiet)
    source = resolve(model, opts.task)
    backend = get_format(resolve_format(opts.format, profile, source, mode))
    why_not = backend.supports(source.family, source.spec.generative, mode)
    if why_not:
        raise ConversionError(why_not)
    work = Path(tempfile.mkdtemp(prefix="edgelm-convert-"))
    try:
        ctx = ConversionContext(source, replace(opts, format=backend.name), profile, mode, steps, work,
                                max_len=_max_len(source, opts))
        if prune.active:
            ctx.opts = replace(ctx.opts, name=opts.name or source.path.name)  # not the temp dir's name
            _prune(ctx, prune)
        return _run(ctx, backend, Path(output))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _max_len(source: Source, opts: ConvertOptions) -> int:
    default = 256 if source.spec.generative else 128
    return min(opts.max_seq_len or default, source.max_positions)


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise ConversionError(f"cannot read {path}: {exc.strerror}") from exc


def _prune_options(opts: ConvertOptions) -> PruneOptions:
    return PruneOptions(heads=opts.prune_heads, ffn=opts.prune_ffn, vocab=opts.prune_vocab,
                        vocab_min_count=opts.vocab_min_count, vocab_keep=_lines(opts.vocab_keep_file),
                        recover_steps=opts.recover_steps, train_file=opts.train_file,
                        max_drop_points=opts.max_accuracy_drop)


def _prune(ctx: ConversionContext, prune: PruneOptions) -> None:
    """Prune into a new checkpoint; the rest of the pipeline treats it as the user's model."""
    from tokenizers import Tokenizer

    source, opts = ctx.source, ctx.opts
    evalset = load_eval(opts.eval_file, source.labels) if opts.eval_file and not ctx.generative else None
    texts = load_texts(opts.calibration_file) if opts.calibration_file else []
    if not texts and evalset is not None:
        texts = evalset.texts  # inputs only: importance never sees eval labels
    with ctx.steps.step("prune (importance on calibration text)"):
        if not texts:
            tok = Tokenizer.from_file(str(write_tokenizer_json(source, ctx.work)))
            texts = synthetic_texts(tok, N_VERIFY * 2, max_words=min(ctx.max_len // 2, 48))
        record = prune_checkpoint(source, ctx.work / "pruned", prune, texts, evalset, ctx.max_len,
                                  note=ctx.steps.note)
        ctx.source = resolve(str(ctx.work / "pruned"), source.spec.task)
        ctx.steps.note(f"parameters {record['params_before']:,} -> {record['params_after']:,}; heads per layer "
                       f"{record['heads_per_layer']}; FFN {record['ffn_before']} -> {record['ffn_after']}; "
                       f"vocabulary {record['vocab_before']} -> {record['vocab_after']}")
    ctx.pruning = record


def _run(ctx: ConversionContext, backend: FormatBackend, output: Path) -> ConversionResult:
    source = ctx.source
    with ctx.steps.step(f"export {source.family}/{source.spec.task} to {backend.name}"):
        fp32 = backend.export(ctx)
        ctx.tokenizer_path = write_tokenizer_json(source, ctx.stage, None if ctx.generative else ctx.max_len)
        ctx.tokenizer = load_tokenizer(ctx.tokenizer_path)
        ctx.tokenizer.no_truncation()  # parity inputs are cut at max_len by the comparison itself
    _verification_inputs(ctx)
    with ctx.steps.step("run the PyTorch original"):
        ctx.references = _references(ctx)
    with ctx.steps.step(f"verify the fp32 {backend.name} export"):
        candidate = _outputs(ctx, load_runtime(backend.runtime, fp32))
        ctx.fp32_parity, failures = verify.check_parity(ctx.references.parity, candidate, "none", ctx.generative)
        verify.raise_if_failed([f"fp32 export: {f}" for f in failures], {"fp32": ctx.fp32_parity})
    model_path = ctx.stage / backend.model_file
    with ctx.steps.step(f"quantize ({ctx.mode}) and verify"):
        outcome = backend.quantize(ctx, fp32, model_path, make_judge(ctx, backend.runtime))
        for line in outcome.notes:
            ctx.steps.note(line)
    return write_bundle(ctx, backend, model_path, outcome, output)


def _verification_inputs(ctx: ConversionContext) -> None:
    """The eval set, calibration texts, and >= N_VERIFY texts to compare on: eval, calibration, generated."""
    opts, source = ctx.opts, ctx.source
    ctx.evalset = load_eval(opts.eval_file, source.labels) if opts.eval_file and not ctx.generative else None
    ctx.calibration = load_texts(opts.calibration_file) if opts.calibration_file else []
    texts = (ctx.evalset.texts if ctx.evalset else []) + ctx.calibration
    if len(texts) < N_VERIFY:
        texts += synthetic_texts(ctx.tokenizer, N_VERIFY - len(texts), max_words=min(ctx.max_len // 2, 48))
    ctx.texts = texts


def _references(ctx: ConversionContext) -> References:
    model, tokenizer, max_len = ctx.torch_model(), ctx.tokenizer, ctx.max_len
    if ctx.generative:
        return References(verify.torch_lm_logits(model, tokenizer, ctx.texts, min(max_len, 32)))
    evalset = ctx.evalset
    refs = References(verify.Outputs(verify.torch_classifier_logits(model, tokenizer, ctx.texts, max_len)))
    if evalset is not None:
        refs.eval_logits = verify.torch_classifier_logits(model, tokenizer, evalset.texts, max_len)
        if ctx.source.slot_labels and evalset.slots is not None:
            from converter import verify_slots

            refs.slot_spans = verify_slots.predicted_spans(verify_slots.TorchRuntime(model), tokenizer,
                                                           ctx.source.labels, ctx.source.slot_labels,
                                                           evalset.texts, max_len)
    return refs


def _outputs(ctx: ConversionContext, runtime) -> verify.Outputs:
    """What a converted model answers on the parity texts, in the shape the reference has."""
    if ctx.generative:
        generator = Generator(runtime, ctx.tokenizer, ctx.source.config.get("eos_token_id"), ctx.max_len)
        return verify.runtime_lm_logits(generator, ctx.texts, min(ctx.max_len, 32))
    return verify.Outputs(verify.runtime_classifier_logits(runtime, ctx.tokenizer, ctx.texts, ctx.max_len))


def make_judge(ctx: ConversionContext, runtime_kind: str):
    """The gate a quantized candidate must pass: parity with PyTorch, then task metrics and slot F1 on --eval
    within --max-accuracy-drop. Every failure is collected before the caller decides."""
    refs, evalset, source = ctx.references, ctx.evalset, ctx.source
    assert refs is not None

    def judge(candidate_path: Path, quant: str) -> tuple[dict, list[str]]:
        runtime = load_runtime(runtime_kind, candidate_path)  # one session for parity and eval
        result, fails = verify.check_parity(refs.parity, _outputs(ctx, runtime), quant, ctx.generative)
        out: dict = {"parity": result}
        if evalset is not None and refs.eval_logits is not None:
            cand_eval = verify.runtime_classifier_logits(runtime, ctx.tokenizer, evalset.texts, ctx.max_len)
            out["eval"], eval_fails = verify.check_eval(refs.eval_logits, cand_eval, evalset, source.labels,
                                                        ctx.opts.max_accuracy_drop)
            fails += eval_fails
        if refs.slot_spans is not None and evalset is not None:
            from converter import verify_slots

            spans = verify_slots.predicted_spans(runtime, ctx.tokenizer, source.labels, source.slot_labels,
                                                 evalset.texts, ctx.max_len)
            out["slots"], slot_fails = verify_slots.check_slots(refs.slot_spans, spans, evalset,
                                                                ctx.opts.max_accuracy_drop)
            fails += slot_fails
        return out, fails
    return judge
