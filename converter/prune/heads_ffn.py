"""Structured pruning that really removes weights: attention heads and FFN intermediate neurons.

Importance is first-order Taylor (Michel et al. 2019 for heads: |dL/d head_mask|; Molchanov et al. for
neurons: |activation x gradient|), measured against the unpruned model's own predictions on calibration
text, so no labels are needed and the eval set never leaks into what gets removed. Masks shrink nothing;
`prune_heads` (recorded in `config.pruned_heads`, re-applied on reload) and sliced FFN matrices do. The
config holds one `intermediate_size`, so every layer keeps the same number of neurons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from converter.errors import ConversionError

HEAD_FAMILIES = ("bert", "mobilebert", "gpt2")  # GPT-2: the same count in every layer (uniform KV cache)
FFN_FAMILIES = ("bert", "mobilebert", "gpt2")
VOCAB_FAMILIES = ("bert", "mobilebert")  # WordPiece


@dataclass
class Importance:
    heads: np.ndarray  # [layers, heads], normalised per layer
    ffn: list[np.ndarray] = field(default_factory=list)  # one [intermediate] per FFN block


@dataclass
class PruneReport:
    heads_removed: dict[int, list[int]] = field(default_factory=dict)
    heads_per_layer: list[int] = field(default_factory=list)
    ffn_before: int | None = None
    ffn_after: int | None = None
    params_before: int = 0
    params_after: int = 0

    def to_dict(self) -> dict:
        return {"heads_removed": {str(k): v for k, v in self.heads_removed.items()},
                "heads_per_layer": self.heads_per_layer, "ffn_before": self.ffn_before,
                "ffn_after": self.ffn_after, "params_before": self.params_before, "params_after": self.params_after}


def check_supported(family: str, heads: bool, ffn: bool, vocab: bool) -> None:
    problems = []
    if heads and family not in HEAD_FAMILIES:
        problems.append(f"--prune-heads supports {', '.join(HEAD_FAMILIES)}")
    if ffn and family not in FFN_FAMILIES:
        problems.append(f"--prune-ffn supports {', '.join(FFN_FAMILIES)}")
    if vocab and family not in VOCAB_FAMILIES:
        problems.append(f"--prune-vocab supports the encoders {', '.join(VOCAB_FAMILIES)} (WordPiece), not {family}")
    if problems:
        raise ConversionError("; ".join(problems))


def _base(model):
    return getattr(model, model.base_model_prefix)


def _layers(model, family: str) -> list:
    base = _base(model)
    return list(base.h) if family == "gpt2" else list(base.encoder.layer)


def _num_heads(model, family: str) -> int:
    cfg = model.config
    return int(cfg.n_head if family == "gpt2" else cfg.num_attention_heads)


def ffn_blocks(model, family: str) -> list[tuple]:
    """(up projection, activation module to hook, down projection) for every FFN in the model."""
    blocks = []
    for layer in _layers(model, family):
        if family == "gpt2":
            blocks.append((layer.mlp.c_fc, layer.mlp.act, layer.mlp.c_proj))
            continue
        blocks.append((layer.intermediate.dense, layer.intermediate, layer.output.dense))
        for extra in getattr(layer, "ffn", []):  # MobileBERT stacks more FFNs per layer
            blocks.append((extra.intermediate.dense, extra.intermediate, extra.output.dense))
    return blocks


def count_params(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def measure_importance(model, family: str, batches: list[dict]) -> Importance:
    """Accumulate |grad of head mask| and |activation x grad| over batches of tokenized inputs.

    The loss is cross-entropy against the model's own argmax (classifier) or next-token LM loss (GPT-2).
    """
    import torch

    model.eval()
    layers, heads = len(_layers(model, family)), _num_heads(model, family)
    head_mask = torch.ones(layers, heads, requires_grad=True)
    blocks = ffn_blocks(model, family)
    ffn_scores = [torch.zeros(up.weight.shape[0 if family != "gpt2" else 1]) for up, _, _ in blocks]
    acts: list = [None] * len(blocks)

    def hook(i):
        def keep(_module, _inputs, output):
            output.retain_grad()
            acts[i] = output
        return keep

    handles = [act.register_forward_hook(hook(i)) for i, (_, act, _) in enumerate(blocks)]
    try:
        for feeds in batches:
            if family == "gpt2":
                out = model(**feeds, head_mask=head_mask, labels=feeds["input_ids"])
                loss = out.loss
            else:
                logits = model(**feeds, head_mask=head_mask).logits
                loss = torch.nn.functional.cross_entropy(logits, logits.detach().argmax(-1))
            loss.backward()
            mask = feeds["attention_mask"].unsqueeze(-1).float()
            for i, act in enumerate(acts):
                if act is not None and act.grad is not None:
                    ffn_scores[i] += (act * act.grad * mask).abs().sum(dim=(0, 1)).detach()
            model.zero_grad(set_to_none=True)
    finally:
        for h in handles:
            h.remove()
    scores = head_mask.grad.abs().detach().numpy() if head_mask.grad is not None else np.ones((layers, heads))
    norms = np.linalg.norm(scores, axis=1, keepdims=True) + 1e-12  # Michel et al.: normalise per layer
    return Importance(heads=scores / norms, ffn=[s.numpy() for s in ffn_scores])


def heads_to_remove(importance: np.ndarray, fraction: float, uniform: bool = False) -> dict[int, list[int]]:
    """The least important heads, globally ranked (every layer keeps at least one) or `uniform` per layer."""
    layers, heads = importance.shape
    total = int(round(layers * heads * fraction))
    if uniform:
        per_layer = min(heads - 1, int(round(heads * fraction)))
        return {layer: sorted(np.argsort(importance[layer])[:per_layer].tolist())
                for layer in range(layers) if per_layer}
    removed: dict[int, list[int]] = {}
    for flat in np.argsort(importance, axis=None):
        if total <= 0:
            break
        layer, head = divmod(int(flat), heads)
        if len(removed.get(layer, [])) < heads - 1:
            removed.setdefault(layer, []).append(head)
            total -= 1
    return {layer: sorted(h) for layer, h in sorted(removed.items())}


def random_heads(shape: tuple[int, int], fraction: float, seed: int) -> dict[int, list[int]]:
    """Same sparsity as `heads_to_remove`, random choice: the control importance must beat."""
    rng = np.random.default_rng(seed)
    return heads_to_remove(rng.random(shape), fraction)


def apply_head_pruning(model, removed: dict[int, list[int]], family: str = "bert") -> None:
    if not removed:
        return
    model.prune_heads(removed)  # records config.pruned_heads, so from_pretrained re-applies it
    if family == "gpt2":  # the KV cache now has fewer heads; the ONNX export sizes past_key_values from these
        attn = _layers(model, family)[0].attn
        model.config.edgelm_kv_heads = int(attn.num_heads)
        model.config.edgelm_kv_width = int(attn.num_heads * attn.head_dim)


def apply_ffn_pruning(model, family: str, keep_fraction: float, scores: list[np.ndarray]) -> tuple[int, int]:
    """Keep the top `keep_fraction` neurons of every FFN (same count everywhere); return (before, after)."""
    import torch
    from transformers.pytorch_utils import prune_conv1d_layer, prune_linear_layer

    blocks = ffn_blocks(model, family)
    before = len(scores[0])
    after = max(1, int(round(before * keep_fraction)))
    for (up, _, down), score in zip(blocks, scores):
        keep = torch.tensor(sorted(np.argsort(-score)[:after].tolist()), dtype=torch.long)
        owner_up, name_up = _owner(model, up)
        owner_down, name_down = _owner(model, down)
        if family == "gpt2":  # Conv1D stores weights transposed: [in, out]
            setattr(owner_up, name_up, prune_conv1d_layer(up, keep, dim=1))  # type: ignore[arg-type]
            setattr(owner_down, name_down, prune_conv1d_layer(down, keep, dim=0))  # type: ignore[arg-type]
        else:
            setattr(owner_up, name_up, prune_linear_layer(up, keep, dim=0))  # type: ignore[arg-type]
            setattr(owner_down, name_down, prune_linear_layer(down, keep, dim=1))  # type: ignore[arg-type]
    if family == "gpt2":
        model.config.n_inner = after
    else:
        model.config.intermediate_size = after
    return before, after


def _owner(model, module) -> tuple:
    for candidate in model.modules():
        for child_name, child in candidate.named_children():
            if child is module:
                return candidate, child_name
    raise ConversionError(f"cannot locate {type(module).__name__} in the model")
