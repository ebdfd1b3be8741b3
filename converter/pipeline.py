"""`edgelm convert` as a library call: export, quantize, verify, write the bundle."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import devices
from converter import __version__, verify
from converter.data import load_eval, load_texts, synthetic_texts
from converter.errors import BudgetError, ConversionError
from converter.fallback import quantize_with_fallback
from converter.formats.onnx import export
from converter.progress import Steps
from converter.prune.stage import PruneOptions, prune_checkpoint
from converter.source import Source, load_torch_model, resolve, write_tokenizer_json
from edge_agent.bundle import Manifest, pack_bundle, write_manifest
from edge_agent.classify import encode_batch
from edge_agent.generate import Generator
from edge_agent.model import load_tokenizer
from edge_agent.runtime import load_runtime
from edge_agent.slots import tagged_spans

QUANT_MODES = ("auto", "none", "dynamic-int8", "static-int8", "fp16")
N_VERIFY = 64
N_GOLDEN = 4
GOLDEN_NEW_TOKENS = 4


@dataclass
class ConvertOptions:
    device: str | devices.DeviceProfile = "x86-64"
    task: str | None = None
    format: str = "auto"  # auto: the board's default_format where the model supports it, else onnx
    quantize: str = "auto"
    eval_file: Path | None = None
    calibration_file: Path | None = None
    max_accuracy_drop: float = 1.0
    sign_key: Path | None = None
    max_seq_len: int | None = None
    name: str | None = None
    version: str = "1.0.0"
    quiet: bool = False
    prune_heads: str | None = None  # fraction of heads to remove, or "auto"
    prune_ffn: float | None = None
    prune_vocab: bool = False
    recover_steps: int = 0
    train_file: Path | None = None  # texts for the recovery distillation (default: calibration texts)


@dataclass
class ConversionResult:
    bundle: Path
    manifest: Manifest
    timings: dict[str, float] = field(default_factory=dict)


def _profile(device) -> devices.DeviceProfile:
    if isinstance(device, devices.DeviceProfile):
        return device
    try:
        return devices.get_profile(device)
    except devices.UnknownDeviceError as exc:
        raise ConversionError(str(exc)) from exc


def resolve_quantization(mode: str, profile: devices.DeviceProfile) -> str:
    if mode not in QUANT_MODES:
        raise ConversionError(f"unknown quantization {mode!r}; choose from {', '.join(QUANT_MODES)}")
    return profile.default_quantization if mode == "auto" else mode


def resolve_format(fmt: str, profile: devices.DeviceProfile, source: Source, mode: str) -> str:
    if fmt != "auto":
        return fmt
    if profile.default_format == "tflite":
        from converter.formats.tflite.export import TFLITE_FAMILIES, TFLITE_QUANT

        if source.family in TFLITE_FAMILIES and mode in TFLITE_QUANT:
            return "tflite"
    return "onnx"


def check_memory_budget(size_bytes: int, profile: devices.DeviceProfile) -> None:
    size_mb = size_bytes / 2**20
    if size_mb > profile.model_memory_budget_mb:
        raise BudgetError(f"model is {size_mb:.1f} MB but {profile.name}'s model memory budget is "
                          f"{profile.model_memory_budget_mb} MB; quantize to int8 or prune it")


def _reject_unsupported(opts: ConvertOptions, profile: devices.DeviceProfile) -> None:
    if opts.format not in ("auto", "onnx", "tflite"):
        raise ConversionError(f"unknown --format {opts.format}; supported: auto, onnx, tflite")
    if not profile.supported:
        raise ConversionError(f"device {profile.name} is unsupported: {profile.why}")


def convert(model: str, output: Path, opts: ConvertOptions | None = None) -> ConversionResult:
    opts = opts or ConvertOptions()
    profile = _profile(opts.device)
    _reject_unsupported(opts, profile)
    mode = resolve_quantization(opts.quantize, profile)
    steps = Steps(total=6 if _prune_options(opts).active else 5, quiet=opts.quiet)
    source = resolve(model, opts.task)
    opts = replace(opts, format=resolve_format(opts.format, profile, source, mode))
    if opts.format == "tflite":
        from converter.formats.tflite.export import check_supported

        check_supported(source.family, source.spec.generative, mode)
    work = Path(tempfile.mkdtemp(prefix="edgelm-convert-"))
    try:
        pruning: dict = {}
        if _prune_options(opts).active:
            opts = replace(opts, name=opts.name or source.path.name)  # not the temp dir's name
            source, pruning = _prune(source, opts, steps, work, _max_len(source, opts))
        if opts.format == "tflite":
            from converter.formats.tflite.backend import convert_tflite

            return convert_tflite(source, Path(output), opts, profile, mode, steps, work, pruning)
        return _convert(source, Path(output), opts, profile, mode, steps, work, pruning)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _prune_options(opts: ConvertOptions) -> PruneOptions:
    return PruneOptions(heads=opts.prune_heads, ffn=opts.prune_ffn, vocab=opts.prune_vocab,
                        recover_steps=opts.recover_steps, train_file=opts.train_file,
                        max_drop_points=opts.max_accuracy_drop)


def _prune(source: Source, opts: ConvertOptions, steps: Steps, work: Path, max_len: int) -> tuple[Source, dict]:
    """Prune into a new checkpoint; the rest of the pipeline treats it as the user's model."""
    from tokenizers import Tokenizer

    labels = source.labels
    evalset = load_eval(opts.eval_file, labels) if opts.eval_file and not source.spec.generative else None
    texts = load_texts(opts.calibration_file) if opts.calibration_file else []
    if not texts and evalset is not None:
        texts = evalset.texts  # inputs only: importance never sees eval labels
    with steps.step("prune (importance on calibration text)"):
        if not texts:
            tok = Tokenizer.from_file(str(write_tokenizer_json(source, work)))
            texts = synthetic_texts(tok, N_VERIFY * 2, max_words=min(max_len // 2, 48))
        record = prune_checkpoint(source, work / "pruned", _prune_options(opts), texts, evalset, max_len,
                                  note=steps.note)
        pruned = resolve(str(work / "pruned"), source.spec.task)
        steps.note(f"parameters {record['params_before']:,} -> {record['params_after']:,}; heads per layer "
                   f"{record['heads_per_layer']}; FFN {record['ffn_before']} -> {record['ffn_after']}; vocabulary "
                   f"{record['vocab_before']} -> {record['vocab_after']}")
    return pruned, record


def verification_inputs(source: Source, opts: ConvertOptions, tokenizer, max_len: int):
    """(eval set or None, calibration texts, >= N_VERIFY texts to compare on: eval, calibration, generated)."""
    evalset = load_eval(opts.eval_file, source.labels) if opts.eval_file and not source.spec.generative else None
    calibration = load_texts(opts.calibration_file) if opts.calibration_file else []
    texts = (evalset.texts if evalset else []) + calibration
    if len(texts) < N_VERIFY:
        texts += synthetic_texts(tokenizer, N_VERIFY - len(texts), max_words=min(max_len // 2, 48))
    return evalset, calibration, texts


def slot_reference(source: Source, torch_model, tokenizer, evalset, max_len: int) -> list | None:
    """The original's predicted spans on the eval set (intent-slots with gold spans in --eval), or None."""
    if not source.slot_labels or evalset is None or evalset.slots is None:
        return None
    from converter import verify_slots

    return verify_slots.predicted_spans(verify_slots.TorchRuntime(torch_model), tokenizer, source.labels,
                                        source.slot_labels, evalset.texts, max_len)


def slot_gate(source: Source, reference: list | None, runtime, tokenizer, evalset, max_len: int,
              opts: ConvertOptions) -> tuple[dict, list[str]]:
    """Slot F1 of the converted model must stay within the accuracy budget of the original's."""
    if reference is None:
        return {}, []
    from converter import verify_slots

    candidate = verify_slots.predicted_spans(runtime, tokenizer, source.labels, source.slot_labels,
                                             evalset.texts, max_len)
    return verify_slots.check_slots(reference, candidate, evalset, opts.max_accuracy_drop)


def _max_len(source: Source, opts: ConvertOptions) -> int:
    default = 256 if source.spec.generative else 128
    return min(opts.max_seq_len or default, source.max_positions)


def _convert(source: Source, output: Path, opts: ConvertOptions, profile, mode: str, steps: Steps,
             work: Path, pruning: dict) -> ConversionResult:
    max_len = _max_len(source, opts)
    stage = work / "bundle"
    stage.mkdir()
    with steps.step(f"export {source.family}/{source.spec.task} to ONNX"):
        fp32 = export.export_onnx(source, work / "onnx")
        tokenizer_path = write_tokenizer_json(source, stage, None if source.spec.generative else max_len)
        tokenizer = load_tokenizer(tokenizer_path)
        tokenizer.no_padding()
        tokenizer.no_truncation()
    labels = source.labels
    evalset, calibration, texts = verification_inputs(source, opts, tokenizer, max_len)
    with steps.step("run the PyTorch original"):
        torch_model = load_torch_model(source)
        reference = _reference(source, torch_model, tokenizer, texts, max_len)
        eval_ref = (verify.torch_classifier_logits(torch_model, tokenizer, evalset.texts, max_len)
                    if evalset else None)
        slot_ref = slot_reference(source, torch_model, tokenizer, evalset, max_len)
    report: dict = {}
    with steps.step("verify the fp32 ONNX export"):
        fp32_outputs = _candidate(source, load_runtime("onnxruntime", fp32), tokenizer, texts, max_len)
        fp32_parity, failures = verify.check_parity(reference, fp32_outputs, "none", source.spec.generative)
        report["fp32"] = fp32_parity
        verify.raise_if_failed([f"fp32 export: {f}" for f in failures], report)

    judge = make_judge("onnxruntime", source, opts, reference, eval_ref, slot_ref, evalset, tokenizer, texts, max_len)

    model_path = stage / "model.onnx"
    with steps.step(f"quantize ({mode}, preset {profile.ort_preset}) and verify"):
        feeds = _calibration_feeds(tokenizer, calibration, max_len, fp32) if mode == "static-int8" else []
        outcome = quantize_with_fallback(fp32, model_path, mode, profile.ort_preset, feeds, judge)
        for line in outcome.notes:
            steps.note(line)
    return _write_bundle(source, output, opts, profile, mode, steps, work, stage, model_path, outcome, report,
                         tokenizer, tokenizer_path, texts, max_len, labels, pruning)


def make_judge(kind: str, source: Source, opts: ConvertOptions, reference, eval_ref, slot_ref, evalset,
               tokenizer, texts: list[str], max_len: int):
    """The gate a quantized candidate must pass: parity with PyTorch, then task metrics and slot F1 on --eval
    within --max-accuracy-drop. Every failure is collected before the caller decides."""
    def judge(candidate_path: Path, quant: str) -> tuple[dict, list[str]]:
        runtime = load_runtime(kind, candidate_path)  # one session for parity and eval
        cand = _candidate(source, runtime, tokenizer, texts, max_len)
        result, fails = verify.check_parity(reference, cand, quant, source.spec.generative)
        out = {"parity": result}
        if evalset is not None and eval_ref is not None:
            cand_eval = verify.runtime_classifier_logits(runtime, tokenizer, evalset.texts, max_len)
            out["eval"], eval_fails = verify.check_eval(eval_ref, cand_eval, evalset, source.labels,
                                                        opts.max_accuracy_drop)
            fails += eval_fails
        slots, slot_fails = slot_gate(source, slot_ref, runtime, tokenizer, evalset, max_len, opts)
        if slots:
            out["slots"] = slots
        return out, fails + slot_fails
    return judge


def _write_bundle(source, output, opts, profile, mode, steps, work, stage, model_path, outcome, report,
                  tokenizer, tokenizer_path, texts, max_len, labels, pruning) -> ConversionResult:
    kind = "litert" if opts.format == "tflite" else "onnxruntime"
    with steps.step("write the bundle"):
        final_runtime = load_runtime(kind, model_path)
        manifest = _manifest(source, opts, profile, mode, max_len, labels, outcome, report, tokenizer_path.name,
                             final_runtime, pruning)
        manifest.golden = _golden(source, final_runtime, tokenizer, texts, max_len, manifest)
        check_memory_budget(model_path.stat().st_size, profile)
        if output.name.endswith((".tar.gz", ".tgz")):
            write_manifest(stage, manifest, sign_key=opts.sign_key)
            output.parent.mkdir(parents=True, exist_ok=True)
            final = stage.rename(work / output.name.split(".")[0])
            pack_bundle(final, output)
        else:
            if output.exists():
                shutil.rmtree(output)
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(stage, output)
            write_manifest(output, manifest, sign_key=opts.sign_key)
    return ConversionResult(output, manifest, steps.timings)


def _reference(source: Source, torch_model, tokenizer, texts, max_len) -> verify.Outputs:
    if source.spec.generative:
        return verify.torch_lm_logits(torch_model, tokenizer, texts, min(max_len, 32))
    return verify.Outputs(verify.torch_classifier_logits(torch_model, tokenizer, texts, max_len))


def _candidate(source: Source, runtime, tokenizer, texts, max_len) -> verify.Outputs:
    if source.spec.generative:
        generator = Generator(runtime, tokenizer, source.config.get("eos_token_id"), max_len)
        return verify.runtime_lm_logits(generator, texts, min(max_len, 32))
    return verify.Outputs(verify.runtime_classifier_logits(runtime, tokenizer, texts, max_len))


def _calibration_feeds(tokenizer, texts: list[str], max_len: int, model: Path) -> list[dict[str, np.ndarray]]:
    names = load_runtime("onnxruntime", model).input_names
    return [encode_batch(tokenizer, [t], max_len, names) for t in texts]


def _manifest(source, opts, profile, mode, max_len, labels, outcome, report, tokenizer_file,
              runtime, pruning: dict) -> Manifest:
    name = opts.name or source.path.name
    quant = {"mode": mode, "preset": profile.ort_preset if "int8" in mode else None,
             "int8_fraction": outcome.int8_fraction, "kept_fp32": outcome.kept_fp32}
    metrics = {"parity": outcome.report.get("parity", {}), "parity_fp32_export": report["fp32"]}
    if "eval" in outcome.report:
        metrics["eval"] = outcome.report["eval"]["converted"]
        metrics["eval_original"] = outcome.report["eval"]["original"]
    if "slots" in outcome.report:
        metrics["slots"] = outcome.report["slots"]["converted"]
        metrics["slots_original"] = outcome.report["slots"]["original"]
        metrics["slots_span_agreement"] = outcome.report["slots"]["span_agreement"]
    generation = {}
    if source.spec.generative:
        generation = {"eos_token_id": source.config.get("eos_token_id"),
                      "num_layers": source.config.get("n_layer"), "kv_cache": True}
    thresholds_file = source.path / "thresholds.json"  # written by train-intents (OOD calibration)
    thresholds = json.loads(thresholds_file.read_text()) if thresholds_file.is_file() else {}
    values_file = source.path / "slot_values.json"  # written by train-intents --slots
    slot_values = json.loads(values_file.read_text()) if values_file.is_file() and source.slot_labels else {}
    return Manifest(
        name=name, thresholds=thresholds, version=opts.version, task=source.spec.task, family=source.family,
        runtime="litert" if opts.format == "tflite" else "onnxruntime",
        model_file="model.tflite" if opts.format == "tflite" else "model.onnx", device=profile.name, max_seq_len=max_len, tokenizer_file=tokenizer_file,
        labels=labels if not source.spec.generative else [], quantization=quant,
        slot_labels=source.slot_labels, slot_values=slot_values,
        pruning=pruning or {"heads_per_layer": None, "ffn_per_layer": None, "vocab_before": None,
                            "vocab_after": None},
        io={"inputs": runtime.input_names, "outputs": runtime.output_names,
            **({"buckets": list(runtime.buckets), "signatures": runtime.signatures} if opts.format == "tflite"
               else {})},
        metrics=metrics, generation=generation, converter_version=__version__,
    )


def _golden(source, runtime, tokenizer, texts, max_len, manifest) -> list[dict]:
    picks = texts[:N_GOLDEN]
    if source.spec.generative:
        gen = Generator(runtime, tokenizer, manifest.generation.get("eos_token_id"), max_len)
        return [{"text": t, "expected": gen.generate(t, max_new_tokens=GOLDEN_NEW_TOKENS).tokens} for t in picks]
    from edge_agent.classify import Classifier

    clf = Classifier(runtime, tokenizer, manifest.labels, max_len, slot_labels=manifest.slot_labels)
    golden = []
    for t, p in zip(picks, clf.predict(picks)):
        row = {"text": t, "expected": p.label, "probabilities": [round(float(x), 5) for x in p.probabilities]}
        if manifest.slot_labels:
            row["slots"] = [list(t) for t in tagged_spans(p.slots)]
        golden.append(row)
    return golden
