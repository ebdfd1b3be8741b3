"""The agent's side of Home Assistant discovery over one connection: publish the configs (again when HA
announces itself), move configs of older agents off the bare device id, and remove them all."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge_agent.fronts import discovery
from edge_agent.protocol.messages import dumps
from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)


BIRTH_MAX_WAIT_S = 30.0  # births that never stop (a loop, an attacker) still get configs this often


@dataclass(frozen=True)
class DiscoverySource:
    """What the link announces, and what it tells the agent."""

    model_info: Callable[[], dict]
    has_temperature: bool
    on_birth: Callable[[], None]  # HA (re)started: e.g. send a telemetry state at once
    # births closer than this are one: the configs go out once, after the last (trailing edge)
    birth_wait_s: float = 5.0


class DiscoveryLink:
    def __init__(self, conn: Connection, prefix: str, device_id: str, topics: Any, source: DiscoverySource):
        self.conn = conn
        self.prefix = prefix
        self.device_id = device_id
        self.topics = topics
        self.source = source
        self.republished = 0  # rounds of configs sent for births
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._first_birth: float | None = None  # of the births not yet answered
        # QoS 0: nothing to acknowledge under manual acks
        conn.subscribe(f"{prefix}/{discovery.BIRTH_TOPIC_SUFFIX}", self._birth, qos=0)
        conn.subscribe(discovery.legacy_config_topic(prefix, device_id, "+"), self._legacy, qos=0)

    def configs(self) -> dict[str, dict]:
        return discovery.sensor_configs(self.prefix, self.device_id, self.topics, self.source.model_info(),
                                        self.source.has_temperature)

    def publish(self) -> None:
        for topic, payload in self.configs().items():
            self.conn.publish(topic, dumps(payload), retain=True)
        if not self.source.has_temperature:  # an agent that ran before this rule may have announced one
            self.conn.publish(discovery.config_topic(self.prefix, self.device_id, "temperature"), b"", retain=True)

    def _birth(self, msg: Message) -> None:
        """Home Assistant restarted: it needs the configs again, once for a burst of births, after the last
        one (a real restart is never missed), and at least every BIRTH_MAX_WAIT_S while births go on."""
        if msg.payload != b"online":
            return
        with self._lock:
            now = time.monotonic()
            if self._first_birth is None:
                self._first_birth = now
            if self._timer is not None:
                self._timer.cancel()
            delay = min(self.source.birth_wait_s, max(0.0, self._first_birth + BIRTH_MAX_WAIT_S - now))
            self._timer = threading.Timer(delay, self._republish)
            self._timer.daemon = True
            self._timer.start()

    def _republish(self) -> None:
        with self._lock:
            self._timer, self._first_birth = None, None
        try:
            self.publish()
            self.source.on_birth()
            self.republished += 1
        except Exception:  # the connection is down: the next birth (or reconnection) republishes
            log.exception("could not republish discovery after Home Assistant's birth")

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _legacy(self, msg: Message) -> None:
        """A config under the bare device id that this agent once published: remove it (it is ours only
        when its unique_id says so; another device called like us keeps its own)."""
        key = msg.topic.split("/")[-2]
        if msg.retain and msg.payload and discovery.is_ours(msg.payload, self.device_id, key):
            log.info("removing the legacy discovery config %s", msg.topic)
            self.conn.publish(msg.topic, b"", retain=True)


def remove_all(conn: Connection, prefix: str, device_id: str, topics: Any) -> int:
    """What `edgelm agent unregister` does: every config (new and ours under the legacy id), and the
    retained status and telemetry. Returns how many configs were cleared."""
    for sensor in discovery.SENSORS:
        conn.publish(discovery.config_topic(prefix, device_id, sensor.key), b"", retain=True, wait=True)
    for topic in (topics.status, topics.telemetry):
        conn.publish(topic, b"", retain=True, wait=True)
    return len(discovery.SENSORS)
