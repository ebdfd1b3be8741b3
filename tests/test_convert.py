"""The converter end to end on tiny random-weight models: real exports, real onnxruntime sessions."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from damage import activation_outlier, damaged_layer_copy

import devices
from converter.errors import BudgetError, ConversionError, VerificationError
from converter.formats.onnx import export as export_module
from edge_agent.inference.bundle import open_bundle
from edge_agent.inference.model import load_model
from edgelm.cli import cli


def test_bert_bundle_layout_and_metrics(bert_bundle):
    bundle = open_bundle(bert_bundle)
    m = bundle.manifest
    assert (m.family, m.task, m.runtime, m.model_file) == ("bert", "intent", "onnxruntime", "model.onnx")
    assert set(m.files) == {"model.onnx", "tokenizer.json"}
    assert m.labels == ["HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState"]
    assert m.quantization["mode"] == "dynamic-int8"
    assert m.quantization["int8_fraction"] > 0.9
    parity = m.metrics["parity"]
    assert parity["n"] >= 64
    assert parity["cosine"] >= 0.99
    assert parity["top1_agreement"] >= 0.9
    assert m.metrics["parity_fp32_export"]["max_abs_diff"] < 1e-3
    assert len(m.golden) == 4
    assert all(g["expected"] in m.labels for g in m.golden)
    assert m.converter_version
    assert m.created_at


def test_int8_is_smaller_than_fp32(bert_dir, bert_bundle, tmp_path, convert_fn):
    fp32 = convert_fn(bert_dir, tmp_path / "fp32", quantize="none").bundle
    import onnx

    def weight_bytes(path):  # tiny graphs are mostly node overhead; compare what quantization shrinks
        return sum(len(i.raw_data) for i in onnx.load(str(path)).graph.initializer if len(i.dims) >= 2)

    assert weight_bytes(bert_bundle / "model.onnx") < 0.3 * weight_bytes(fp32 / "model.onnx")
    assert (bert_bundle / "model.onnx").stat().st_size < (fp32 / "model.onnx").stat().st_size


def test_mobilebert_converts(mobilebert_dir, tmp_path, convert_fn):
    result = convert_fn(mobilebert_dir, tmp_path / "mb", device="rpi4b", format="onnx")
    m = result.manifest
    assert m.family == "mobilebert"
    assert m.quantization["preset"] == "arm64"
    assert m.metrics["parity"]["cosine"] >= 0.99
    model = load_model(result.bundle)
    assert model.classifier.predict(["turn on the light"])[0].label in m.labels


@pytest.mark.parametrize("mode", ["static-int8", "fp16"])
def test_other_quantizations(bert_dir, eval_file, tmp_path, convert_fn, mode):
    result = convert_fn(bert_dir, tmp_path / mode, quantize=mode, calibration_file=eval_file)
    assert result.manifest.quantization["mode"] == mode
    assert result.manifest.metrics["parity"]["cosine"] >= 0.98
    load_model(result.bundle)  # golden examples re-run on load


def test_static_int8_without_calibration_is_a_clear_error(bert_dir, tmp_path, convert_fn):
    with pytest.raises(ConversionError, match="calibration"):
        convert_fn(bert_dir, tmp_path / "x", quantize="static-int8")


def test_eval_metrics_recorded_and_gate_fires(bert_dir, eval_file, tmp_path, convert_fn):
    result = convert_fn(bert_dir, tmp_path / "ev", eval_file=eval_file)
    ev = result.manifest.metrics["eval"]
    for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1", "per_label"):
        assert key in ev
    assert ev["n"] == 96
    assert set(ev["per_label"]) <= set(result.manifest.labels)
    original = result.manifest.metrics["eval_original"]
    assert abs(original["accuracy"] - ev["accuracy"]) <= 0.01
    # A budget no conversion can meet (converted must beat the original by 50 points) must fail.
    with pytest.raises(VerificationError, match="dropped"):
        convert_fn(bert_dir, tmp_path / "ev2", eval_file=eval_file, max_accuracy_drop=-50)


def test_corrupted_export_fails_verification(bert_dir, tmp_path, monkeypatch, convert_fn):
    import onnx
    from onnx import numpy_helper

    real_export = export_module.export_onnx

    def export_then_corrupt(source, out_dir):
        path = real_export(source, out_dir)
        model = onnx.load(str(path))
        init = next(i for i in model.graph.initializer if "layer.0" in i.name or i.name.startswith("onnx::MatMul"))
        weights = numpy_helper.to_array(init).copy()
        weights.flat[0] += 50.0  # one weight
        init.CopyFrom(numpy_helper.from_array(weights, init.name))
        onnx.save(model, str(path))
        return path

    monkeypatch.setattr(export_module, "export_onnx", export_then_corrupt)
    with pytest.raises(VerificationError) as err:
        convert_fn(bert_dir, tmp_path / "bad", quantize="none")
    assert "fp32 export" in str(err.value)
    assert not (tmp_path / "bad").exists()


def test_over_memory_budget_fails_with_size_and_budget(bert_dir, tmp_path, convert_fn):
    # an ONNX board: the check is the same for every format, and LiteRT's conversion costs ~20 s more here
    tiny_board = replace(devices.get_profile("x86-64"), model_memory_budget_mb=0)
    with pytest.raises(BudgetError, match=r"MB but x86-64's model memory budget is 0 MB"):
        convert_fn(bert_dir, tmp_path / "big", device=tiny_board)


def test_unsupported_device_refused(bert_dir, tmp_path, convert_fn):
    with pytest.raises(ConversionError, match="unsupported"):
        convert_fn(bert_dir, tmp_path / "nano", device="jetson-nano")


def test_outlier_layer_alone_is_kept_in_fp32(bert_dir, tmp_path, convert_fn):
    src = damaged_layer_copy(bert_dir, tmp_path / "outlier-src", activation_outlier)
    result = convert_fn(src, tmp_path / "outlier")
    q = result.manifest.quantization
    assert q["kept_fp32"] == ["layer.1"], q
    assert 0.3 < q["int8_fraction"] < 1.0
    assert result.manifest.metrics["parity"]["cosine"] >= 0.99


def test_gpt2_kv_cache_one_token_per_step_matches_full_recompute(gpt2_dir, tmp_path, convert_fn):
    bundle = convert_fn(gpt2_dir, tmp_path / "g32", quantize="none").bundle
    model = load_model(bundle)
    gen = model.generator
    ids = model.tokenizer.encode("turn on the kitchen light please").ids
    past, past_len = gen._empty_past(), 0
    logits, past = gen.step(ids[:2], past, past_len)
    past_len = 2
    for n in range(3, len(ids) + 1):
        logits, past = gen.step([ids[n - 1]], past, past_len)  # exactly one new token
        past_len += 1
        assert next(iter(past.values())).shape[2] == n
        full, _ = gen.step(ids[:n], gen._empty_past(), 0)
        np.testing.assert_allclose(logits, full, atol=1e-4)


def test_gpt2_int8_bundle_generates(gpt2_bundle, gpt2_dir):
    import torch
    from transformers import AutoModelForCausalLM

    model = load_model(gpt2_bundle)
    m = model.manifest
    assert m.task == "text-generation"
    assert m.generation["kv_cache"] is True
    assert m.metrics["parity"]["top1_agreement"] >= 0.8
    prompt_ids = model.tokenizer.encode("turn on the").ids
    out = model.generator.generate("turn on the", max_new_tokens=6)
    ref = AutoModelForCausalLM.from_pretrained(gpt2_dir).eval()
    with torch.no_grad():
        greedy = ref.generate(torch.tensor([prompt_ids]), max_new_tokens=6, do_sample=False,
                              pad_token_id=0, eos_token_id=None)[0, len(prompt_ids):].tolist()
    agree = sum(a == b for a, b in zip(out.tokens, greedy))
    assert agree >= 3, (out.tokens, greedy)


@pytest.mark.parametrize(("make_bad", "needle"), [
    (lambda p: None, "does not exist"),
    (lambda p: p.mkdir(), "no config.json"),
    (lambda p: (p.mkdir(), (p / "config.json").write_text("{not json")), "not valid JSON"),
    (lambda p: (p.mkdir(), (p / "config.json").write_text(json.dumps({"model_type": "t5"})),
                (p / "model.safetensors").write_bytes(b"x")), "unsupported model_type 't5'"),
    (lambda p: (p.mkdir(), (p / "config.json").write_text(json.dumps({"model_type": "bert"}))), "no weights"),
])
def test_cli_bad_model_dirs_give_one_line_errors(tmp_path, make_bad, needle):
    target = tmp_path / "model"
    make_bad(target)
    result = CliRunner().invoke(cli, ["convert", str(target), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert needle in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_cli_corrupted_weights(bert_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(bert_dir, broken)
    (broken / "model.safetensors").write_bytes(b"\x00" * 100)
    result = CliRunner().invoke(cli, ["convert", str(broken), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert f"cannot load {broken} with transformers" in result.output


def test_cli_convert_and_inspect(bert_dir, tmp_path):
    out = tmp_path / "cli-bundle"
    runner = CliRunner()
    # an ONNX board: the CLI path is the same for every format, and LiteRT's conversion costs ~20 s more
    # (test_auto_format_follows_the_board checks that a Raspberry Pi gets LiteRT)
    result = runner.invoke(cli, ["convert", str(bert_dir), "-o", str(out), "--device", "x86-64"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(cli, ["inspect", str(out)])
    assert shown.exit_code == 0
    assert "dynamic-int8" in shown.output
    assert "files       OK" in shown.output
    assert "onnxruntime, device x86-64" in shown.output


def test_auto_format_follows_the_board(gpt2_dir, bert_dir):
    from converter.pipeline import resolve_format
    from converter.source import resolve

    pi, jetson = devices.get_profile("rpi5"), devices.get_profile("jetson-orin-nano")
    for model in (gpt2_dir, bert_dir):  # GPT-2 too: prefill/decode signatures over a fixed KV cache
        assert resolve_format("auto", pi, resolve(str(model)), "dynamic-int8") == "tflite"
        assert resolve_format("auto", jetson, resolve(str(model)), "fp16") == "onnx"
    assert resolve_format("auto", pi, resolve(str(bert_dir)), "static-int8") == "tflite"


def test_cli_unknown_device(bert_dir, tmp_path):
    result = CliRunner().invoke(cli, ["convert", str(bert_dir), "-o", str(tmp_path / "o"), "--device", "pi9"])
    assert result.exit_code != 0
    assert "known devices" in result.output


def _pad_fixed(tokenizer_json, length: int = 128) -> None:
    """Make a tokenizer pad every text to `length`, as sentence-transformers checkpoints ship theirs."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.enable_padding(pad_id=0, pad_token="[PAD]", length=length)
    tok.save(str(tokenizer_json))


