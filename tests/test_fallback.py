"""The int8 fallback ends in a model that matches the fp32 export: once every group is kept in fp32 nothing
computes in int8 (ORT renames a Gemm to `<name>_MatMul` before it applies exclusions, so the pooler and
classifier used to stay int8 whatever was kept), and random BERTs convert for every (format, preset)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cached_convert

from converter.formats.onnx import export as onnx_export
from converter.formats.onnx import quantize
from converter.source import resolve
from converter.synthetic import make_checkpoint

# (seed, why): 110 failed on rpi4b before the fix ("int8 fails even with every group in fp32: cosine 0.919");
# 4 is a close call (cosine 0.9927 on rpi4b); 0 an ordinary draw.
SEEDS = [110, 4, 0]
TARGETS = [("onnx", "rpi4b"), ("onnx", "x86-64"), ("tflite", "rpi4b")]  # presets arm64 and avx2; LiteRT


@pytest.fixture(scope="module")
def random_berts(tmp_path_factory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("random-berts")
    return {seed: make_checkpoint(root / f"bert-small-{seed}", "bert-small", labels=["off", "on"], seed=seed)
            for seed in SEEDS}


def test_every_group_excluded_leaves_nothing_int8(random_berts, tmp_path):
    fp32 = onnx_export.export_onnx(resolve(str(random_berts[110])), tmp_path / "fp32")
    groups = quantize.node_groups(fp32)
    assert {"embeddings", "layer.0", "layer.1", "head"} <= set(groups)
    for preset in ("arm64", "avx2", "avx512_vnni"):
        out = quantize.quantize_dynamic(fp32, tmp_path / f"q-{preset}.onnx", preset,
                                        [n for g in groups.values() for n in g])
        assert quantize.quantized_nodes(out) == [], preset
        assert quantize.int8_fraction(out) == 0.0, preset
    everything_int8 = quantize.quantize_dynamic(fp32, tmp_path / "all.onnx", "arm64", [])
    assert any("classifier" in name for name in quantize.quantized_nodes(everything_int8))


@pytest.mark.parametrize(("fmt", "device"), TARGETS)
def test_random_berts_convert_within_parity(random_berts, tmp_path, fmt, device):
    kept = {}
    for seed, checkpoint in random_berts.items():
        result = cached_convert(f"bert-small-{seed}", checkpoint, tmp_path / str(seed), format=fmt, device=device)
        parity = result.manifest.metrics["parity"]
        assert parity["cosine"] >= 0.99, (seed, parity)
        assert parity["top1_agreement"] >= 0.9, (seed, parity)
        kept[seed] = result.manifest.quantization["kept_fp32"]
    if (fmt, device) == ("onnx", "rpi4b"):
        assert "head" in kept[110]  # the draw that needs its head in fp32, which now really is fp32
