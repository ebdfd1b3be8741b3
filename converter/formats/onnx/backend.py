"""The ONNX format: optimum-onnx export (torch.onnx fallback), ONNX Runtime quantization, served by
onnxruntime."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from converter.context import ConversionContext
from converter.errors import VerificationError
from converter.fallback import Judge, Outcome, Quantizer, search
from converter.formats.onnx import export as onnx_export
from converter.formats.onnx import quantize
from converter.formats.registry import register_format
from edge_agent.inference.classify import encode_batch
from edge_agent.inference.runtime import Runtime, load_runtime


@register_format("onnx")
class OnnxFormat:
    name = "onnx"
    runtime = "onnxruntime"
    model_file = "model.onnx"

    def supports(self, family: str, generative: bool, mode: str) -> str | None:
        return None  # every registered family/task exports to ONNX

    def export(self, ctx: ConversionContext) -> Path:
        return onnx_export.export_onnx(ctx.source, ctx.work / "onnx")

    def quantize(self, ctx: ConversionContext, fp32: Path, out: Path, judge: Judge) -> Outcome:
        feeds = calibration_feeds(ctx.tokenizer, ctx.calibration, ctx.max_len, fp32) if ctx.mode == "static-int8" \
            else []
        ctx.steps.note(f"ONNX Runtime, preset {ctx.profile.ort_preset}")
        return quantize_with_fallback(fp32, out, ctx.mode, ctx.profile.ort_preset, feeds, judge)

    def manifest_io(self, runtime: Runtime) -> dict:
        return {"inputs": runtime.input_names, "outputs": runtime.output_names}


def calibration_feeds(tokenizer, texts: list[str], max_len: int, model: Path) -> list[dict[str, np.ndarray]]:
    """One feed per calibration text, shaped as the exported graph takes it (static int8)."""
    names = load_runtime("onnxruntime", model).input_names
    return [encode_batch(tokenizer, [t], max_len, names) for t in texts]


def _quantize_int8(mode: str, src: Path, out: Path, preset: str, feeds, exclude: list[str]) -> Path:
    if mode == "dynamic-int8":
        return quantize.quantize_dynamic(src, out, preset, exclude)
    return quantize.quantize_static(src, out, feeds, exclude)


def quantize_with_fallback(fp32: Path, out: Path, mode: str, preset: str, feeds, judge: Judge) -> Outcome:
    if mode in ("none", "fp16"):  # no int8 groups to fall back on: pass or fail as is
        if mode == "none":
            shutil.copy(fp32, out)
        else:
            quantize.convert_fp16(fp32, out)
        report, failures = judge(out, mode)
        if failures:
            raise VerificationError(failures, report)
        return Outcome(out, 0.0, report=report)

    return search(Quantizer(lambda path, exclude: _quantize_int8(mode, fp32, path, preset, feeds, exclude),
                            lambda: quantize.node_groups(fp32), quantize.int8_fraction, quantize.quantized_nodes),
                  out, mode, judge)


