"""What poison-proofing costs and what it buys, over a real Mosquitto, side by side in one run:

    python benchmarks/resilience_bench.py [--requests 2000] [--runs 3] [--flood REV]

- throughput (16 in flight) with answers stored under state_dir (fsync once per batch) vs memory only;
- the agent's peak RSS after a 100 MB and two 10 MB requests vs after normal traffic, under MQTT 5
  (Maximum Packet Size) and MQTT 3.1.1 (the broker's max_packet_size);
- SIGKILL runs: 2,000 requests with six agent kills and with four broker kills: lost answers, requests
  run twice, client retries; with the answer store and memory-only.
TinyBERT-4L-312 shape, int8, random weights (nothing is downloaded).

`--flood REV`: instead, 10,000 and 30,000 requests at full rate, QoS 0 and 1, against REV's agent and
this checkout's (benchmarks/flood.py): peak RSS growth and real answers per second, side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from agent_bench import bundle_path, closed_loop
from chaos import run as chaos_run

from converter.bench import peak_rss_mb
from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

ROOT = Path(__file__).resolve().parent.parent
BIG = [100 * 2**20, 10 * 2**20, 10 * 2**20]


def _agent(bundle: Path, broker: Mosquitto, device: str, state_dir: str, max_batch: int = 8, protocol: int = 5):
    env = {**os.environ, "EDGELM_STATE_DIR": state_dir}
    return start_agent_process(bundle, broker.url, device, "--device", "x86-64-vnni", "--max-batch", str(max_batch),
                               "--telemetry-interval", "0", env=env, timeout=60, protocol=protocol)[0]


def store_cost(bundle: Path, broker: Mosquitto, requests: int) -> dict[str, float]:
    out = {}
    for max_batch in (8, 1):
        for label, state in (("stored", tempfile.mkdtemp(prefix="edgelm-state-")), ("memory", "")):
            device = f"store-{label}-{max_batch}"
            proc = _agent(bundle, broker, device, state, max_batch)
            try:
                with EdgeClient(broker.url) as client:
                    closed_loop(client, device, 100)  # warm-up
                    out[f"rps_{label}_b{max_batch}"] = closed_loop(client, device, requests)
            finally:
                proc.terminate()
                proc.wait(15)
    return out


def big_message_rss(bundle: Path, protocol: int) -> dict[str, float]:
    """Peak RSS after normal traffic, then after the big requests (which must never reach the agent)."""
    extra = "max_packet_size 20480\n" if protocol == 4 else ""  # 3.1.1 has no Maximum Packet Size in CONNECT
    with Mosquitto(extra_config=extra) as broker:
        device = f"rss-{protocol}"
        proc = _agent(bundle, broker, device, "", protocol=protocol)
        try:
            with EdgeClient(broker.url, protocol=protocol) as client:
                closed_loop(client, device, 300)
                normal = peak_rss_mb(proc.pid)
                sender = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
                sender.connect(broker.host, broker.port)
                sender.loop_start()
                for size in BIG:
                    sender.publish(f"edgelm/{device}/request", b'{"id":"big","text":"' + b"a" * size + b'"}', qos=1)
                time.sleep(3.0)  # a 100 MB message takes a while through the broker
                sender.loop_stop()
                closed_loop(client, device, 300)
                answered = client.request("turn on the kitchen light", device=device, retries=0)
            return {"normal": normal, "big": peak_rss_mb(proc.pid), "serving": float("intent" in answered)}
        finally:
            proc.terminate()
            proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description="EdgeLM resilience benchmark")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--cache", type=Path, default=ROOT / ".edgelm-cache" / "bench")
    parser.add_argument("--flood", metavar="REV", help="instead: request floods, REV's agent beside this one")
    args = parser.parse_args()
    if args.flood:
        from flood import compare, print_table

        print_table(args.flood, compare(args.flood))
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    bundle = bundle_path(args.cache)
    with Mosquitto() as broker:
        runs = [store_cost(bundle, broker, args.requests) for _ in range(args.runs)]
        cost = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        crashes = {(target, kept): chaos_run(broker, bundle, args.requests, kills, target,
                                             Path(tempfile.mkdtemp(prefix="edgelm-state-")) if kept else None)
                   for target, kills in (("agent", 6), ("broker", 4)) for kept in (True, False)}
    rss = {protocol: big_message_rss(bundle, protocol) for protocol in (5, 4)}
    print(f"\nresilience benchmark: TinyBERT-4L-312 int8, 16 in flight, median of {args.runs} runs\n")
    print(f"{'metric':<52} {'stored':>9} {'memory':>9}  stored/memory")
    for b in (8, 1):
        stored, memory = cost[f"rps_stored_b{b}"], cost[f"rps_memory_b{b}"]
        print(f"{f'req/s, max_batch {b}':<52} {stored:>9.1f} {memory:>9.1f}  {stored / memory:.2f}x")
    print(f"\n{'SIGKILL run':<28} {'answers':>8} {'kills':>6} {'lost':>5} {'run twice':>10} {'retries':>8} "
          f"{'re-sent':>8} {'s':>6}")
    for (target, kept), r in crashes.items():
        label = f"{target}, {'answer store' if kept else 'memory only'}"
        print(f"{label:<28} {r.requests:>8} {r.kills:>6} {r.lost:>5} {r.run_twice:>10} {r.resent:>8} "
              f"{r.copies:>8} {r.seconds:>6.1f}")
    print(f"\n{'agent peak RSS, MB':<40} {'normal':>8} {'+100 MB msg':>12} {'delta':>7}  target delta <= 10")
    for protocol, r in rss.items():
        delta = r["big"] - r["normal"]
        print(f"{'MQTT 5' if protocol == 5 else 'MQTT 3.1.1 (broker max_packet_size)':<40} {r['normal']:>8.1f} "
              f"{r['big']:>12.1f} {delta:>7.1f}  {'OK' if delta <= 10 and r['serving'] else 'MISSED'}")


if __name__ == "__main__":
    main()
