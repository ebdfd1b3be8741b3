"""Agent benchmark over a real Mosquitto, one run, side by side:

    python benchmarks/agent_bench.py [--runs 3] [--requests 600]

- raw classifier p50 in-process (tokenize + onnxruntime), texts <= 32 tokens;
- MQTT echo responder p50 (a separate process that answers on the Response Topic): the transport floor;
- agent end-to-end p50 (one request at a time), which should be <= raw + echo + 0.5 ms with the answer
  store on; beside it the same with store_sync = "answer" (on disk before sent) and memory only;
- throughput with 16 requests in flight, micro-batching (max_batch 8) vs max_batch 1;
- agent RSS (current and peak) with the model loaded, and start-to-online time.
TinyBERT-4L-312 shape, int8, random weights (nothing is downloaded).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from converter.bench import peak_rss_mb
from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

ROOT = Path(__file__).resolve().parent.parent

TEXTS = ["turn on the kitchen light", "set the living room lamp to fifty percent", "what is the temperature",
         "close the garage door", "lock the front door please", "start the vacuum in the bedroom"]


def bundle_path(cache: Path) -> Path:
    from converter.pipeline import ConvertOptions, convert
    from converter.synthetic import make_checkpoint

    src, out = cache / "tinybert", cache / "tinybert-dynamic-int8"
    if not (src / "config.json").exists():
        make_checkpoint(src, "tinybert")
    if not (out / "manifest.json").exists():
        convert(str(src), out, ConvertOptions(device="x86-64-vnni", quantize="dynamic-int8", quiet=True))
    return out


def echo_main(url: str) -> None:
    """Echo responder process: answer every request on its Response Topic, nothing else."""
    from edge_agent.transport.mqtt import Connection, PublishProps
    from edge_agent.transport.session import BrokerUrl

    conn = Connection(BrokerUrl.from_url(url), "echo-responder", 5)

    def on(msg):
        conn.publish(msg.response_topic or "echo/none", msg.payload, props=PublishProps(msg.correlation_data))

    conn.subscribe("edgelm/echo/request", on)
    conn.connect()
    print("ready", flush=True)
    sys.stdin.read()


def sequential_p50(client: EdgeClient, device: str, n: int) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        client.request(TEXTS[i % len(TEXTS)], device=device, timeout=5, retries=0)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times[5:])


def closed_loop(client: EdgeClient, device: str, total: int, in_flight: int = 16) -> float:
    done = threading.Event()
    count = {"sent": 0, "answered": 0}
    lock = threading.Lock()

    def fire():
        with lock:
            if count["sent"] >= total:
                return
            count["sent"] += 1
            i = count["sent"]
        client.send(TEXTS[i % len(TEXTS)], device=device).add_done_callback(answered)

    def answered(_):
        with lock:
            count["answered"] += 1
            finished = count["answered"] >= total
        if finished:
            done.set()
        else:
            fire()

    start = time.perf_counter()
    for _ in range(in_flight):
        fire()
    if not done.wait(120):
        raise RuntimeError("closed loop did not finish")
    return total / (time.perf_counter() - start)


STORES = {"e2e_p50": "ack", "e2e_p50_sync_answer": "answer", "e2e_p50_memory": None}  # store_sync; None: no store


def start_agent(bundle: Path, url: str, device: str, max_batch: int, spinning: bool = True,
                store_sync: str | None = "ack"):
    import os
    import tempfile

    import psutil

    env = {**os.environ, "EDGELM_ORT_SPINNING": "1" if spinning else "0", "EDGELM_STORE_SYNC": store_sync or "ack",
           # answers stored, as on a board
           "EDGELM_STATE_DIR": tempfile.mkdtemp(prefix="edgelm-state-") if store_sync else ""}
    proc, startup = start_agent_process(bundle, url, device, "--device", "x86-64-vnni", "--max-batch",
                                        str(max_batch), "--telemetry-interval", "0", env=env, timeout=60)
    return proc, psutil.Process(proc.pid), startup


def one_run(bundle: Path, broker: Mosquitto, requests: int) -> dict:
    from edge_agent.inference.model import load_model

    model = load_model(bundle)
    raw = []
    for i in range(300):
        t0 = time.perf_counter()
        model.classifier.predict([TEXTS[i % len(TEXTS)]])
        raw.append((time.perf_counter() - t0) * 1000)
    out = {"raw_p50": statistics.median(raw[20:])}
    echo = subprocess.Popen([sys.executable, __file__, "--echo", broker.url], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    echo.stdout.readline()
    with EdgeClient(broker.url) as client:
        out["echo_p50"] = sequential_p50(client, "echo", 300)
    echo.stdin.close()
    echo.wait(5)
    for key, store_sync in STORES.items():
        proc, _, _ = start_agent(bundle, broker.url, f"bench-{key}", 8, store_sync=store_sync)
        try:
            with EdgeClient(broker.url) as client:
                out[key] = sequential_p50(client, f"bench-{key}", 300)
        finally:
            proc.terminate()
            proc.wait(15)
    for max_batch, spinning in ((8, True), (1, True), (8, False), (1, False)):
        suffix = "" if spinning else "_nospin"
        proc, ps, startup = start_agent(bundle, broker.url, f"bench-{max_batch}{suffix}", max_batch, spinning)
        try:
            with EdgeClient(broker.url) as client:
                if max_batch == 8 and spinning:
                    out["startup_s"] = startup
                out[f"rps_batch{max_batch}{suffix}"] = closed_loop(client, f"bench-{max_batch}{suffix}", requests)
            if max_batch == 8 and spinning:
                out["rss_mb"] = ps.memory_info().rss / 2**20
                out["peak_rss_mb"] = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(15)
    return out


def outage_recovery_s(bundle: Path, down_s: float) -> float:
    """Seconds from restarting the broker (its start-up included) to the agent answering again."""
    from edgelm.demo_broker import free_port

    port = free_port()
    broker = Mosquitto(port=port).start()
    proc, _, _ = start_agent(bundle, broker.url, "bench-outage", 8)
    try:
        broker.stop()
        time.sleep(down_s)
        back = time.perf_counter()
        broker = Mosquitto(port=port).start()
        with EdgeClient(broker.url) as client:
            client.request("turn on the kitchen light", device="bench-outage", timeout=0.25, retries=400)
        return time.perf_counter() - back
    finally:
        proc.terminate()
        proc.wait(15)
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="EdgeLM agent benchmark")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--cache", type=Path, default=ROOT / ".edgelm-cache" / "bench")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--outage", type=float, default=45.0, help="broker outage to recover from, s")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    bundle = bundle_path(args.cache)
    with Mosquitto() as broker:
        runs = [one_run(bundle, broker, args.requests) for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    med["recovery_s"] = outage_recovery_s(bundle, args.outage)
    budget = med["raw_p50"] + med["echo_p50"] + 0.5
    print(f"\nagent benchmark: TinyBERT-4L-312 int8, texts <= 32 tokens, median of {args.runs} runs\n")
    print(f"{'metric':<44} {'value':>10}  target")
    print(f"{'raw classifier p50 (tokenize + ORT), ms':<44} {med['raw_p50']:>10.3f}")
    print(f"{'MQTT echo responder p50, ms':<44} {med['echo_p50']:>10.3f}")
    print(f"{'agent end-to-end p50, answer store on, ms':<44} {med['e2e_p50']:>10.3f}  <= raw + echo + 0.5 = {budget:.3f} "
          f"{'OK' if med['e2e_p50'] <= budget else 'MISSED'}")
    print(f"{'  store_sync = answer (synced, then sent)':<44} {med['e2e_p50_sync_answer']:>10.3f}")
    print(f"{'  memory only (no state_dir)':<44} {med['e2e_p50_memory']:>10.3f}  store on - memory only = "
          f"{med['e2e_p50'] - med['e2e_p50_memory']:+.3f}")
    ratio = med["rps_batch8"] / med["rps_batch1"]
    print(f"{'16 in flight, req/s, max_batch 8':<44} {med['rps_batch8']:>10.1f}")
    print(f"{'16 in flight, req/s, max_batch 1':<44} {med['rps_batch1']:>10.1f}  batching/unbatched = "
          f"{ratio:.2f}x (target >= 2x) {'OK' if ratio >= 2 else 'MISSED'}")
    ratio_ns = med["rps_batch8_nospin"] / med["rps_batch1_nospin"]
    print(f"{'same, ort_spinning=false, max_batch 8':<44} {med['rps_batch8_nospin']:>10.1f}")
    print(f"{'same, ort_spinning=false, max_batch 1':<44} {med['rps_batch1_nospin']:>10.1f}  batching/unbatched = "
          f"{ratio_ns:.2f}x")
    print(f"{'agent RSS after load + serving, MB':<44} {med['rss_mb']:>10.1f}  <= 110 "
          f"{'OK' if med['rss_mb'] <= 110 else 'MISSED'}")
    print(f"{'agent peak RSS, MB':<44} {med['peak_rss_mb']:>10.1f}")
    print(f"{'start to online, s':<44} {med['startup_s']:>10.2f}  <= 2 {'OK' if med['startup_s'] <= 2 else 'MISSED'}")
    print(f"{f'serving again after a {args.outage:.0f} s broker outage, s':<44} {med['recovery_s']:>10.2f}  <= 5 "
          f"{'OK' if med['recovery_s'] <= 5 else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps({"median": med, "runs": runs}, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--echo":
        echo_main(sys.argv[2])
    else:
        main()
