"""TFLite/LiteRT export with litert-torch and quantization with ai-edge-quantizer (no TensorFlow needed).

litert-torch converts static shapes only, so an encoder is exported as one signature per sequence-length
bucket (`seq8`, `seq16`, ...), batch 1, int32 inputs; the agent pads each text to the smallest bucket that
fits. Buckets grow by at most 50%, so padding adds at most 50% tokens for any length up to 128.
"""

from __future__ import annotations

import re
from pathlib import Path

from converter.errors import ConversionError, MissingExtraError
from converter.formats.tflite.compact import compact_tflite
from devices import Quantization

BUCKETS = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
TFLITE_FAMILIES = ("bert", "mobilebert", "gpt2")  # gpt2: prefill/decode signatures (converter.formats.tflite.lm)
TFLITE_QUANT = {Quantization.NONE: None, Quantization.DYNAMIC_INT8: "dynamic_wi8_afp32", Quantization.FP16: "fp16",
                Quantization.STATIC_INT8: "static"}  # ai-edge-quantizer's recipe per mode


def buckets_for(max_len: int) -> list[int]:
    chosen = [b for b in BUCKETS if b < max_len]
    return chosen + [max_len]


def padding_overhead(buckets: list[int], max_len: int) -> float:
    """Worst case extra tokens / real tokens over every length 1..max_len (the issue's <= 50% goal)."""
    worst = 0.0
    for n in range(1, max_len + 1):
        bucket = min(b for b in buckets if b >= n)
        worst = max(worst, (bucket - n) / n) if n >= buckets[0] else worst
    return worst


def check_supported(family: str, generative: bool, mode: str) -> None:
    if family not in TFLITE_FAMILIES:
        raise ConversionError(f"--format tflite supports {', '.join(TFLITE_FAMILIES)} in this version; "
                              f"for {family} use --format onnx")
    if mode not in TFLITE_QUANT:
        raise ConversionError(f"--format tflite supports --quantize {', '.join(TFLITE_QUANT)}, not {mode}")
    if generative and mode == "static-int8":
        raise ConversionError("--format tflite --quantize static-int8 is for encoders; for GPT-2 use dynamic-int8")


def export_tflite(torch_model, input_names: list[str], buckets: list[int], out: Path) -> Path:
    """One signature per bucket; int32 inputs named like the ONNX ones; output `logits`."""
    try:
        import litert_torch
        import torch
    except ImportError as exc:
        raise MissingExtraError("litert-torch", extra="convert") from exc

    class Classifier(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, **feeds):
            out = self.model(**{k: v.long() for k, v in feeds.items()})
            slot_logits = getattr(out, "slot_logits", None)  # the joint intent + slot model's second head
            return {"logits": out.logits} if slot_logits is None else {"logits": out.logits,
                                                                        "slot_logits": slot_logits}

    wrapper = Classifier(torch_model.eval()).eval()
    converter = None
    for seq in buckets:
        sample = {name: torch.ones((1, seq), dtype=torch.int32) for name in input_names}
        target = converter or litert_torch
        converter = target.signature(f"seq{seq}", wrapper, (), sample_kwargs=sample)
    try:
        edge_model = converter.convert()  # type: ignore[union-attr]
    except Exception as exc:  # litert-torch raises many kinds; the message is what the user needs
        raise ConversionError(f"litert-torch could not convert the model: {exc}".splitlines()[0]) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    edge_model.export(str(out))
    return out


def quantize_tflite(fp32: Path, out: Path, mode: str, calibration: dict[str, list[dict]] | None = None,
                    exclude: list[str] | None = None) -> Path:
    """`exclude`: op-name patterns (from `layer_groups`) kept in fp32 by the accuracy fallback."""
    recipe_name = TFLITE_QUANT[Quantization(mode)]
    if recipe_name is None:
        out.write_bytes(fp32.read_bytes())
    else:
        out.write_bytes(_quantized_bytes(fp32, recipe_name, calibration, exclude or []))
    compact_tflite(out)
    return out


def layer_groups(fp32: Path) -> dict[str, list[str]]:
    """Fallback groups: one per transformer layer (litert-torch names ops after the module path, e.g.
    `BertLayer_3/`, `GPT2Block_3/`), plus the embeddings and the task head."""
    from ai_edge_litert import schema_py_generated as schema  # type: ignore[import-untyped]

    model = schema.ModelT.InitFromPackedBuf(fp32.read_bytes(), 0)
    names = {t.name.decode(errors="replace") for t in model.subgraphs[0].tensors if t.name}
    layers = sorted({int(m.group(1)) for n in names for m in [re.search(r"(?:Layer|Block)_(\d+)/", n)] if m})
    groups = {f"layer.{i}": [rf".*(?:Layer|Block)_{i}/.*"] for i in layers}
    groups["embeddings"] = [r".*(?:Embedding|wte|wpe).*"]
    groups["head"] = [r".*(?:Pooler|classifier|slot_classifier|lm_head|logits).*"]
    return groups


