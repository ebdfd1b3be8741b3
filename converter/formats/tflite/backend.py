"""`edgelm convert --format tflite`: litert-torch export (one signature per sequence bucket), ai-edge-quantizer,
the same parity and task-metric gate as the ONNX path, and a bundle whose runtime is LiteRT."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from converter import fallback, verify
from converter.fallback import Outcome
from converter.formats.tflite import export as tflite
from converter.formats.tflite import lm as tflite_lm
from converter.source import Source, load_torch_model, write_tokenizer_json
from edge_agent.classify import encode_batch
from edge_agent.model import load_tokenizer
from edge_agent.runtime import load_runtime


def input_names(source: Source) -> list[str]:
    names = ["input_ids", "attention_mask"]
    return names + (["token_type_ids"] if source.config.get("type_vocab_size", 0) else [])


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


def convert_tflite(source: Source, output: Path, opts, profile, mode: str, steps, work: Path, pruning: dict):
    from converter import pipeline

    max_len = pipeline._max_len(source, opts)
    generative = source.spec.generative
    buckets = tflite_lm.prefill_buckets(max_len) if generative else tflite.buckets_for(max_len)
    names = input_names(source)
    stage = work / "bundle"
    stage.mkdir()
    torch_model = load_torch_model(source)
    what = "prefill buckets + decode, fixed KV cache" if generative else "sequence buckets"
    with steps.step(f"export {source.family}/{source.spec.task} to TFLite ({len(buckets)} {what})"):
        if generative:
            fp32 = tflite_lm.export_tflite_lm(torch_model, max_len, work / "fp32.tflite")
        else:
            fp32 = tflite.export_tflite(torch_model, names, buckets, work / "fp32.tflite")
        tokenizer_path = write_tokenizer_json(source, stage, None if source.spec.generative else max_len)
        tokenizer = load_tokenizer(tokenizer_path)
        tokenizer.no_padding()
        tokenizer.no_truncation()
        steps.note(f"buckets {buckets}; worst padding {tflite.padding_overhead(buckets, max_len):.0%} of real tokens")
    labels = source.labels
    evalset, calibration, texts = pipeline.verification_inputs(source, opts, tokenizer, max_len)
    with steps.step("run the PyTorch original"):
        reference = pipeline._reference(source, torch_model, tokenizer, texts, max_len)
        eval_ref = verify.torch_classifier_logits(torch_model, tokenizer, evalset.texts, max_len) if evalset else None
        slot_ref = pipeline.slot_reference(source, torch_model, tokenizer, evalset, max_len)
    report: dict = {}
    with steps.step("verify the fp32 TFLite export"):
        cand = pipeline._candidate(source, load_runtime("litert", fp32), tokenizer, texts, max_len)
        report["fp32"], failures = verify.check_parity(reference, cand, "none", generative)
        verify.raise_if_failed([f"fp32 export: {f}" for f in failures], report)
    model_path = stage / "model.tflite"
    judge = pipeline.make_judge("litert", source, opts, reference, eval_ref, slot_ref, evalset, tokenizer, texts,
                                max_len)
    with steps.step(f"quantize ({mode}, ai-edge-quantizer) and verify"):
        calib = calibration_by_signature(tokenizer, calibration, names, buckets) if mode == "static-int8" else None
        if mode == "dynamic-int8":  # the fp32 fallback of the most sensitive layers, as on the ONNX path
            outcome = fallback.search(lambda path, exclude: tflite.quantize_tflite(fp32, path, mode, None, exclude),
                                      lambda: tflite.layer_groups(fp32), tflite.int8_weight_fraction, model_path,
                                      mode, judge)
        else:
            tflite.quantize_tflite(fp32, model_path, mode, calib)
            result, failures = judge(model_path, mode)
            verify.raise_if_failed(failures, result)
            outcome = Outcome(model_path, 0.0, report=result)
        for line in outcome.notes:
            steps.note(line)
        shares = tflite.weight_fractions(model_path)
        outcome.int8_fraction = round(shares.get("int8", 0.0), 4)
        steps.note(f"{model_path.stat().st_size / 2**20:.1f} MB ({fp32.stat().st_size / 2**20:.1f} MB before); "
                   "weights " + ", ".join(f"{kind} {share:.0%}" for kind, share in sorted(shares.items())))
    return pipeline._write_bundle(source, output, opts, profile, mode, steps, work, stage, model_path, outcome,
                                  report, tokenizer, tokenizer_path, texts, max_len, labels, pruning)
