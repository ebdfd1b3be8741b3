"""Wyoming vs MQTT on loopback, one run, side by side:

    python benchmarks/wyoming_bench.py [--requests 300] [--runs 3] [--idle 1100]

- the same sentences, one at a time, to one agent (the shipped home model, int8) over MQTT 5 (EdgeClient,
  request/response) and over Wyoming: a new TCP connection per sentence as Home Assistant's
  conversation agent opens one, and one kept connection; p50/p95 each and the Wyoming - MQTT gap
  (target: p50 within 0.5 ms);
- the agent's RSS with the Wyoming service on vs off (separate processes, same bundle, after the same
  warm-up; target: within 5 MB).

`--idle N`: instead, HA's way (a new connection per sentence) and MQTT with no other connection, then
with N more held open by an attacker (silent, or stuck in half a header) against the default cap of 256,
side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import time

import psutil

from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto, free_port

TEXTS = ["turn on the kitchen light", "apaga la luz del salón", "set the bedroom lights to 40 percent",
         "what time is it", "pon un temporizador de 10 minutos", "I love this song"]
TRANSCRIPT = '{{"type": "transcript", "data": {{"text": {text}}}}}\n'


def _read_answer(sock: socket.socket, buffered: bytes) -> bytes:
    """Read one Wyoming event (header line + data) from the socket; what is left over."""
    while b"\n" not in buffered:
        buffered += sock.recv(65536)
    line, _, rest = buffered.partition(b"\n")
    need = json.loads(line).get("data_length", 0)
    while len(rest) < need:
        rest += sock.recv(65536)
    return rest[need:]


def wyoming_times(port: int, n: int, fresh_connection: bool) -> list[float]:
    times, sock, left = [], None, b""
    for i in range(n):
        payload = TRANSCRIPT.format(text=json.dumps(TEXTS[i % len(TEXTS)])).encode()
        start = time.perf_counter()
        if sock is None or fresh_connection:
            if sock is not None:
                sock.close()
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(payload)
        left = _read_answer(sock, left)
        times.append((time.perf_counter() - start) * 1000)
    if sock is not None:
        sock.close()
    return times


def mqtt_times(client: EdgeClient, device: str, n: int) -> list[float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        client.request(TEXTS[i % len(TEXTS)], device=device, timeout=10)
        times.append((time.perf_counter() - start) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def one_run(broker: Mosquitto, n: int, run: int) -> dict:
    port = free_port()
    on, _ = start_agent_process(None, broker.url, f"wyo-on-{run}", "--wyoming", f"tcp://127.0.0.1:{port}")
    off, _ = start_agent_process(None, broker.url, f"wyo-off-{run}")
    try:
        with EdgeClient(broker.url) as client:
            mqtt_times(client, f"wyo-off-{run}", 30)  # the same warm-up for both processes
            mqtt_times(client, f"wyo-on-{run}", 30)
            wyoming_times(port, 30, True)
            # interleave the three ways so drift on a shared machine hits them alike
            mqtt, fresh, kept = [], [], []
            for _ in range(n // 10):
                mqtt += mqtt_times(client, f"wyo-on-{run}", 10)
                fresh += wyoming_times(port, 10, True)
                kept += wyoming_times(port, 10, False)
            mqtt_times(client, f"wyo-off-{run}", n)  # both processes answer as many requests
        rss_on = psutil.Process(on.pid).memory_info().rss / 2**20
        rss_off = psutil.Process(off.pid).memory_info().rss / 2**20
    finally:
        for proc in (on, off):
            proc.terminate()
            proc.wait(15)
    return {"mqtt": mqtt, "fresh": fresh, "kept": kept, "rss_on": rss_on, "rss_off": rss_off}


def idle_run(broker: Mosquitto, n: int, idle: int) -> None:
    """HA's sentences and MQTT requests, then the same with `idle` connections held open."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, idle + 1024)), hard))
    port = free_port()
    agent, _ = start_agent_process(None, broker.url, "wyo-idle", "--wyoming", f"tcp://127.0.0.1:{port}")
    held: list[socket.socket] = []
    rows = []
    try:
        with EdgeClient(broker.url) as client:  # connected first: its socket number stays small for select()
            mqtt_times(client, "wyo-idle", 30)
            wyoming_times(port, 30, True)
            rows.append(("none", wyoming_times(port, n, True), mqtt_times(client, "wyo-idle", n)))
            for i in range(idle):
                sock = socket.create_connection(("127.0.0.1", port))
                if i % 2:
                    sock.sendall(b'{"type": "transc')
                held.append(sock)
            rows.append((f"{idle} held open", wyoming_times(port, n, True), mqtt_times(client, "wyo-idle", n)))
    finally:
        for sock in held:
            sock.close()
        agent.terminate()
        agent.wait(15)
    print(f"{n} sentences each way, one at a time, shipped home model; agent defaults (256 Wyoming connections)\n")
    print("| other connections | Wyoming (new connection each) p50 / p95 ms | MQTT p50 / p95 ms |")
    print("|---|---|---|")
    for label, wyo, mqtt in rows:
        print(f"| {label} | {p(wyo, 50):.2f} / {p(wyo, 95):.2f} | {p(mqtt, 50):.2f} / {p(mqtt, 95):.2f} |")
    print(f"\nWyoming p50 with / without: {p(rows[1][1], 50) / p(rows[0][1], 50):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=int, default=0, help="instead: latency with this many idle connections")
    args = parser.parse_args()
    if args.idle:
        with Mosquitto() as broker:
            idle_run(broker, args.requests, args.idle)
        return
    with Mosquitto() as broker:
        runs = [one_run(broker, args.requests, r) for r in range(args.runs)]
    print(f"{args.runs} runs x {args.requests} requests each way, one at a time, shipped home model (int8)\n")
    print("| path | p50 ms | p95 ms | p50 - MQTT p50 |")
    print("|---|---|---|---|")
    mqtt = [x for r in runs for x in r["mqtt"]]
    for label, key in (("MQTT 5 request/response (EdgeClient)", "mqtt"),
                       ("Wyoming, new connection per sentence (as HA)", "fresh"),
                       ("Wyoming, one kept connection", "kept")):
        values = [x for r in runs for x in r[key]]
        print(f"| {label} | {p(values, 50):.2f} | {p(values, 95):.2f} | {p(values, 50) - p(mqtt, 50):+.2f} |")
    on = statistics.median(r["rss_on"] for r in runs)
    off = statistics.median(r["rss_off"] for r in runs)
    print(f"\nagent RSS (median of runs): Wyoming on {on:.1f} MB, off {off:.1f} MB, difference {on - off:+.1f} MB")


if __name__ == "__main__":
    main()
