"""The agent's side of Home Assistant discovery over one connection: publish the configs (again when HA
announces itself), move configs of older agents off the bare device id, and remove them all."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from edge_agent.fronts import discovery
from edge_agent.protocol.messages import dumps
from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)


class DiscoveryLink:
    def __init__(self, conn: Connection, prefix: str, device_id: str, topics: Any,
                 model_info: Callable[[], dict], has_temperature: bool, on_birth: Callable[[], None]):
        self.conn = conn
        self.prefix = prefix
        self.device_id = device_id
        self.topics = topics
        self.model_info = model_info
        self.has_temperature = has_temperature
        self.on_birth = on_birth  # HA (re)started: e.g. send a telemetry state at once
        # QoS 0: nothing to acknowledge under manual acks
        conn.subscribe(f"{prefix}/{discovery.BIRTH_TOPIC_SUFFIX}", self._birth, qos=0)
        conn.subscribe(discovery.legacy_config_topic(prefix, device_id, "+"), self._legacy, qos=0)

    def configs(self) -> dict[str, dict]:
        return discovery.sensor_configs(self.prefix, self.device_id, self.topics, self.model_info(),
                                        self.has_temperature)

    def publish(self) -> None:
        for topic, payload in self.configs().items():
            self.conn.publish(topic, dumps(payload), retain=True)
        if not self.has_temperature:  # an agent that ran before this rule may have announced one
            self.conn.publish(discovery.config_topic(self.prefix, self.device_id, "temperature"), b"", retain=True)

    def _birth(self, msg: Message) -> None:
        if msg.payload == b"online":  # Home Assistant restarted: it needs the configs again
            self.publish()
            self.on_birth()

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
