"""Latency and memory measurements, each backend in a fresh subprocess (peak RSS only grows within a
process). Used by `edgelm bench` and benchmarks/convert_bench.py.

Worker mode: python -m converter.bench KIND PATH --seqs 16,32 --batches 1,8 prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MIN_ITERS = 5
TARGET_S = 0.4  # time budget per (seq, batch) point within one run


def _time(fn, min_iters: int = MIN_ITERS, target_s: float = TARGET_S) -> list[float]:
    fn()  # warm-up
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_iters or (time.perf_counter() - start < target_s and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _ids(batch: int, seq: int, vocab: int) -> np.ndarray:
    return np.random.default_rng(0).integers(5, min(vocab, 30000), size=(batch, seq), dtype=np.int64)


def _classifier_fn(kind: str, path: Path, threads: int, vocab: int):
    if kind == "torch":
        import torch
        from transformers import AutoModelForSequenceClassification

        torch.set_num_threads(threads)
        model = AutoModelForSequenceClassification.from_pretrained(path).eval()

        def run(ids):
            with torch.inference_mode():
                t = torch.from_numpy(ids)
                model(input_ids=t, attention_mask=torch.ones_like(t))
        return run, vocab
    if kind == "litert":
        from edge_agent.inference.runtime.litert import LiteRtRuntime

        lite = LiteRtRuntime(path, threads=threads)

        def run_litert(ids):
            lite.run({"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)})
        return run_litert, vocab
    from edge_agent.inference.runtime.onnx import OrtRuntime

    runtime = OrtRuntime(path, threads=threads)

    def run_ort(ids):
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        runtime.run(feeds)
    return run_ort, vocab


def _lm_step_fn(kind: str, path: Path, threads: int, cached: int, vocab: int):
    """One decode step (one new token) after `cached` tokens, batch 1."""
    if kind == "torch-lm":
        import torch
        from transformers import AutoModelForCausalLM

        torch.set_num_threads(threads)
        model = AutoModelForCausalLM.from_pretrained(path).eval()
        ids = torch.from_numpy(_ids(1, cached, model.config.vocab_size))
        with torch.inference_mode():
            past = model(input_ids=ids, use_cache=True).past_key_values

        def step():
            with torch.inference_mode():
                model(input_ids=ids[:, :1], past_key_values=past, use_cache=True,
                      attention_mask=torch.ones((1, cached + 1), dtype=torch.long))
                past.crop(cached)  # DynamicCache grows in place; keep the cached length fixed
        return step
    gen = _generator(kind, path, threads)
    cached = min(cached, gen.max_seq_len - 1)  # a LiteRT cache has a fixed size
    _, past = gen.step(_ids(1, cached, vocab)[0].tolist(), gen._empty_past(), 0)

    def step_cached():
        gen.step([42], past, cached)
    return step_cached


def _generator(kind: str, path: Path, threads: int):
    """The agent's own generator over ORT past_key_values or LiteRT prefill/decode signatures."""
    from edge_agent.inference.generate import Generator
    from edge_agent.inference.runtime import load_runtime

    return Generator(load_runtime("litert" if kind == "litert-lm" else "onnxruntime", path, threads=threads),
                     None, None, 4096)


def _generate_tps(kind: str, path: Path, threads: int, vocab: int, new_tokens: int = 32) -> float:
    prompt = _ids(1, 16, vocab)
    if kind == "torch-lm":
        import torch
        from transformers import AutoModelForCausalLM

        torch.set_num_threads(threads)
        model = AutoModelForCausalLM.from_pretrained(path).eval()

        def run():
            with torch.inference_mode():
                model.generate(torch.from_numpy(prompt), max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                               do_sample=False, pad_token_id=0)
    else:
        gen = _generator(kind, path, threads)

        def run():
            past, n, feed = gen._empty_past(), 0, prompt[0].tolist()
            for _ in range(new_tokens):
                logits, past = gen.step(feed, past, n)
                n += len(feed)
                feed = [int(np.argmax(logits))]
    times = _time(run, min_iters=3, target_s=1.0)
    return new_tokens / (statistics.median(times) / 1000)


def _import_engine(kind: str) -> None:
    if kind.startswith("litert"):
        import ai_edge_litert.compiled_model  # noqa: F401
    elif kind.startswith("ort"):
        import onnxruntime  # noqa: F401
    else:
        import torch  # noqa: F401


def worker(kind: str, path: Path, seqs: list[int], batches: list[int], threads: int, cached: int,
           vocab: int) -> dict:
    t0 = time.perf_counter()
    out: dict = {"kind": kind, "points": {}}
    _import_engine(kind)
    out["import_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    if kind in ("torch", "ort", "litert"):
        run, vocab = _classifier_fn(kind, path, threads, vocab)
        out["load_s"] = round(time.perf_counter() - t0, 3)
        for seq in seqs:
            for batch in batches:
                ids = _ids(batch, seq, vocab)
                out["points"][f"{seq}x{batch}"] = _time(lambda ids=ids: run(ids))
    else:
        step = _lm_step_fn(kind, path, threads, cached, vocab)
        out["load_s"] = round(time.perf_counter() - t0, 3)
        out["points"][f"step@{cached}"] = _time(step)
        out["tokens_per_s"] = round(_generate_tps(kind, path, threads, vocab), 1)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM: unlike ru_maxrss, it is per address space, so it does not inherit the parent's peak."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_isolated(kind: str, path: Path, vocab: int, seqs=(32,), batches=(1,), threads: int = 0,
                 cached: int = 128) -> dict:
    cmd = [sys.executable, "-m", "converter.bench", kind, str(path), "--vocab", str(vocab),
           "--seqs", ",".join(map(str, seqs)),
           "--batches", ",".join(map(str, batches)), "--threads", str(threads), "--cached", str(cached)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {kind} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["torch", "ort", "litert", "torch-lm", "ort-lm", "litert-lm"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--seqs", default="32")
    parser.add_argument("--batches", default="1")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--cached", type=int, default=128)
    parser.add_argument("--vocab", type=int, required=True)
    args = parser.parse_args()
    import os
    threads = args.threads or os.cpu_count() or 1
    result = worker(args.kind, args.path, [int(s) for s in args.seqs.split(",")],
                    [int(b) for b in args.batches.split(",")], threads, args.cached, args.vocab)
    print(json.dumps(result))


if __name__ == "__main__":
    _main()
