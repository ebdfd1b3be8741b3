"""Export the PyTorch original to ONNX: optimum-onnx where it works, torch.onnx with dynamic axes where not."""

from __future__ import annotations

import logging
from pathlib import Path

from converter.errors import ConversionError, MissingExtraError
from converter.source import Source, load_torch_model

log = logging.getLogger(__name__)
OPSET = 17


def export_onnx(source: Source, out_dir: Path) -> Path:
    """Write ``out_dir/model.onnx``; GPT-2 comes out as one decoder with past_key_values in/out."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not source.spec.optimum_task:
        return _export_torch(source, out_dir)
    try:
        return _export_optimum(source, out_dir)
    except MissingExtraError:
        raise
    except Exception as exc:  # optimum lacks a config for some checkpoints: fall back
        log.warning("optimum export failed (%s); falling back to torch.onnx", str(exc).splitlines()[0])
        if source.spec.generative:
            raise ConversionError(f"cannot export {source.path} with KV cache: {exc}") from exc
        return _export_torch(source, out_dir)


def _export_optimum(source: Source, out_dir: Path) -> Path:
    try:
        from optimum.exporters.onnx import main_export
    except ImportError as exc:
        raise MissingExtraError("optimum-onnx") from exc
    main_export(
        str(source.path),
        str(out_dir),
        task=source.spec.optimum_task,
        do_validation=False,  # EdgeLM's own verification runs later, on mixed lengths
        no_post_process=False,
        local_files_only=True,
        custom_onnx_configs=_pruned_gpt2_config(source),
    )
    model = out_dir / "model.onnx"
    if not model.is_file():
        raise ConversionError(f"optimum wrote no model.onnx to {out_dir}")
    return model


def _pruned_gpt2_config(source: Source) -> dict | None:
    """A head-pruned GPT-2 keeps head_dim but has fewer heads: optimum sizes the dummy past_key_values from
    config.n_head and n_embd, so point it at the kept heads and their width (written by converter.prune.heads_ffn)."""
    if source.family != "gpt2" or not source.config.get("edgelm_kv_heads"):
        return None
    from optimum.exporters.onnx.model_configs import GPT2OnnxConfig
    from optimum.utils import NormalizedTextConfig
    from transformers import AutoConfig

    class PrunedGpt2OnnxConfig(GPT2OnnxConfig):
        NORMALIZED_CONFIG_CLASS = NormalizedTextConfig.with_args(
            num_layers="n_layer", num_attention_heads="edgelm_kv_heads", hidden_size="edgelm_kv_width")

    config = AutoConfig.from_pretrained(source.path, local_files_only=True)
    return {"model": PrunedGpt2OnnxConfig(config, task="text-generation", use_past=True, use_past_in_inputs=True)}


def _export_torch(source: Source, out_dir: Path) -> Path:
    import torch

    model = load_torch_model(source)
    outputs = list(source.spec.outputs)
    if "slot_logits" in outputs:
        from converter.intents.joint import ExportWrapper

        model = ExportWrapper(model).eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    axes["logits"] = {0: "batch_size"}
    axes["slot_logits"] = {0: "batch_size", 1: "sequence_length"}
    path = out_dir / "model.onnx"
    torch.onnx.export(model, dummy, str(path), input_names=names, output_names=outputs,
                      dynamic_axes={k: v for k, v in axes.items() if k in names + outputs},
                      opset_version=OPSET, dynamo=False)
    return path
