"""Crash runs: requests keep flowing while the agent or the broker is killed with SIGKILL, and every copy
of every answer is recorded, so a lost request and a request run twice can both be counted.

A request run twice shows up as two *different* answers to one id (each run measures its own latencies);
an answer re-sent from the agent's cache or answer store is byte-identical and counts once.
Used by benchmarks/resilience_bench.py (2,000 requests) and tests/test_chaos.py (a shorter run).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

IN_FLIGHT = 16
RESEND_S = 2.0  # a request unanswered this long is sent again, same id, same content


@dataclass
class ChaosResult:
    requests: int
    kills: int
    answered: int
    lost: int
    run_twice: int
    resent: int  # client retries
    copies: int  # identical answers received more than once (re-sent from the cache or answer store)
    seconds: float
    errors: dict[str, int] = field(default_factory=dict)


class Asker:
    """A raw MQTT 5 client that sends requests and keeps every copy of every answer."""

    def __init__(self, broker: Mosquitto, device: str):
        self.device = device
        self.reply = f"edgelm/reply/chaos-{uuid.uuid4().hex[:8]}/r"
        self.answers: queue.Queue = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"chaos-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(self.reply, qos=1)
        self.client.on_message = lambda c, u, m: self.answers.put(m.payload)
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def send(self, rid: str, text: str) -> None:
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = self.reply
        payload = json.dumps({"v": 1, "id": rid, "text": text}).encode()
        self.client.publish(f"edgelm/{self.device}/request", payload, qos=1, properties=props)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def run(broker: Mosquitto, bundle: Path, requests: int, kills: int, target: str, state_dir: Path | None,
        timeout_s: float = 180.0) -> ChaosResult:
    """`target` is "agent" (SIGKILL the agent, start it again) or "broker" (SIGKILL Mosquitto, start it again).
    state_dir None: the agent keeps its answers in memory only."""
    device = f"chaos-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "EDGELM_STATE_DIR": str(state_dir) if state_dir else ""}
    agent = _start(bundle, broker, device, env)
    asker = Asker(broker, device)
    texts = {f"c{i}": f"turn on lamp number {i}" for i in range(requests)}
    payloads: dict[str, set[bytes]] = defaultdict(set)
    copies = resent = done_kills = 0
    sent_at: dict[str, float] = {}
    waiting = list(texts)
    started = time.monotonic()
    try:
        while len(payloads) < requests and time.monotonic() - started < timeout_s:
            while waiting and len(sent_at) < IN_FLIGHT:
                rid = waiting.pop(0)
                sent_at[rid] = time.monotonic()
                asker.send(rid, texts[rid])
            copies += _collect(asker, payloads, sent_at)
            for rid, at in list(sent_at.items()):
                if time.monotonic() - at > RESEND_S:
                    sent_at[rid] = time.monotonic()
                    asker.send(rid, texts[rid])
                    resent += 1
            if done_kills < kills and len(payloads) >= (done_kills + 1) * requests // (kills + 1):
                agent = _kill(target, agent, broker, lambda: _start(bundle, broker, device, env))
                done_kills += 1
        time.sleep(1.0)  # late copies still count towards run-twice
        copies += _collect(asker, payloads, sent_at)
    finally:
        asker.close()
        agent.terminate()
        agent.wait(15)
    errors: dict[str, int] = defaultdict(int)
    for answers in payloads.values():
        for payload in answers:
            code = json.loads(payload).get("error", {}).get("code")
            if code:
                errors[code] += 1
    return ChaosResult(requests, done_kills, len(payloads), requests - len(payloads),
                       sum(len(p) > 1 for p in payloads.values()), resent, copies,
                       round(time.monotonic() - started, 1), dict(errors))


def _collect(asker: Asker, payloads: dict[str, set[bytes]], sent_at: dict[str, float]) -> int:
    copies = 0
    try:
        payload = asker.answers.get(timeout=0.05)
        while True:
            rid = json.loads(payload)["id"]
            copies += payload in payloads[rid]
            payloads[rid].add(payload)
            sent_at.pop(rid, None)
            payload = asker.answers.get_nowait()
    except queue.Empty:
        return copies


def _start(bundle: Path, broker: Mosquitto, device: str, env: dict[str, str]) -> subprocess.Popen:
    return start_agent_process(bundle, broker.url, device, "--device", "x86-64", "--telemetry-interval", "0",
                               env=env, timeout=60)[0]


def _kill(target: str, agent: subprocess.Popen, broker: Mosquitto,
          restart_agent: Callable[[], subprocess.Popen]) -> subprocess.Popen:
    if target == "agent":
        agent.send_signal(signal.SIGKILL)
        agent.wait(10)
        return restart_agent()
    assert broker.proc is not None
    broker.proc.send_signal(signal.SIGKILL)  # whatever Mosquitto had not saved is gone
    broker.proc.wait(10)
    time.sleep(0.5)
    broker.start()  # same port, same directory
    return agent
