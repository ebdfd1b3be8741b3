"""A request flood against one agent (the shipped home model) on a broker that queues up to 100,000
messages: N requests at full rate with a Response Topic, QoS 0 or 1. What it costs the agent (peak RSS
growth after a warm-up) and what it still gets done (real answers, not `overloaded`, per second from the
first request to the last real answer). Used by `resilience_bench.py --flood REV`: REV's agent (a temporary
git worktree) and this checkout's, side by side in one run."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import psutil
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from revision import source_env, worktree

from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

ROOT = Path(__file__).resolve().parent.parent
QUEUE_ALL = "max_queued_messages 100000\n"
WARM_UP_FLOOD = 5_000


class _Peak(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.proc, self.peak, self.stopping = psutil.Process(pid), 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)
            time.sleep(0.02)


def _until_idle(pid: int, quiet_s: float = 2.0, limit_s: float = 180.0) -> None:
    """Until the agent has used no CPU for a while: the flood is through (answered or shed)."""
    proc, deadline = psutil.Process(pid), time.monotonic() + limit_s
    last = sum(proc.cpu_times()[:2])
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = sum(proc.cpu_times()[:2])
        if now - last < 0.05 * quiet_s:
            return
        last = now


def _flood(client: mqtt.Client, n: int, qos: int, tag: str) -> None:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = "edgelm/reply/flood/r"
    for i in range(n):
        client.publish("edgelm/flood/request", json.dumps({"id": f"{tag}{i}", "text": "turn on the light"}),
                       qos=qos, properties=props)


def flood_run(n: int, qos: int, source: Path | None = None) -> dict:
    state = tempfile.mkdtemp(prefix="edgelm-flood-")  # answers stored, as on a board; nothing from before
    env = source_env({**os.environ, "EDGELM_TELEMETRY_INTERVAL_S": "0", "EDGELM_DELIVERY_CHECK_S": "0",
                      "EDGELM_STATE_DIR": state, "MALLOC_ARENA_MAX": "2"}, source)  # as the flashed unit runs it
    with Mosquitto(extra_config=QUEUE_ALL) as broker:
        agent, _ = start_agent_process(None, broker.url, "flood", env=env)
        try:
            with EdgeClient(broker.url) as client:  # warm-up: ORT's arenas, the caches, paho's buffers
                for _ in range(300):
                    client.request("turn on the kitchen light", device="flood", timeout=10)
            flooder = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="flooder", protocol=mqtt.MQTTv5)
            real: list[float] = []
            flooder.on_message = lambda c, u, m: real.append(time.monotonic()) if b'"error"' not in m.payload else None
            flooder.connect(broker.host, broker.port)
            flooder.loop_start()
            flooder.subscribe("edgelm/reply/flood/#", qos=1)
            time.sleep(0.5)
            _flood(flooder, WARM_UP_FLOOD, qos, "w")  # batches of 8 and a full request cache: steady state
            _until_idle(agent.pid)
            base = psutil.Process(agent.pid).memory_info().rss / 2**20
            peak = _Peak(agent.pid)
            peak.start()
            real.clear()
            started = time.monotonic()
            _flood(flooder, n, qos, "f")
            _until_idle(agent.pid)
            peak.stopping.set()
            flooder.loop_stop()
            rate = len(real) / (real[-1] - started) if real else 0.0
            return {"growth": peak.peak - base, "real": len(real), "real_per_s": rate}
        finally:
            agent.terminate()
            agent.wait(30)


def compare(rev: str, sizes=(10_000, 30_000)) -> list[dict]:
    rows = []
    with worktree(rev) as tree:
        for qos in (0, 1):
            for n in sizes:
                for label, source in (("before", tree), ("after", None)):
                    rows.append({"agent": label, "n": n, "qos": qos, **flood_run(n, qos, source)})
    return rows


def print_table(rev: str, rows: list[dict]) -> None:
    print(f"\nflood: the shipped home model, broker max_queued_messages 100000; before = {rev}, after = here\n")
    print("| QoS | requests | agent | peak RSS growth MB | real answers | real answers/s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['qos']} | {r['n']} | {r['agent']} | {r['growth']:+.1f} | {r['real']} | {r['real_per_s']:.0f} |")
    after = {(r["qos"], r["n"]): r for r in rows if r["agent"] == "after"}
    before = {(r["qos"], r["n"]): r for r in rows if r["agent"] == "before"}
    for qos in (0, 1):
        growth = after[(qos, 30_000)]["growth"] - after[(qos, 10_000)]["growth"]
        ratios = [after[k]["real_per_s"] / before[k]["real_per_s"] for k in after if k[0] == qos and before[k]["real_per_s"]]
        print(f"QoS {qos}: growth at 30k - at 10k {growth:+.1f} MB (target <= 2); real answers/s after/before "
              f"{', '.join(f'{x:.2f}' for x in ratios)} (target >= 0.9)")
