"""The TFLite/LiteRT path: litert-torch export per sequence bucket, ai-edge-quantizer int8, LiteRT runtime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CONVERSION_CODE, CONVERSION_PACKAGES, Recipe, cached_build, cached_convert
from damage import activation_outlier, damaged_layer_copy

from converter.errors import ConversionError
from converter.formats.tflite import export as tflite
from edge_agent.inference.model import load_model


@pytest.fixture(scope="module")
def tflite_int8(mobilebert_dir, eval_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("tfl") / "mobilebert-int8"
    return cached_convert("mobilebert-tiny", mobilebert_dir, out, format="tflite", device="rpi5",
                          quantize="dynamic-int8", eval_file=eval_file, max_seq_len=64)


def test_buckets_pad_at_most_half(tflite_int8):
    buckets = tflite.buckets_for(128)
    assert buckets == [8, 12, 16, 24, 32, 48, 64, 96, 128]
    assert tflite.padding_overhead(buckets, 128) <= 0.5
    assert tflite_int8.manifest.io["buckets"] == [8, 12, 16, 24, 32, 48, 64]


def test_int8_bundle_has_int8_weights_and_keeps_parity(tflite_int8):
    m = tflite_int8.manifest
    assert m.runtime == "litert"
    assert m.model_file == "model.tflite"
    assert m.metrics["parity"]["cosine"] > 0.99
    assert m.metrics["parity"]["top1_agreement"] >= 0.9
    assert "eval" in m.metrics  # the same task-metric gate as ONNX
    int8 = tflite.int8_weight_fraction(tflite_int8.bundle / "model.tflite")
    assert int8 > 0.3
    assert m.quantization["int8_fraction"] == pytest.approx(int8, abs=1e-3)


def test_fp32_tflite_matches_onnx_on_every_bucket(bert_dir, bert_bundle, models_dir):
    fp32 = cached_convert("bert-tiny", bert_dir, models_dir / "bert-tiny-tflite-fp32", format="tflite",
                          quantize="none", max_seq_len=64)
    assert tflite.int8_weight_fraction(fp32.bundle / "model.tflite") == 0.0
    lite, ort = load_model(fp32.bundle), load_model(bert_bundle)
    assert lite.runtime.name == "litert"
    texts = ["on", "turn on the light in the living room now and then", " ".join(["word"] * 40)]  # 3 buckets
    assert len({lite.runtime.bucket_for(min(64, lite.classifier.token_count(t))) for t in texts}) == 3
    a = np.stack([p.probabilities for p in lite.classifier.predict(texts)])  # batched: padded per row
    b = np.stack([p.probabilities for p in ort.classifier.predict(texts)])
    assert np.max(np.abs(a - b)) < 0.02  # ONNX bundle is int8; labels must agree
    assert [p.label for p in lite.classifier.predict(texts)] == [p.label for p in ort.classifier.predict(texts)]


def test_unsupported_tflite_combinations_are_clear(gpt2_dir, convert_fn, tmp_path):
    with pytest.raises(ConversionError, match="static-int8 is for encoders"):
        convert_fn(gpt2_dir, tmp_path / "g", format="tflite", quantize="static-int8")


def test_static_int8_is_full_integer_and_agent_dequantizes(bert_dir, eval_file, tmp_path):
    result = cached_convert("bert-tiny", bert_dir, tmp_path / "s8", format="tflite", quantize="static-int8",
                            max_seq_len=32, calibration_file=eval_file, eval_file=eval_file, device="rpi5")
    shares = tflite.weight_fractions(result.bundle / "model.tflite")
    assert shares == {"int8": 1.0}  # embeddings included
    assert result.manifest.metrics["parity"]["cosine"] >= 0.98  # the static-int8 tolerance
    model = load_model(result.bundle)
    assert model.runtime._dequantize  # int8 logits, with their scale read from the flatbuffer
    probs = model.classifier.predict(["turn on the light", "what time is it"])[0].probabilities
    assert abs(float(np.sum(probs)) - 1) < 1e-4


def test_fp16_tflite_stores_half_precision_weights(bert_dir, tmp_path):
    result = cached_convert("bert-tiny", bert_dir, tmp_path / "fp16", format="tflite", quantize="fp16", max_seq_len=32)
    shares = tflite.weight_fractions(result.bundle / "model.tflite")
    assert shares.get("float16", 0) > 0.7
    assert "int8" not in shares
    assert result.manifest.metrics["parity"]["cosine"] > 0.999


def test_compaction_keeps_every_output_bit_identical(bert_dir, tmp_path):
    from converter.formats.tflite.compact import compact_tflite
    from converter.source import load_torch_model, resolve
    from edge_agent.inference.runtime.litert import LiteRtRuntime

    def export(out: Path) -> None:  # the raw export, before compaction (cached: ~8 s)
        out.mkdir(parents=True)
        tflite.export_tflite(load_torch_model(resolve(str(bert_dir))),
                             ["input_ids", "attention_mask", "token_type_ids"], [8, 16, 24], out / "raw.tflite")

    recipe = Recipe("tflite-raw-bert-tiny", "8,16,24", tuple(CONVERSION_CODE), tuple(CONVERSION_PACKAGES))
    raw = cached_build(recipe, export, tmp_path / "export") / "raw.tflite"
    small = tmp_path / "small.tflite"
    small.write_bytes(raw.read_bytes())
    before, after = compact_tflite(small)
    assert after < before
    assert before == raw.stat().st_size
    a, b = LiteRtRuntime(raw), LiteRtRuntime(small)
    assert a.signatures == b.signatures == ["seq8", "seq16", "seq24"]
    rng = np.random.default_rng(0)
    for length in (3, 8, 13, 24):
        feeds = {"input_ids": rng.integers(5, 90, (1, length)), "attention_mask": np.ones((1, length), np.int64),
                 "token_type_ids": np.zeros((1, length), np.int64)}
        assert np.array_equal(a.run(feeds)["logits"], b.run(feeds)["logits"])


@pytest.fixture(scope="module")
def gpt2_fp32_pair(gpt2_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("gpt2")
    return (cached_convert("gpt2-tiny", gpt2_dir, out / "onnx", quantize="none"),
            cached_convert("gpt2-tiny", gpt2_dir, out / "tflite", format="tflite", quantize="none", device="rpi5"))


def test_gpt2_decode_signature_generates_the_ort_tokens(gpt2_fp32_pair):
    from edge_agent.inference.generate import LiteRtCache

    onnx, lite = (load_model(r.bundle) for r in gpt2_fp32_pair)
    assert isinstance(lite.generator.cache, LiteRtCache)
    assert lite.runtime.name == "litert"
    signatures = gpt2_fp32_pair[1].manifest.io["signatures"]
    assert "decode" in signatures
    assert "prefill8" in signatures
    assert "prefill128" in signatures
    prompts = ["turn on the", "a", "switch off the kitchen light and then " * 3, "what is the temperature"]
    for prompt in prompts:
        expected = onnx.generator.generate(prompt, max_new_tokens=12).tokens
        assert lite.generator.generate(prompt, max_new_tokens=12).tokens == expected


def test_gpt2_decode_feeds_one_token_over_the_fixed_cache(gpt2_fp32_pair):
    lite = load_model(gpt2_fp32_pair[1].bundle)
    cache = lite.generator.cache
    layers, two, heads, max_len, head_dim = cache.shape
    assert (two, max_len) == (2, 128)
    ids = lite.tokenizer.encode("turn on the kitchen light").ids
    full = cache.position_logits(ids)  # prefill 1 token, then one decode per token
    logits, kv = cache.step(ids, cache.empty(), 0)  # one prefill pass over the whole prompt
    np.testing.assert_allclose(logits, full[-1], atol=1e-4)
    out = lite.runtime.run_signature("decode", {"input_ids": [[ids[0]]], "position": [len(ids)], "kv_cache": kv})
    assert out["kv"].shape == (layers, 2, heads, 1, head_dim)  # only the new token's column comes back


def test_gpt2_int8_tflite_keeps_next_token_parity(gpt2_dir, models_dir):
    # the same conversion as the gpt2_tflite_bundle fixture (rpi5's default is dynamic-int8), cached by the
    # converter's code like every fixture bundle: the conversion's own checks ran when it was made
    result = cached_convert("gpt2-tiny", gpt2_dir, models_dir / "gpt2-tiny-tflite", format="tflite", device="rpi5")
    assert result.manifest.quantization["mode"] == "dynamic-int8"
    parity = result.manifest.metrics["parity"]
    assert parity["top1_agreement"] >= 0.8
    assert parity["cosine"] > 0.99
    assert tflite.int8_weight_fraction(result.bundle / "model.tflite") > 0.3
    model = load_model(result.bundle)  # the agent re-checks the golden generations at load
    assert [g["expected"] for g in result.manifest.golden] == [
        model.generator.generate(g["text"], max_new_tokens=len(g["expected"])).tokens for g in result.manifest.golden]


def test_litert_agent_never_imports_heavy_frameworks(tflite_int8):
    script = f"""
import sys, json
from edge_agent.inference.model import load_model
m = load_model({str(tflite_int8.bundle)!r})
print(m.classifier.predict(["turn on the light"])[0].label)
print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in
      ("torch", "transformers", "optimum", "tensorflow", "converter", "litert_torch"))))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_int8_fallback_keeps_the_broken_layer_in_fp32(bert_dir, tmp_path):
    src = damaged_layer_copy(bert_dir, tmp_path / "outlier-src", activation_outlier)
    result = cached_convert("bert-tiny-outlier-layer1", src, tmp_path / "outlier", also=("tests/damage.py",),
                            format="tflite", device="rpi5", max_seq_len=32)
    q = result.manifest.quantization
    assert q["kept_fp32"] == ["layer.1"], q
    shares = tflite.weight_fractions(tmp_path / "outlier" / "model.tflite")
    assert q["int8_fraction"] == pytest.approx(shares["int8"], abs=1e-3)
    assert shares["float32"] > 0.5
    assert result.manifest.metrics["parity"]["cosine"] >= 0.99
