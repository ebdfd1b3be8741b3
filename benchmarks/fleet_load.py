"""Load through a group, loopback only, one run, side by side:

    python benchmarks/fleet_load.py [--clients 8] [--requests 100] [--compare REV]

M concurrent clients (threads, one EdgeClient each, one request at a time) → Mosquitto → K agents in
one group (separate processes, the shipped home model), for K = 1, 2, 3: throughput, p50/p95/p99 and
each agent's share of the answers. Then the same with two Mosquittos bridged as docs/scaling.md shows:
the clients at the centre, the group at the site.

On a 2-core machine K agents cannot add throughput; what this shows is that the broker spreads the load
fairly (each agent within ±20% of the mean share) and what the extra hop of a bridge costs.

`--compare REV`: instead, a group of three from git revision REV (a temporary worktree) and from this
checkout, one after the other on the same broker in one run: p99 side by side. `--link-delay-ms N` puts
N ms each way between the agents and the broker (a broker across a slow network).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from mqtt_helpers import documented_bridge  # noqa: E402  (docs/scaling.md's block, as the tests run it)
from revision import source_env, worktree  # noqa: E402
from tcp_cut import CuttableLink  # noqa: E402

TEXTS = ["turn on the kitchen light", "apaga la luz del salón", "set the bedroom lights to 40 percent",
         "what time is it", "lock the front door", "pon un temporizador de 10 minutos"]


def drive(client_url: str, group: str, clients: int, per_client: int) -> tuple[list[float], Counter, float]:
    """(latencies ms, answers per device, seconds) for clients x per_client requests."""
    latencies: list[float] = []
    devices: Counter = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def one_client(index: int) -> None:
        try:
            with EdgeClient(client_url) as client:
                for i in range(per_client):
                    start = time.perf_counter()
                    answer = client.request(TEXTS[(index + i) % len(TEXTS)], group=group, timeout=10, retries=3)
                    elapsed = (time.perf_counter() - start) * 1000
                    with lock:
                        latencies.append(elapsed)
                        devices[answer.get("device_id")] += 1
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=one_client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return latencies, devices, time.perf_counter() - started


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def measure(agent_broker: Mosquitto, client_broker: Mosquitto, k: int, args, tag: str,
            source: Path | None = None) -> dict:
    group = f"load-{tag}-{k}"
    # Several agents on one small machine: each on one ORT thread without spinning (the default spins
    # idle threads for latency, which starves the others); the same settings for every K.
    env = source_env({**os.environ, "EDGELM_THREADS": str(args.agent_threads),
                      "EDGELM_ORT_SPINNING": str(args.spin).lower()}, source)
    procs = [start_agent_process(None, agent_broker.url, f"{group}-{i}", "--group", group, env=env)[0]
             for i in range(k)]
    try:
        drive(client_broker.url, group, args.clients, 5)  # warm-up: every agent loaded and connected
        latencies, devices, seconds = drive(client_broker.url, group, args.clients, args.requests)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(15)
    shares = [devices.get(f"{group}-{i}", 0) for i in range(k)]
    mean = sum(shares) / k
    return {"k": k, "path": tag, "n": len(latencies), "rps": len(latencies) / seconds,
            "p50": pct(latencies, 50), "p95": pct(latencies, 95), "p99": pct(latencies, 99),
            "shares": shares, "worst_share_vs_mean": max(abs(s - mean) / mean for s in shares)}


def soak(args) -> None:
    """`--soak N`: N requests through a group of three in blocks of 1,000; each agent's RSS after every
    block. Goal: less than 10% growth from the first block to the last."""
    import psutil

    env = {**os.environ, "EDGELM_THREADS": str(args.agent_threads), "EDGELM_ORT_SPINNING": str(args.spin).lower()}
    per_client = 1000 // args.clients
    with Mosquitto() as broker:
        procs = [start_agent_process(None, broker.url, f"soak-{i}", "--group", "soak", env=env)[0] for i in range(3)]
        try:
            rss: list[list[float]] = []
            done, started = 0, time.perf_counter()
            while done < args.soak:
                latencies, _, _ = drive(broker.url, "soak", args.clients, per_client)
                done += len(latencies)
                rss.append([psutil.Process(p.pid).memory_info().rss / 2**20 for p in procs])
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(15)
    seconds = time.perf_counter() - started
    print(f"{done} requests through a group of 3 in {seconds:.0f} s ({done / seconds:.0f} req/s), "
          f"{args.clients} clients\n")
    print("| agent | RSS after the first 1,000 (MB) | after the last 1,000 (MB) | growth |")
    print("|---|---|---|---|")
    for i in range(3):
        first, last = rss[0][i], rss[-1][i]
        print(f"| soak-{i} | {first:.1f} | {last:.1f} | {(last - first) / first:+.1%} |")
    print("\nRSS (MB) after each 1,000, soak-0: " + " ".join(f"{row[0]:.0f}" for row in rss))


def compare(args) -> None:
    """A group of three from revision args.compare and from this checkout, side by side."""
    with worktree(args.compare) as tree, Mosquitto() as broker:
        near = broker
        if args.link_delay_ms:  # the agents reach the broker through a slow link; the clients do not
            link = CuttableLink(broker.port, delay_s=args.link_delay_ms / 1000)
            near = SimpleNamespace(url=f"mqtt://127.0.0.1:{link.port}")
        rows = [measure(near, broker, 3, args, "before", source=tree), measure(near, broker, 3, args, "after")]
    print(f"{args.clients} clients x {args.requests} requests, a group of 3, one broker"
          f"{f', {args.link_delay_ms} ms each way between agents and broker' if args.link_delay_ms else ''}; "
          f"before = {args.compare}, after = this checkout\n")
    print("| agents | requests | req/s | p50 ms | p95 ms | p99 ms | answers per agent |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['path']} | {r['n']} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | "
              f"{' / '.join(map(str, r['shares']))} |")
    print(f"\np99 after / before: {rows[1]['p99'] / rows[0]['p99']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100, help="per client, per K")
    parser.add_argument("--agent-threads", type=int, default=1, help="ORT threads per agent")
    parser.add_argument("--spin", action="store_true", help="let idle ORT threads spin (the agent's default)")
    parser.add_argument("--soak", type=int, default=0, metavar="N",
                        help="instead: N requests through a group of three, RSS per 1,000")
    parser.add_argument("--compare", metavar="REV", help="instead: a group of three from REV and from here")
    parser.add_argument("--link-delay-ms", type=float, default=0.0, help="with --compare: agents-broker delay")
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return
    if args.soak:
        soak(args)
        return
    rows = []
    with Mosquitto() as broker:
        rows += [measure(broker, broker, k, args, "one broker") for k in (1, 2, 3)]
    with Mosquitto() as central, Mosquitto(extra_config=documented_bridge(central.port)) as site:
        rows += [measure(site, central, k, args, "bridged") for k in (1, 3)]
    print(f"{args.clients} clients x {args.requests} requests per K, one at a time each, shipped home model, "
          f"{args.agent_threads} ORT thread(s) per agent, spinning {'on' if args.spin else 'off'}\n")
    print("| path | K | requests | req/s | p50 ms | p95 ms | p99 ms | answers per agent | worst share vs mean |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['path']} | {r['k']} | {r['n']} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} | "
              f"{r['p99']:.2f} | {' / '.join(map(str, r['shares']))} | {r['worst_share_vs_mean']:.1%} |")
    one = {r["k"]: r for r in rows if r["path"] == "one broker"}
    print(f"\np99 at K=3 / p99 at K=1 (one broker): {one[3]['p99'] / one[1]['p99']:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
