"""The last step of a conversion: the manifest, golden examples, the size check and the bundle on disk."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import devices
from converter import __version__
from converter.context import ConversionContext
from converter.errors import BudgetError
from converter.fallback import Outcome
from converter.formats.registry import FormatBackend
from edge_agent.home.slots import tagged_spans
from edge_agent.inference.bundle import Manifest, pack_bundle, write_manifest
from edge_agent.inference.classify import Classifier
from edge_agent.inference.generate import Generator
from edge_agent.inference.runtime import Runtime, load_runtime

N_GOLDEN = 4
GOLDEN_NEW_TOKENS = 4
NO_PRUNING = {"heads_per_layer": None, "ffn_per_layer": None, "vocab_before": None, "vocab_after": None}


@dataclass
class ConversionResult:
    bundle: Path
    manifest: Manifest
    timings: dict[str, float] = field(default_factory=dict)


def check_memory_budget(size_bytes: int, profile: devices.DeviceProfile) -> None:
    size_mb = size_bytes / 2**20
    if size_mb > profile.model_memory_budget_mb:
        raise BudgetError(f"model is {size_mb:.1f} MB but {profile.name}'s model memory budget is "
                          f"{profile.model_memory_budget_mb} MB; quantize to int8 or prune it")


def write_bundle(ctx: ConversionContext, backend: FormatBackend, model_path: Path, outcome: Outcome,
                 output: Path) -> ConversionResult:
    with ctx.steps.step("write the bundle"):
        runtime = load_runtime(backend.runtime, model_path)
        manifest = build_manifest(ctx, backend, outcome, runtime)
        manifest.golden = golden_examples(ctx, runtime, manifest)
        check_memory_budget(model_path.stat().st_size, ctx.profile)
        stage = ctx.stage
        if output.name.endswith((".tar.gz", ".tgz")):
            write_manifest(stage, manifest, sign_key=ctx.opts.sign_key)
            output.parent.mkdir(parents=True, exist_ok=True)
            final = stage.rename(ctx.work / output.name.split(".")[0])
            pack_bundle(final, output)
        else:
            if output.exists():
                shutil.rmtree(output)
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(stage, output)
            write_manifest(output, manifest, sign_key=ctx.opts.sign_key)
    return ConversionResult(output, manifest, ctx.steps.timings)


def _metrics(ctx: ConversionContext, outcome: Outcome) -> dict:
    report = outcome.report
    metrics = {"parity": report.get("parity", {}), "parity_fp32_export": ctx.fp32_parity}
    if "eval" in report:
        metrics["eval"] = report["eval"]["converted"]
        metrics["eval_original"] = report["eval"]["original"]
    if "slots" in report:
        metrics["slots"] = report["slots"]["converted"]
        metrics["slots_original"] = report["slots"]["original"]
        metrics["slots_span_agreement"] = report["slots"]["span_agreement"]
    return metrics


def _json_beside(source_dir: Path, name: str) -> dict:
    """A file train-intents writes next to the checkpoint (thresholds.json, slot_values.json), or {}."""
    path = source_dir / name
    return json.loads(path.read_text()) if path.is_file() else {}


def build_manifest(ctx: ConversionContext, backend: FormatBackend, outcome: Outcome, runtime: Runtime) -> Manifest:
    source, mode = ctx.source, ctx.mode
    quant = {"mode": mode, "preset": ctx.profile.ort_preset if "int8" in mode else None,
             "int8_fraction": outcome.int8_fraction, "kept_fp32": outcome.kept_fp32}
    generation = {}
    if ctx.generative:
        generation = {"eos_token_id": source.config.get("eos_token_id"),
                      "num_layers": source.config.get("n_layer"), "kv_cache": True}
    assert ctx.tokenizer_path is not None
    return Manifest(
        name=ctx.opts.name or source.path.name, version=ctx.opts.version, task=source.spec.task,
        family=source.family, runtime=backend.runtime, model_file=backend.model_file, device=ctx.profile.name,
        max_seq_len=ctx.max_len, tokenizer_file=ctx.tokenizer_path.name,
        labels=source.labels if not ctx.generative else [], quantization=quant,
        thresholds=_json_beside(source.path, "thresholds.json"),  # the OOD calibration of train-intents
        slot_labels=source.slot_labels,
        slot_values=_json_beside(source.path, "slot_values.json") if source.slot_labels else {},
        pruning=ctx.pruning or dict(NO_PRUNING), io=backend.manifest_io(runtime), metrics=_metrics(ctx, outcome),
        generation=generation, converter_version=__version__,
        languages=list(_json_beside(source.path, "train_report.json").get("langs", [])),
        provenance=dict(ctx.opts.provenance or {}),
    )


def golden_examples(ctx: ConversionContext, runtime: Runtime, manifest: Manifest) -> list[dict]:
    """What the converted model answers on a few texts; the agent re-checks them before serving."""
    picks = ctx.texts[:N_GOLDEN]
    if ctx.generative:
        gen = Generator(runtime, ctx.tokenizer, manifest.generation.get("eos_token_id"), ctx.max_len)
        return [{"text": t, "expected": gen.generate(t, max_new_tokens=GOLDEN_NEW_TOKENS).tokens} for t in picks]
    clf = Classifier(runtime, ctx.tokenizer, manifest.labels, ctx.max_len, slot_labels=manifest.slot_labels)
    golden = []
    for text in picks:  # one at a time, as the agent checks them (and serves a dynamic-int8 model)
        pred = clf.predict([text])[0]
        row = {"text": text, "expected": pred.label,
               "probabilities": [round(float(x), 5) for x in pred.probabilities]}
        if manifest.slot_labels:
            row["slots"] = [list(span) for span in tagged_spans(pred.slots)]
        golden.append(row)
    return golden
