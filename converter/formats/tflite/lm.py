"""GPT-2 to LiteRT with a fixed-size KV cache: `prefill<T>` signatures and one `decode` signature.

litert-torch converts static shapes only, so the cache is one tensor of fixed size
`kv_cache[layers, 2, heads, max_len, head_dim]` that the agent owns:

- `prefill<T>(input_ids[1,T], last[1])` runs a prompt padded to bucket T and returns the logits of token
  `last` and the keys/values of all T positions, `kv[layers, 2, heads, T, head_dim]`.
- `decode(input_ids[1,1], position[1], kv_cache)` runs one token at `position` over the cache and returns
  its logits and only its own keys/values, `kv[layers, 2, heads, 1, head_dim]`; the agent writes them into
  the cache. Reading and writing only the new column keeps each step's copies small.

Padded prompt positions leave garbage keys in the cache, but decode masks every position from its own on
(its own key joins the softmax as one extra column, so the graph only reads the cache), and the agent
writes position p's column before any later step can see it. The prefix is
never recomputed. The module is built from the Hugging Face model's own layers, so pruned heads (the same
count in every layer) and pruned FFN neurons export as they are.
"""

from __future__ import annotations

import math
from pathlib import Path

from converter.errors import ConversionError, MissingExtraError
from converter.formats.tflite.export import buckets_for

NEG = -1e9  # additive mask; finite, so a fully masked row can never produce NaN


def prefill_buckets(max_len: int) -> list[int]:
    return buckets_for(max_len)  # the encoders' buckets: padding at most 50% of the prompt


def build_kv_module(hf_model, max_len: int):
    import torch

    blocks = hf_model.transformer.h
    heads = {int(block.attn.num_heads) for block in blocks}
    if len(heads) != 1:
        raise ConversionError(f"--format tflite needs the same number of heads in every GPT-2 layer (got {sorted(heads)})")
    num_heads = heads.pop()
    head_dim = int(blocks[0].attn.head_dim)
    module_class = _kv_module_class(torch, num_heads, head_dim, max_len)
    return module_class(hf_model).eval(), (len(blocks), 2, num_heads, max_len, head_dim)


def _kv_module_class(torch, num_heads: int, head_dim: int, max_len: int):
    """The torch module litert-torch converts; torch is imported by the caller (it is the convert extra)."""

    class KvCacheGpt2(torch.nn.Module):
        def __init__(self, hf_model):
            super().__init__()
            self.model = hf_model.eval()
            self.register_buffer("slots", torch.arange(max_len), persistent=False)

        def _qkv(self, block, hidden):
            q, k, v = block.attn.c_attn(block.ln_1(hidden)).split(num_heads * head_dim, dim=-1)
            return (t.reshape(t.shape[1], num_heads, head_dim).transpose(0, 1) for t in (q, k, v))

        def _finish(self, block, hidden, context):
            hidden = hidden + block.attn.c_proj(context.transpose(0, 1).reshape(1, -1, num_heads * head_dim))
            return hidden + block.mlp(block.ln_2(hidden))

        def _prefill_layer(self, block, hidden, mask):
            q, k, v = self._qkv(block, hidden)
            scores = q @ k.transpose(1, 2) / math.sqrt(head_dim) + mask
            return self._finish(block, hidden, scores.softmax(-1) @ v), k, v

        def _decode_layer(self, block, hidden, cache_k, cache_v, mask):
            # the cache is only read: the new token's key/value join the softmax as one extra column
            q, k, v = self._qkv(block, hidden)
            cached = q @ cache_k.transpose(1, 2) / math.sqrt(head_dim) + mask  # [heads, 1, max_len]
            own = (q * k).sum(-1, keepdim=True) / math.sqrt(head_dim)  # [heads, 1, 1]
            probs = torch.cat([cached, own], -1).softmax(-1)
            context = probs[..., :max_len] @ cache_v + probs[..., max_len:] * v
            return self._finish(block, hidden, context), k, v

        def _logits(self, hidden):
            return self.model.transformer.ln_f(hidden) @ self.model.lm_head.weight.T

        def forward(self, input_ids, last=None, position=None, kv_cache=None):
            blocks = self.model.transformer.h
            wte, wpe = self.model.transformer.wte, self.model.transformer.wpe
            ids = input_ids.long()
            if kv_cache is None:  # prefill
                width = ids.shape[1]
                steps = torch.arange(width)
                hidden = wte(ids) + wpe(steps)[None]
                mask = torch.where(steps[None, :] <= steps[:, None], 0.0, NEG)
                kv = []
                for block in blocks:
                    hidden, k, v = self._prefill_layer(block, hidden, mask)
                    kv.append(torch.stack([k, v]))
                pick = (steps == last.long()).float()  # one-hot row of the last real token
                return {"logits": self._logits(pick[None, None, :] @ hidden)[:, 0], "kv": torch.stack(kv)}
            pos = position.long()
            hidden = wte(ids) + wpe(pos)[None]
            mask = torch.where(self.slots < pos, 0.0, NEG)[None, None, :]  # earlier positions only
            kv = []
            for index, block in enumerate(blocks):
                hidden, k, v = self._decode_layer(block, hidden, kv_cache[index, 0], kv_cache[index, 1], mask)
                kv.append(torch.stack([k, v]))
            return {"logits": self._logits(hidden)[:, 0], "kv": torch.stack(kv)}

    return KvCacheGpt2


def export_tflite_lm(hf_model, max_len: int, out: Path) -> Path:
    try:
        import litert_torch
        import torch
    except ImportError as exc:
        raise MissingExtraError("litert-torch", extra="convert") from exc
    module, cache_shape = build_kv_module(hf_model, max_len)
    converter = None
    for width in prefill_buckets(max_len):
        sample = {"input_ids": torch.zeros((1, width), dtype=torch.int32), "last": torch.zeros(1, dtype=torch.int32)}
        converter = (converter or litert_torch).signature(f"prefill{width}", module, (), sample_kwargs=sample)
    sample = {"input_ids": torch.zeros((1, 1), dtype=torch.int32), "position": torch.zeros(1, dtype=torch.int32),
              "kv_cache": torch.zeros(cache_shape)}
    converter = converter.signature("decode", module, (), sample_kwargs=sample)  # type: ignore[union-attr]
    try:
        edge_model = converter.convert()
    except Exception as exc:  # litert-torch raises many kinds; the message is what the user needs
        raise ConversionError(f"litert-torch could not convert the model: {exc}".splitlines()[0]) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    edge_model.export(str(out))
    return out