def _quantized_bytes(fp32: Path, recipe_name: str, calibration: dict[str, list[dict]] | None,
                     exclude: list[str]) -> bytes:
    try:
        from ai_edge_quantizer import qtyping, quantizer, recipe
        from ai_edge_quantizer.algorithm_manager import AlgorithmName
    except ImportError as exc:
        raise MissingExtraError("ai-edge-quantizer", extra="convert") from exc
    recipes = {"fp16": _fp16_recipe, "static": _static_recipe}
    make = recipes[recipe_name] if recipe_name in recipes else getattr(recipe, recipe_name)
    q = quantizer.Quantizer(str(fp32), make())
    for pattern in exclude:  # later entries win over the blanket '.*' rule
        q.update_quantization_recipe(regex=pattern, operation_name=qtyping.TFLOperationName.ALL_SUPPORTED,
                                     algorithm_key=AlgorithmName.NO_QUANTIZE)
    if q.need_calibration:
        if not calibration:
            raise ConversionError("--quantize static-int8 needs --calibration FILE (representative texts)")
        result = q.quantize(q.calibrate(calibration))
    else:
        result = q.quantize()
    return bytes(result.quantized_model)


def _fp16_recipe():
    """Weights stored as float16 and cast back at load (ai-edge-quantizer's FLOAT_CASTING); compute stays fp32."""
    from ai_edge_quantizer import qtyping, recipe_manager
    from ai_edge_quantizer.algorithm_manager import AlgorithmName

    manager = recipe_manager.RecipeManager()
    manager.add_weight_only_config(regex=".*", operation_name=qtyping.TFLOperationName.ALL_SUPPORTED, num_bits=16,
                                   granularity=qtyping.QuantGranularity.TENSORWISE,
                                   algorithm_key=AlgorithmName.FLOAT_CASTING)
    return manager.get_quantization_recipe()


def _static_recipe():
    """Full integer: int8 weights and activations calibrated per signature on --calibration texts. The
    static recipe leaves EMBEDDING_LOOKUP tables in fp32 (the largest tensor), so they get int8 weights too."""
    from ai_edge_quantizer import qtyping, recipe_manager

    manager = recipe_manager.RecipeManager()
    manager.add_static_config(regex=".*", operation_name=qtyping.TFLOperationName.ALL_SUPPORTED,
                              activation_num_bits=8, weight_num_bits=8)
    manager.add_weight_only_config(regex=".*", operation_name=qtyping.TFLOperationName.EMBEDDING_LOOKUP, num_bits=8)
    return manager.get_quantization_recipe()


def weight_fractions(path: Path) -> dict[str, float]:
    """Share of constant weight bytes per storage type, read from the flatbuffer (not from the file size)."""
    from ai_edge_litert import schema_py_generated as schema  # type: ignore[import-untyped]

    model = schema.ModelT.InitFromPackedBuf(path.read_bytes(), 0)
    names = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    types: dict[int, int] = {}  # buffer -> tensor type; signatures share weight buffers, count each once
    for subgraph in model.subgraphs:
        for tensor in subgraph.tensors:
            types.setdefault(tensor.buffer, tensor.type)
    sizes: dict[str, int] = {}
    for index, tensor_type in types.items():
        buffer = model.buffers[index]
        size = buffer.size if buffer.offset > 1 else (len(buffer.data) if buffer.data is not None else 0)
        if size >= 256:  # shapes and scalars are not weights
            sizes[names[tensor_type]] = sizes.get(names[tensor_type], 0) + size
    total = sum(sizes.values())
    return {kind: round(size / total, 4) for kind, size in sizes.items()} if total else {}


def int8_weight_fraction(path: Path) -> float:
    return weight_fractions(path).get("int8", 0.0)


def int8_weight_tensors(path: Path) -> list[str]:
    """Constant int8 weights by tensor name: where every group was kept in fp32 this must be empty."""
    from ai_edge_litert import schema_py_generated as schema  # type: ignore[import-untyped]

    model = schema.ModelT.InitFromPackedBuf(path.read_bytes(), 0)
    found: dict[str, None] = {}
    for subgraph in model.subgraphs:
        for tensor in subgraph.tensors:
            buffer = model.buffers[tensor.buffer]
            has_data = buffer.offset > 1 or (buffer.data is not None and len(buffer.data) > 0)
            if tensor.type == schema.TensorType.INT8 and has_data:
                found[tensor.name.decode(errors="replace")] = None
    return list(found)