def test_fixed_length_tokenizer_is_bundled_with_batch_longest_padding(bert_dir, tmp_path, convert_fn):
    from tokenizers import Tokenizer

    src = tmp_path / "fixed-pad"
    shutil.copytree(bert_dir, src)
    _pad_fixed(src / "tokenizer.json")
    assert len(Tokenizer.from_file(str(src / "tokenizer.json")).encode("turn on").ids) == 128
    bundle = convert_fn(src, tmp_path / "bundle").bundle
    shipped = Tokenizer.from_file(str(bundle / "tokenizer.json"))
    short, long = (shipped.encode(t).ids for t in ("turn on", "turn on the kitchen light"))
    assert len(short) < len(long) < 128  # each text at its own length
    assert {len(e.ids) for e in shipped.encode_batch(["turn on", "turn on the kitchen light"])} == {len(long)}
    assert shipped.truncation["max_length"] == 128


def test_agent_ignores_a_fixed_padding_an_older_bundle_ships(bert_dir, tmp_path):
    from edge_agent.inference.classify import encode_batch
    from edge_agent.inference.model import load_tokenizer

    path = tmp_path / "tokenizer.json"
    shutil.copy(bert_dir / "tokenizer.json", path)
    _pad_fixed(path)
    tokenizer = load_tokenizer(path)
    feeds = encode_batch(tokenizer, ["turn on", "turn on the kitchen light"], 128, ["input_ids", "attention_mask"])
    lengths = [len(e.ids) for e in tokenizer.encode_batch(["turn on", "turn on the kitchen light"])]
    assert feeds["input_ids"].shape[1] == max(lengths) < 128
    assert feeds["attention_mask"].sum(axis=1).tolist() == lengths
