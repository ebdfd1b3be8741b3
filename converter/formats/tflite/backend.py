"""The TFLite format: litert-torch export (one signature per sequence bucket; GPT-2 as prefill/decode over
a fixed KV cache), ai-edge-quantizer, served by LiteRT."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from converter import verify
from converter.context import ConversionContext
from converter.errors import ConversionError
from converter.fallback import Judge, Outcome, Quantizer, search
from converter.formats.registry import register_format
from converter.formats.tflite import export as tflite
from converter.formats.tflite import lm as tflite_lm
from edge_agent.inference.classify import encode_batch
from edge_agent.inference.runtime import Runtime


def input_names(ctx: ConversionContext) -> list[str]:
    names = ["input_ids", "attention_mask"]
    return names + (["token_type_ids"] if ctx.source.config.get("type_vocab_size", 0) else [])


def buckets(ctx: ConversionContext) -> list[int]:
    return tflite_lm.prefill_buckets(ctx.max_len) if ctx.generative else tflite.buckets_for(ctx.max_len)


def calibration_by_signature(tokenizer, texts: list[str], names: list[str], buckets: list[int]) -> dict:
    """Representative inputs for full-integer quantization, each padded to its own bucket's signature."""
    out: dict[str, list[dict]] = {f"seq{b}": [] for b in buckets}
    for text in texts:
        feeds = encode_batch(tokenizer, [text], buckets[-1], names)
        length = int(feeds["attention_mask"].sum())
        bucket = min(b for b in buckets if b >= length)
        padded = {k: np.zeros((1, bucket), np.int32) for k in names}
        for k in names:
            padded[k][0, :length] = feeds[k][0, :length]
        out[f"seq{bucket}"].append(padded)
    for key, rows in out.items():  # every signature needs samples: borrow the nearest shorter text, padded
        if not rows:
            out[key] = [{k: np.zeros((1, int(key[3:])), np.int32) + (k == "attention_mask") for k in names}]
    return out


@register_format("tflite")
class TfliteFormat:
    name = "tflite"
    runtime = "litert"
    model_file = "model.tflite"

    def supports(self, family: str, generative: bool, mode: str) -> str | None:
        try:
            tflite.check_supported(family, generative, mode)
        except ConversionError as exc:
            return str(exc)
        return None

    def export(self, ctx: ConversionContext) -> Path:
        sizes = buckets(ctx)
        out = ctx.work / "fp32.tflite"
        if ctx.generative:
            fp32 = tflite_lm.export_tflite_lm(ctx.torch_model(), ctx.max_len, out)
        else:
            fp32 = tflite.export_tflite(ctx.torch_model(), input_names(ctx), sizes, out)
        what = "prefill buckets + decode over a fixed KV cache" if ctx.generative else "sequence buckets"
        ctx.steps.note(f"{what} {sizes}; worst padding {tflite.padding_overhead(sizes, ctx.max_len):.0%} of "
                       "real tokens")
        return fp32

    def quantize(self, ctx: ConversionContext, fp32: Path, out: Path, judge: Judge) -> Outcome:
        ctx.steps.note("ai-edge-quantizer")
        if ctx.mode == "dynamic-int8":  # the fp32 fallback of the most sensitive layers, as on the ONNX path
            outcome = search(Quantizer(lambda path, exclude: tflite.quantize_tflite(fp32, path, ctx.mode, None, exclude),
                                       lambda: tflite.layer_groups(fp32), tflite.int8_weight_fraction,
                                       tflite.int8_weight_tensors), out, ctx.mode, judge)
        else:
            calib = (calibration_by_signature(ctx.tokenizer, ctx.calibration, input_names(ctx), buckets(ctx))
                     if ctx.mode == "static-int8" else None)
            tflite.quantize_tflite(fp32, out, ctx.mode, calib)
            result, failures = judge(out, ctx.mode)
            verify.raise_if_failed(failures, result)
            outcome = Outcome(out, 0.0, report=result)
        shares = tflite.weight_fractions(out)
        outcome.int8_fraction = round(shares.get("int8", 0.0), 4)
        ctx.steps.note(f"{out.stat().st_size / 2**20:.1f} MB ({fp32.stat().st_size / 2**20:.1f} MB before); "
                       "weights " + ", ".join(f"{kind} {share:.0%}" for kind, share in sorted(shares.items())))
        return outcome

    def manifest_io(self, runtime: Runtime) -> dict:
        from edge_agent.inference.runtime.litert import LiteRtRuntime

        assert isinstance(runtime, LiteRtRuntime)
        return {"inputs": runtime.input_names, "outputs": runtime.output_names,
                "buckets": list(runtime.buckets), "signatures": runtime.signatures}
