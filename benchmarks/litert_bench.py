"""LiteRT vs onnxruntime for the same model: size, p50/p95 at seq 32 and 128, import time, peak RSS of the
benchmark process and of the agent serving the bundle, side by side in one run.

    python benchmarks/litert_bench.py [--shapes tinybert,mobilebert] [--lm distilgpt2] [--runs 3] [--json FILE]

Random-weight models of the real shapes (nothing is downloaded); each backend runs in a fresh subprocess.
The generation table compares ORT's past_key_values decoder with LiteRT's prefill/decode signatures
(one decode step after 127 cached tokens, and greedy tokens/s for a 16-token prompt).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from converter.bench import peak_rss_mb, run_isolated
from converter.formats.tflite import export as tflite
from converter.pipeline import ConvertOptions, convert
from converter.synthetic import make_checkpoint
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto
from edgelm.tables import print_table

ROOT = Path(__file__).resolve().parent.parent

VARIANTS = [("onnx", "none"), ("onnx", "dynamic-int8"), ("tflite", "none"), ("tflite", "dynamic-int8"),
            ("tflite", "fp16")]
LM_VARIANTS = [("onnx", "dynamic-int8"), ("tflite", "none"), ("tflite", "dynamic-int8")]


def agent_rss_mb(bundle: Path, broker: Mosquitto, device: str) -> float:
    """Peak RSS of a real agent process after it loaded the bundle and answered a few requests."""
    from edge_agent.client import EdgeClient

    proc, _ = start_agent_process(bundle, broker.url, device, "--device", "rpi5", "--telemetry-interval", "0",
                                  timeout=60)
    try:
        with EdgeClient(broker.url) as client:
            for i in range(20):
                client.request(f"turn on the kitchen light number {i}", device=device)
        return peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="tinybert,mobilebert")
    parser.add_argument("--lm", default="distilgpt2", help="generation shape ('' to skip)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edgelm-litert-bench-"))
    console = Console()
    rows = []
    with Mosquitto() as broker:
        for shape in [s for s in args.shapes.split(",") if s]:
            src = work / shape
            make_checkpoint(src, shape)
            vocab = json.loads((src / "config.json").read_text())["vocab_size"]
            for fmt, mode in VARIANTS:
                out = work / f"{shape}-{fmt}-{mode}"
                t0 = time.perf_counter()
                result = convert(str(src), out, ConvertOptions(device="rpi5", format=fmt, quantize=mode,
                                                               max_seq_len=128, quiet=True))
                convert_s = time.perf_counter() - t0
                model = out / result.manifest.model_file
                kind = "litert" if fmt == "tflite" else "ort"
                runs = [run_isolated(kind, model, vocab, seqs=(32, 128)) for _ in range(args.runs)]
                row = {"shape": shape, "format": fmt, "quant": mode, "size_mb": round(model.stat().st_size / 2**20, 2),
                       "convert_s": round(convert_s, 1),
                       "import_s": round(statistics.median(r["import_s"] for r in runs), 3),
                       "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
                       "agent_rss_mb": round(agent_rss_mb(out, broker, f"lb-{shape}-{fmt}-{mode}"), 1)}
                for seq in (32, 128):
                    times = [t for r in runs for t in r["points"][f"{seq}x1"]]
                    row[f"p50_{seq}"] = round(statistics.median(statistics.median(r["points"][f"{seq}x1"])
                                                                for r in runs), 3)
                    row[f"p95_{seq}"] = round(statistics.quantiles(times, n=20)[18], 3)
                if fmt == "tflite":
                    row["int8_weights"] = round(tflite.int8_weight_fraction(model), 3)
                rows.append(row)
                console.print(row)
    table = Table("shape", "format", "quant", "MB", "vs fp32", "p50@32", "p95@32", "p50@128", "p95@128",
                  "vs ORT int8 @128", "import s", "bench RSS", "agent RSS", title="LiteRT vs onnxruntime (batch 1)")
    for r in rows:
        fp32 = next(x for x in rows if x["shape"] == r["shape"] and x["format"] == r["format"] and x["quant"] == "none")
        ort8 = next(x for x in rows if x["shape"] == r["shape"] and x["format"] == "onnx" and x["quant"] != "none")
        table.add_row(r["shape"], r["format"], r["quant"], f"{r['size_mb']:.1f}", f"{r['size_mb'] / fp32['size_mb']:.1%}",
                      f"{r['p50_32']:.2f}", f"{r['p95_32']:.2f}", f"{r['p50_128']:.2f}", f"{r['p95_128']:.2f}",
                      f"{ort8['p50_128'] / r['p50_128']:.2f}x", f"{r['import_s']:.2f}", f"{r['peak_rss_mb']:.0f}",
                      f"{r['agent_rss_mb']:.0f}")
    print_table(table, console)
    buckets = tflite.buckets_for(128)
    console.print(f"buckets {buckets}: worst padding {tflite.padding_overhead(buckets, 128):.0%} of real tokens "
                  f"(lengths {buckets[0]}..128)")
    lm_rows = lm_bench(args.lm, work, args.runs, console) if args.lm else []
    if args.json:
        args.json.write_text(json.dumps({"encoders": rows, "generation": lm_rows}, indent=2))


def lm_bench(shape: str, work: Path, runs: int, console: Console) -> list[dict]:
    src = work / shape
    make_checkpoint(src, shape)
    vocab = json.loads((src / "config.json").read_text())["vocab_size"]
    built = []
    for fmt, mode in LM_VARIANTS:
        out = work / f"{shape}-{fmt}-{mode}"
        result = convert(str(src), out, ConvertOptions(device="rpi5", format=fmt, quantize=mode, max_seq_len=128,
                                                       quiet=True))
        built.append((fmt, mode, result, out / result.manifest.model_file))
    samples: list[list[dict]] = [[] for _ in built]
    for _ in range(runs):  # interleaved, so drift on a shared machine hits every variant alike
        for i, (fmt, _mode, _result, model) in enumerate(built):
            samples[i].append(run_isolated("litert-lm" if fmt == "tflite" else "ort-lm", model, vocab, cached=127))
    rows = []
    for (fmt, mode, result, model), runs_of in zip(built, samples, strict=True):
        rows.append({"shape": shape, "format": fmt, "quant": mode, "size_mb": round(model.stat().st_size / 2**20, 1),
                     "step_ms": round(statistics.median(statistics.median(r["points"]["step@127"]) for r in runs_of), 2),
                     "tokens_per_s": round(statistics.median(r["tokens_per_s"] for r in runs_of), 1),
                     "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs_of), 1),
                     "top1": result.manifest.metrics["parity"].get("top1_agreement")})
        console.print(rows[-1])
    table = Table("shape", "format", "quant", "MB", "decode step @127 ms", "vs ORT int8", "tokens/s", "RSS",
                  "next-token top-1 vs PyTorch", title="Generation: ORT past_key_values vs LiteRT prefill/decode")
    ort = rows[0]
    for r in rows:
        table.add_row(r["shape"], r["format"], r["quant"], f"{r['size_mb']:.1f}", f"{r['step_ms']:.2f}",
                      f"{ort['step_ms'] / r['step_ms']:.2f}x", f"{r['tokens_per_s']:.0f}", f"{r['peak_rss_mb']:.0f}",
                      f"{r['top1']}")
    print_table(table, console)
    return rows


if __name__ == "__main__":
    main()
