"""Text generation with a KV cache: one prefill pass, then exactly one new token per step."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge_agent.inference.runtime import Runtime

_PAST = re.compile(r"past_key_values\.(\d+)\.(key|value)")


@dataclass
class Generated:
    text: str
    tokens: list[int]
    prompt_tokens: int


class OrtCache:
    """ONNX decoder with past_key_values inputs: the cache grows by the fed tokens each step."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.past_names = [n for n in runtime.input_names if _PAST.fullmatch(n)]
        if not self.past_names:
            raise ValueError("generation model has no past_key_values inputs (exported without KV cache)")
        shape = runtime.input_shapes[self.past_names[0]]
        self.num_heads, self.head_dim = int(shape[1]), int(shape[3])
        self.max_len: int | None = None

    def empty(self) -> dict[str, np.ndarray]:
        empty = np.zeros((1, self.num_heads, 0, self.head_dim), dtype=np.float32)
        return {name: empty for name in self.past_names}

    def _run(self, ids: list[int], past: dict[str, np.ndarray], past_len: int):
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
        return out["logits"][0], present

    def step(self, ids: list[int], past: dict[str, np.ndarray], past_len: int):
        logits, present = self._run(ids, past, past_len)
        return logits[-1], present

    def position_logits(self, ids: list[int]) -> np.ndarray:
        return self._run(ids, self.empty(), 0)[0]


class LiteRtCache:
    """LiteRT decoder from `converter.formats.tflite.lm`: `prefill<T>` signatures and a `decode` signature over a
    fixed-size cache `[layers, 2, heads, max_len, head_dim]` that lives here, on the agent's side. `step`
    writes the prompt's and each decoded token's columns into the cache it is given (from `empty()`), in
    place: no 10 MB copy per token on distilgpt2."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.prefill = sorted(int(k[7:]) for k in runtime.signatures if re.fullmatch(r"prefill\d+", k))
        self.shape = tuple(runtime.signature_input_shapes("decode")["kv_cache"])
        self.max_len = int(self.shape[3])

    def empty(self) -> np.ndarray:
        return np.zeros(self.shape, dtype=np.float32)

    def step(self, ids: list[int], cache: np.ndarray, past_len: int):
        if past_len + len(ids) > self.max_len:
            raise ValueError(f"{past_len + len(ids)} tokens exceed the KV cache ({self.max_len})")
        if past_len == 0 and ids:  # the prompt in one pass, padded to its bucket
            head = ids[:self.prefill[-1]]
            width = min(b for b in self.prefill if b >= len(head))
            padded = np.zeros((1, width), dtype=np.int32)
            padded[0, :len(head)] = head
            out = self.runtime.run_signature(f"prefill{width}", {"input_ids": padded, "last": [len(head) - 1]})
            cache[:, :, :, :width] = out["kv"]
            logits, ids, past_len = out["logits"][0], ids[len(head):], len(head)
        for token in ids:  # one token per decode call; the cache column is written here
            out = self.runtime.run_signature("decode", {"input_ids": [[token]], "position": [past_len],
                                                        "kv_cache": cache})
            cache[:, :, :, past_len:past_len + 1] = out["kv"]
            logits, past_len = out["logits"][0], past_len + 1
        return logits, cache

    def position_logits(self, ids: list[int]) -> np.ndarray:
        """Teacher-forced logits at every position: prefill one token, then decode the rest."""
        rows = []
        logits, cache = self.step(ids[:1], self.empty(), 0)
        rows.append(logits)
        for n in range(1, len(ids)):
            logits, cache = self.step([ids[n]], cache, n)
            rows.append(logits)
        return np.stack(rows)


def kv_cache_for(runtime):
    signatures = getattr(runtime, "signatures", None)
    return LiteRtCache(runtime) if signatures and "decode" in signatures else OrtCache(runtime)


class Generator:
    def __init__(self, runtime: Runtime, tokenizer, eos_id: int | None, max_seq_len: int):
        self.runtime = runtime
        self.tokenizer = tokenizer
        self.eos_id = eos_id
        self.cache = kv_cache_for(runtime)
        self.max_seq_len = min(max_seq_len, self.cache.max_len or max_seq_len)

    def _empty_past(self):
        return self.cache.empty()

    def step(self, ids: list[int], past, past_len: int):
        """Feed `ids` after `past_len` cached tokens; return last-position logits and the new cache."""
        return self.cache.step(ids, past, past_len)

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
