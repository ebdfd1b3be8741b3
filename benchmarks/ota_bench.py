"""What an over-the-air swap costs the requests served meanwhile and the agent's memory, side by side in
one run over a real Mosquitto, with the demo's intent bundle (MiniLM-L6 int8, built like `edgelm demo`):

    python benchmarks/ota_bench.py [--deploys 3] [--requests 1500]

- client latency with 4 requests in flight: p50/p99 without a deploy vs the longest during each deploy
  (the target: under 2x the p99 without one);
- agent RSS before, at its peak during the swap (two models loaded), after it (old one released and
  malloc_trim'd) vs a fresh agent started on the new version;
- the same on a board where two models do not fit (model_budget_mb): unload-then-load, its pause.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from edge_agent.client import EdgeClient
from edge_agent.inference.bundle import Manifest, write_manifest
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

BASELINE_MIN_S = 12.0  # several deploy-long windows without a deploy
TEXTS = ["turn on the kitchen light", "set the living room lamp to fifty percent", "what is the temperature",
         "close the garage door", "lock the front door please", "start the vacuum in the bedroom"]


def intent_bundle() -> Path:
    from rich.console import Console

    from edgelm.demo import DemoOptions, default_cache_dir, demo_bundle

    return Path(demo_bundle(DemoOptions(cache_dir=default_cache_dir(), train=True), Console(stderr=True))["bundle"])


def versioned(src: Path, dst: Path, version: str) -> Path:
    shutil.copytree(src, dst)
    manifest = Manifest.from_dict(json.loads((dst / "manifest.json").read_text()))
    manifest.version = version
    write_manifest(dst, manifest)
    return dst


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Load:
    """Keeps 4 requests in flight; records each answer's client latency and when it was sent."""

    def __init__(self, client: EdgeClient, device: str, in_flight: int = 4):
        self.client, self.device, self.in_flight = client, device, in_flight
        self.samples: list[tuple[float, float]] = []  # (sent at, latency ms)
        self.errors = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pending: list[tuple[float, object]] = []
        i = 0
        while not self.stop.is_set() or pending:
            while not self.stop.is_set() and len(pending) < self.in_flight:
                i += 1
                pending.append((time.perf_counter(), self.client.send(TEXTS[i % len(TEXTS)], device=self.device)))
            sent, future = pending.pop(0)
            answer = self.client.wait(future, timeout=10, retries=0)  # type: ignore[arg-type]
            self.errors += "error" in answer
            self.samples.append((sent, (time.perf_counter() - sent) * 1000))

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)

    def between(self, start: float, end: float) -> list[float]:
        return [ms for sent, ms in self.samples if start <= sent <= end]


def deploy_once(url: str, device: str, bundle: Path, pid: int, states: dict[str, float]) -> dict:
    """`edgelm deploy` in its own process, as from an operator's machine; the agent's RSS sampled meanwhile.

    The deploy's window is from the agent's answer to the begin to its `applied` (+0.2 s): the sender's own
    start-up (a Python process on the same two cores) is not the agent's doing."""
    states.clear()
    peak, sampling = [0.0], threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.005)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "edgelm.cli", "deploy", str(bundle), "--broker", url, "--to", device,
                               "--timeout", "120"], capture_output=True, text=True, timeout=180)
    finally:
        sampling.set()
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"deploy failed: {done.stderr[-500:]}")
    paused = re.search(r"serving paused ([0-9.]+) ms", done.stderr)
    return {"start": states["receiving"], "end": states["applied"] + 0.2, "seconds": took, "peak_rss": peak[0],
            "pause_ms": float(paused.group(1)) if paused else None}


