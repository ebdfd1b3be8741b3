"""Text generation with a KV cache: one prefill pass, then exactly one new token per step."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge_agent.runtime import Runtime

_PAST = re.compile(r"past_key_values\.(\d+)\.(key|value)")


@dataclass
class Generated:
    text: str
    tokens: list[int]
    prompt_tokens: int


class Generator:
    def __init__(self, runtime: Runtime, tokenizer, eos_id: int | None, max_seq_len: int):
        self.runtime = runtime
        self.tokenizer = tokenizer
        self.eos_id = eos_id
        self.max_seq_len = max_seq_len
        self.past_names = [n for n in runtime.input_names if _PAST.fullmatch(n)]
        if not self.past_names:
            raise ValueError("generation model has no past_key_values inputs (exported without KV cache)")
        shape = runtime.input_shapes[self.past_names[0]]
        self.num_heads, self.head_dim = int(shape[1]), int(shape[3])

    def _empty_past(self) -> dict[str, np.ndarray]:
        empty = np.zeros((1, self.num_heads, 0, self.head_dim), dtype=np.float32)
        return {name: empty for name in self.past_names}

    def step(self, ids: list[int], past: dict[str, np.ndarray], past_len: int):
        """Feed `ids` after `past_len` cached tokens; return last-position logits and the new cache."""
        n = len(ids)
        feeds = {
            "input_ids": np.asarray([ids], dtype=np.int64),
            "attention_mask": np.ones((1, past_len + n), dtype=np.int64),
            "position_ids": np.arange(past_len, past_len + n, dtype=np.int64)[None, :],
            **past,
        }
        out = self.runtime.run(feeds)
        present = {}
        for name in self.past_names:
            layer, kind = _PAST.fullmatch(name).groups()  # type: ignore[union-attr]
            present[name] = out[f"present.{layer}.{kind}"]
        return out["logits"][0, -1], present

    def generate(
        self,
        prompt: str,
        max_new_tokens: int = 32,
        temperature: float = 0.0,
        sample_top_k: int = 0,
        seed: int | None = None,
        on_token: Callable[[int, str], None] | None = None,
    ) -> Generated:
        ids = self.tokenizer.encode(prompt).ids or ([self.eos_id] if self.eos_id is not None else [0])
        budget = max(self.max_seq_len - 1, 1)
        ids = ids[-budget:]
        max_new_tokens = max(0, min(max_new_tokens, self.max_seq_len - len(ids)))
        rng = np.random.default_rng(seed)
        past, past_len, feed = self._empty_past(), 0, ids
        tokens: list[int] = []
        for index in range(max_new_tokens):
            logits, past = self.step(feed, past, past_len)
            past_len += len(feed)
            token = pick_token(logits, temperature, sample_top_k, rng)
            if token == self.eos_id:
                break
            tokens.append(token)
            if on_token is not None:
                on_token(index, self.tokenizer.decode([token]))
            feed = [token]
        return Generated(self.tokenizer.decode(tokens), tokens, len(ids))


def pick_token(logits: np.ndarray, temperature: float, top_k: int, rng: np.random.Generator) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    scaled = logits.astype(np.float64) / temperature
    if top_k > 0:
        cutoff = np.sort(scaled)[-min(top_k, scaled.size)]
        scaled = np.where(scaled < cutoff, -np.inf, scaled)
    probs = np.exp(scaled - scaled.max())
    probs /= probs.sum()
    return int(rng.choice(probs.size, p=probs))
