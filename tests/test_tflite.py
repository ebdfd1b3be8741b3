"""The TFLite/LiteRT path: litert-torch export per sequence bucket, ai-edge-quantizer int8, LiteRT runtime."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from converter import tflite
from converter.errors import ConversionError
from edge_agent.model import load_model


@pytest.fixture(scope="module")
def tflite_int8(mobilebert_dir, eval_file, convert_fn, tmp_path_factory):
    out = tmp_path_factory.mktemp("tfl") / "mobilebert-int8"
    return convert_fn(mobilebert_dir, out, format="tflite", device="rpi5", quantize="dynamic-int8",
                      eval_file=eval_file, max_seq_len=64)


def test_buckets_pad_at_most_half(tflite_int8):
    buckets = tflite.buckets_for(128)
    assert buckets == [8, 12, 16, 24, 32, 48, 64, 96, 128]
    assert tflite.padding_overhead(buckets, 128) <= 0.5
    assert tflite_int8.manifest.io["buckets"] == [8, 12, 16, 24, 32, 48, 64]


def test_int8_bundle_has_int8_weights_and_keeps_parity(tflite_int8):
    m = tflite_int8.manifest
    assert m.runtime == "litert" and m.model_file == "model.tflite"
    assert m.metrics["parity"]["cosine"] > 0.99 and m.metrics["parity"]["top1_agreement"] >= 0.9
    assert "eval" in m.metrics  # the same task-metric gate as ONNX
    int8 = tflite.int8_weight_fraction(tflite_int8.bundle / "model.tflite")
    assert int8 > 0.3 and m.quantization["int8_fraction"] == pytest.approx(int8, abs=1e-3)


def test_fp32_tflite_matches_onnx_on_every_bucket(bert_dir, bert_bundle, convert_fn, tmp_path):
    fp32 = convert_fn(bert_dir, tmp_path / "fp32", format="tflite", quantize="none", max_seq_len=64)
    assert tflite.int8_weight_fraction(fp32.bundle / "model.tflite") == 0.0
    lite, ort = load_model(fp32.bundle), load_model(bert_bundle)
    assert lite.runtime.name == "litert"
    texts = ["on", "turn on the light in the living room now and then", " ".join(["word"] * 40)]  # 3 buckets
    assert len({lite.runtime.bucket_for(min(64, lite.classifier.token_count(t))) for t in texts}) == 3
    a = np.stack([p.probabilities for p in lite.classifier.predict(texts)])  # batched: padded per row
    b = np.stack([p.probabilities for p in ort.classifier.predict(texts)])
    assert np.max(np.abs(a - b)) < 0.02  # ONNX bundle is int8; labels must agree
    assert [p.label for p in lite.classifier.predict(texts)] == [p.label for p in ort.classifier.predict(texts)]


def test_unsupported_tflite_combinations_are_clear(gpt2_dir, bert_dir, convert_fn, tmp_path):
    with pytest.raises(ConversionError, match="--format tflite supports the encoders"):
        convert_fn(gpt2_dir, tmp_path / "g", format="tflite")
    with pytest.raises(ConversionError, match="supports --quantize none, dynamic-int8"):
        convert_fn(bert_dir, tmp_path / "b", format="tflite", quantize="static-int8")


def test_litert_agent_never_imports_heavy_frameworks(tflite_int8):
    script = f"""
import sys, json
from edge_agent.model import load_model
m = load_model({str(tflite_int8.bundle)!r})
print(m.classifier.predict(["turn on the light"])[0].label)
print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in
      ("torch", "transformers", "optimum", "tensorflow", "converter", "litert_torch"))))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
