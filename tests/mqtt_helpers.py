"""Test-side MQTT helpers over a real broker: an in-process agent and a raw listener."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge_agent.config import load_config
from edge_agent.inference.reading import Reading, agent_reading
from edge_agent.protocol.messages import load_schema
from edge_agent.service import Agent

SCHEMAS = {name: load_schema(name) for name in ("response", "error", "chunk", "status", "telemetry", "deploy_status")}


def validate(kind: str, message: dict) -> dict:
    jsonschema.validate(message, SCHEMAS[kind])
    return message


class MovableClock:
    """The agent's clock (edge_agent.inference.jobs.Clock) running with real time plus what a test adds:
    `advance(2)` is two seconds later at once, for expiry, without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def clock(self):
        from edge_agent.inference.jobs import Clock

        return Clock(lambda: time.monotonic() + self.offset, lambda: time.time() + self.offset)


def until(condition, what: str, timeout: float = 10.0, every: float = 0.01) -> None:
    """Wait for an event, not a clock: returns once `condition()` holds, raises naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(every)


@contextmanager
def running_agent(bundle, broker, device_id, clock=None, **overrides):
    config = load_config(None, env={}, bundle=str(bundle), broker=broker.url, device_id=device_id,
                         device="x86-64", **{"telemetry_interval_s": 0, **overrides})
    agent = Agent(config, clock=clock)
    agent.start()
    try:
        yield agent
    finally:
        agent.stop()


def agent_answer(agent, text: str) -> Reading:
    """What the running agent answers for `text`: the model's reading through the agent's rules, as its worker
    decides it (inference/reading.py); not always the model's top label ("turn on the kitchen light" read by
    a tiny model as HassLightSet with no value is turned on)."""
    model = agent.model
    pred = model.classifier.predict([text])[0]
    return agent_reading(text, pred, model.classifier, model.ood_threshold, model.opposite_margin)


class Listener:
    """A raw paho client that records every message on the topics it subscribes to."""

    def __init__(self, broker, protocol: int = 5, port: int | None = None, username: str | None = None,
                 password: str | None = None, ca_file: str | None = None):
        self.messages: queue.Queue = queue.Queue()
        version = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}",
                                  protocol=version)
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self._subscribed = threading.Event()
        self.refused = False  # the last SUBACK refused the subscription
        self.client.on_subscribe = self._on_subscribe
        if username:
            self.client.username_pw_set(username, password)
        if ca_file:
            self.client.tls_set(ca_certs=str(ca_file))
        self.client.connect(broker.host, port or broker.port)
        self.client.loop_start()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties=None) -> None:
        self.refused = any(code.is_failure for code in reason_codes)
        self._subscribed.set()

    def subscribe(self, topic: str) -> Listener:
        self._subscribed.clear()
        self.client.subscribe(topic, qos=1)
        assert self._subscribed.wait(5), f"no SUBACK for {topic} within 5 s"
        return self

    def publish(self, topic: str, payload, properties=None, qos: int = 1, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=qos, properties=properties, retain=retain).wait_for_publish(5)

    def get(self, timeout: float = 5.0):
        return self.messages.get(timeout=timeout)

    def get_json(self, timeout: float = 5.0) -> dict:
        return json.loads(self.get(timeout).payload)

    def drain(self, wait: float = 0.3) -> list:
        time.sleep(wait)
        out = []
        while not self.messages.empty():
            out.append(self.messages.get_nowait())
        return out

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class Gate:
    """Holds the classifier on its first call until released, so tests can queue work behind it."""

    def __init__(self, classifier):
        self.classifier = classifier
        self.original = classifier.predict
        self.release = threading.Event()
        self.entered = threading.Event()
        self.texts: list[str] = []
        classifier.predict = self._predict

    def _predict(self, texts):
        self.texts.extend(texts)
        self.entered.set()
        self.release.wait(10)
        return self.original(texts)


def props(response_topic=None, correlation=None, expiry=None) -> Properties:
    """MQTT 5 PUBLISH properties for a raw request."""
    p = Properties(PacketTypes.PUBLISH)
    if response_topic:
        p.ResponseTopic = response_topic
    if correlation is not None:
        p.CorrelationData = correlation
    if expiry is not None:
        p.MessageExpiryInterval = expiry
    return p


def block_worker(agent, listener: Listener, reply_topic: str, request_id: str = "blocker") -> Gate:
    """Send one request and hold the worker inside it, so that what follows waits in the queue."""
    gate = Gate(agent.model.classifier)
    listener.publish(f"edgelm/{agent.config.device_id}/request",
                     json.dumps({"id": request_id, "text": "block"}), props(reply_topic))
    assert gate.entered.wait(5), "the blocking request never reached the worker"
    return gate


SCALING_DOC = Path(__file__).resolve().parents[1] / "docs" / "scaling.md"


def documented_bridge(remote_port: int) -> str:
    """docs/scaling.md's site bridge block as written, pointed at a broker on loopback: what the tests and
    benchmarks run is what users copy."""
    block = re.search(r"# --- bridge: site under central ---\n(.*?)# --- end ---", SCALING_DOC.read_text(), re.S)
    if block is None:
        raise AssertionError("docs/scaling.md lost its bridge block")
    return block.group(1).replace("address emqx.example.net:1883", f"address 127.0.0.1:{remote_port}")
