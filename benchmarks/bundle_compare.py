"""Real intent bundles side by side (issue 33): size, MACs per 32 tokens, classifier p50 (tokenize + runtime,
texts of at most 32 tokens, in-process) and agent end-to-end p50 over a real Mosquitto, each as a ratio to
the first bundle. The boards are not here: for rpi4b and rpi-zero-2w the MACs ratio is the estimate (an
encoder at these sizes is compute-bound on a Cortex-A).

    python benchmarks/bundle_compare.py --bundle edgelm/models/home --bundle build/cand/bundle [--runs 3]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agent_bench import TEXTS, sequential_p50, start_agent  # noqa: E402

from edge_agent.client import EdgeClient  # noqa: E402
from edge_agent.inference.model import load_model  # noqa: E402
from edgelm.demo_broker import Mosquitto  # noqa: E402
from edgelm.tables import print_table  # noqa: E402

TOKENS = 32
DENSE = {"MatMul", "MatMulInteger", "Gemm", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"}


def macs_per_sequence(model_path: Path, tokens: int = TOKENS) -> int:
    """Dense layers (every 2-D weight a matrix product reads) times the tokens, plus attention's two
    products per layer (QK^T and AV: 2 * T^2 * hidden)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_path)).graph
    weights = {i.name: numpy_helper.to_array(i).shape for i in graph.initializer}
    dense = 0
    hidden = 0
    for node in graph.node:
        if node.op_type in DENSE:
            for name in node.input:
                shape = weights.get(name)
                if shape is not None and len(shape) == 2:
                    dense += shape[0] * shape[1]
                    hidden = hidden or min(shape)
    layers = sum(1 for node in graph.node if node.op_type == "Softmax")
    return dense * tokens + layers * 2 * tokens * tokens * hidden


def classifier_p50(model, runs: int) -> float:
    assert model.classifier is not None
    times = []
    for i in range(runs * 100 + 20):
        t0 = time.perf_counter()
        model.classifier.predict([TEXTS[i % len(TEXTS)]])
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times[20:])


def end_to_end_p50(bundle: Path, broker: Mosquitto, device: str, runs: int) -> tuple[float, float]:
    proc, _, startup = start_agent(bundle, broker.url, device, 8)
    try:
        with EdgeClient(broker.url) as client:
            return sequential_p50(client, device, runs * 100 + 5), startup
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, action="append", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with Mosquitto() as broker:
        for i, bundle in enumerate(args.bundle):
            model = load_model(bundle)  # once: its manifest, then its classifier
            manifest = model.manifest
            size = sum(f.stat().st_size for f in bundle.iterdir() if f.is_file()) / 1e6
            e2e, startup = end_to_end_p50(bundle, broker, f"compare-{i}", args.runs)
            rows.append((f"{manifest.name} {manifest.version} ({bundle})", size,
                         macs_per_sequence(bundle / manifest.model_file), classifier_p50(model, args.runs), e2e,
                         startup))
    base = rows[0]
    table = Table(title=f"bundles side by side: texts of at most {TOKENS} tokens, ratios to the first")
    for column in ("bundle", "size MB", f"MACs / {TOKENS} tokens", "classifier p50 ms", "end-to-end p50 ms",
                   "start to online s", "rpi4b / rpi-zero-2w estimate"):
        table.add_column(column)
    for name, size, macs, raw, e2e, startup in rows:
        table.add_row(name, f"{size:.1f}", f"{macs / 1e6:.0f} M ({macs / base[2]:.2f}x)",
                      f"{raw:.2f} ({raw / base[3]:.2f}x)", f"{e2e:.2f} ({e2e / base[4]:.2f}x)", f"{startup:.2f}",
                      f"{macs / base[2]:.2f}x the first's latency")
    print_table(table)


if __name__ == "__main__":
    main()
