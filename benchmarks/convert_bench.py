"""Converter benchmark: PyTorch fp32 eager vs ORT fp32 vs the bundle's int8 model, side by side.

    python benchmarks/convert_bench.py [--shapes tinybert,mobilebert,distilgpt2] [--runs 5] [--json FILE]

Random-weight models of the real shapes (nothing is downloaded). Each backend runs in a fresh
subprocess per run (peak RSS only grows within a process); runs are interleaved across backends and
the median of the per-run medians is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from converter.bench import run_isolated
from converter.pipeline import ConvertOptions, convert
from converter.synthetic import SHAPES, make_checkpoint

ROOT = Path(__file__).resolve().parent.parent

SEQS = (16, 32, 128)
BATCHES = (1, 8)


def prepare(shape: str, cache: Path) -> dict:
    src = cache / shape
    if not (src / "config.json").exists():
        make_checkpoint(src, shape)
    paths = {"src": src}
    for mode in ("none", "dynamic-int8"):
        out = cache / f"{shape}-{mode}"
        if not (out / "manifest.json").exists():
            convert(str(src), out, ConvertOptions(device="x86-64-vnni", quantize=mode, quiet=True))
        paths[mode] = out
    return paths


def pct(values: list[float], q: float) -> float:
    return float(sorted(values)[min(len(values) - 1, int(round(q * (len(values) - 1))))])


def bench_shape(shape: str, paths: dict, runs: int) -> dict:
    family = SHAPES[shape][0]
    vocab = json.loads((paths["src"] / "config.json").read_text())["vocab_size"]
    generative = family == "gpt2"
    backends = ({"PyTorch fp32": ("torch-lm", paths["src"]), "ORT fp32": ("ort-lm", paths["none"] / "model.onnx"),
                 "ORT int8": ("ort-lm", paths["dynamic-int8"] / "model.onnx")} if generative else
                {"PyTorch fp32": ("torch", paths["src"]), "ORT fp32": ("ort", paths["none"] / "model.onnx"),
                 "ORT int8": ("ort", paths["dynamic-int8"] / "model.onnx")})
    samples: dict[str, list[dict]] = {name: [] for name in backends}
    for _ in range(runs):  # interleaved: noise hits every backend alike
        for name, (kind, path) in backends.items():
            samples[name].append(run_isolated(kind, path, vocab, SEQS, BATCHES))
    result = {"shape": shape, "backends": {}}
    for name, (_kind, path) in backends.items():
        runs_ = samples[name]
        points = {}
        for point in runs_[0]["points"]:
            medians = [statistics.median(r["points"][point]) for r in runs_]
            p95s = [pct(r["points"][point], 0.95) for r in runs_]
            points[point] = {"p50": round(statistics.median(medians), 3), "p95": round(statistics.median(p95s), 3)}
        size = (path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.glob("*.safetensors")))
        entry = {"points": points, "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs_),
                 "size_mb": round(size / 2**20, 1)}
        if generative:
            entry["tokens_per_s"] = statistics.median(r["tokens_per_s"] for r in runs_)
        result["backends"][name] = entry
    manifest = json.loads((paths["dynamic-int8"] / "manifest.json").read_text())
    result["int8_parity"] = manifest["metrics"]["parity"]
    return result


def print_table(res: dict) -> None:
    b = res["backends"]
    torch_, fp32, int8 = b["PyTorch fp32"], b["ORT fp32"], b["ORT int8"]
    print(f"\n## {res['shape']}  (int8 vs torch: cosine {res['int8_parity']['cosine']}, "
          f"top-1 {res['int8_parity']['top1_agreement']})")
    print(f"{'point':<12} {'torch p50':>10} {'ORT fp32':>10} {'ORT int8':>10} {'int8 p95':>10} "
          f"{'torch/int8':>11} {'fp32/int8':>10}")
    for point in torch_["points"]:
        t, f, i = (x["points"][point]["p50"] for x in (torch_, fp32, int8))
        print(f"{point:<12} {t:>10.3f} {f:>10.3f} {i:>10.3f} {int8['points'][point]['p95']:>10.3f} "
              f"{t / i:>10.2f}x {f / i:>9.2f}x")
    print(f"{'size MB':<12} {torch_['size_mb']:>10} {fp32['size_mb']:>10} {int8['size_mb']:>10}   "
          f"int8/fp32 ONNX = {int8['size_mb'] / fp32['size_mb']:.1%}")
    print(f"{'peak RSS MB':<12} {torch_['peak_rss_mb']:>10} {fp32['peak_rss_mb']:>10} {int8['peak_rss_mb']:>10}")
    if "tokens_per_s" in int8:
        print(f"{'tokens/s':<12} {torch_['tokens_per_s']:>10} {fp32['tokens_per_s']:>10} {int8['tokens_per_s']:>10}"
              f"   (32 new tokens; torch = transformers generate, ORT = KV-cache decoder)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="tinybert,mobilebert,distilgpt2")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=ROOT / ".edgelm-cache" / "bench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    results = []
    for shape in args.shapes.split(","):
        start = time.perf_counter()
        paths = prepare(shape, args.cache)
        res = bench_shape(shape, paths, args.runs)
        res["seconds"] = round(time.perf_counter() - start, 1)
        print_table(res)
        results.append(res)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