def scenario(bundle: Path, broker: Mosquitto, deploys: int, requests: int, budget_mb: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="edgelm-ota-bench-"))
    device = f"ota-{budget_mb or 'beside'}"
    env = {**os.environ, "EDGELM_STATE_DIR": str(tmp / "state"), "EDGELM_ALLOW_UNSIGNED_OTA": "true",
           "EDGELM_MODEL_BUDGET_MB": str(budget_mb), "EDGELM_HEALTH_REQUESTS": "50"}
    proc, _ = start_agent_process(bundle, broker.url, device, "--device", "x86-64", "--telemetry-interval", "0",
                                  env=env, timeout=120)
    out: dict = {"runs": []}
    try:
        with EdgeClient(broker.url) as client, Load(client, device) as load:
            states: dict[str, float] = {}  # when the agent first said each deploy state
            client.conn.subscribe(f"edgelm/{device}/deploy/status",
                                  lambda m: states.setdefault(json.loads(m.payload)["state"], time.perf_counter()))
            time.sleep(2.0)  # warm-up
            base_start = time.perf_counter()
            while len(load.between(base_start, time.perf_counter())) < requests \
                    or time.perf_counter() - base_start < BASELINE_MIN_S:
                time.sleep(0.05)
            base_end = time.perf_counter()
            baseline = sorted(load.between(base_start, base_end))
            out["p50"], out["p99"] = statistics.median(baseline), baseline[int(len(baseline) * 0.99) - 1]
            out["rss_before"] = rss_mb(proc.pid)
            for n in range(deploys):
                new = versioned(bundle, tmp / f"v{n + 2}", f"{n + 2}.0.0")
                run = deploy_once(broker.url, device, new, proc.pid, states)
                time.sleep(1.0)
                during = load.between(run["start"], run["end"])
                run["max_ms"], run["requests"] = max(during), len(during)
                run["rss_after"] = rss_mb(proc.pid)
                out["runs"].append(run)
            out["errors"] = load.errors
            # the noise floor: the longest latency in windows as long as a deploy's, without one
            width = statistics.median(run["end"] - run["start"] for run in out["runs"])
            edges = [base_start + i * width for i in range(int((base_end - base_start) / width))]
            out["window_max"] = statistics.median([max(load.between(a, a + width) or [0.0]) for a in edges] or [0.0])
    finally:
        proc.terminate()
        proc.wait(10)
    out["fresh_rss"] = fresh_rss(tmp / f"v{deploys + 1}", broker, env, device + "-fresh")
    return out


def fresh_rss(bundle: Path, broker: Mosquitto, env: dict, device: str) -> float:
    proc, _ = start_agent_process(bundle, broker.url, device, "--device", "x86-64", "--telemetry-interval", "0",
                                  env={**env, "EDGELM_STATE_DIR": tempfile.mkdtemp()}, timeout=120)
    try:
        with EdgeClient(broker.url) as client, Load(client, device):
            time.sleep(4.0)  # the same kind of traffic as the swapped agent had seen
        return rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deploys", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1500, help="answers in the no-deploy baseline")
    args = parser.parse_args()
    bundle = intent_bundle()
    size_mb = (bundle / "model.onnx").stat().st_size / 2**20
    print(f"bundle {bundle} ({size_mb:.1f} MB model)")
    with Mosquitto() as broker:
        beside = scenario(bundle, broker, args.deploys, args.requests, 0)
        paused = scenario(bundle, broker, 1, args.requests, int(size_mb * 1.5) + 1)
    print("\n| swap | p50 / p99 no deploy | longest in a deploy-long window, no deploy | longest during each "
          "deploy | median / p99 | deploy s | pause ms | errors |\n|---|---|---|---|---|---|---|---|")
    for name, r in (("beside the old model", beside), ("unload-then-load", paused)):
        longest = [run["max_ms"] for run in r["runs"]]
        print(f"| {name} | {r['p50']:.1f} / {r['p99']:.1f} ms | {r['window_max']:.1f} ms "
              f"| {', '.join(f'{m:.1f}' for m in longest)} ms | {statistics.median(longest) / r['p99']:.2f}x "
              f"| {statistics.median(x['seconds'] for x in r['runs']):.2f} | {r['runs'][0]['pause_ms'] or '-'} "
              f"| {r['errors']} |")
    print("\n| swap | RSS before | peak during swap | after swap (each) | fresh agent on the new version | after - fresh |"
          "\n|---|---|---|---|---|---|")
    for name, r in (("beside the old model", beside), ("unload-then-load", paused)):
        after = [run["rss_after"] for run in r["runs"]]
        print(f"| {name} | {r['rss_before']:.1f} MB | {max(run['peak_rss'] for run in r['runs']):.1f} MB "
              f"| {', '.join(f'{a:.1f}' for a in after)} MB | {r['fresh_rss']:.1f} MB "
              f"| {after[-1] - r['fresh_rss']:+.1f} MB |")


if __name__ == "__main__":
    main()
