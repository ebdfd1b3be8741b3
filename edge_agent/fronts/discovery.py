"""Home Assistant MQTT discovery for the agent's sensors, all read from the (retained) telemetry topic.

Node ids are `edgelm_<id>`, never the bare device id: another MQTT device called `kitchen` with a
`temperature` sensor must not be overwritten, nor removed by `edgelm agent unregister`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from edge_agent import __version__

BIRTH_TOPIC_SUFFIX = "status"  # homeassistant/status carries "online" when HA (re)starts


@dataclass(frozen=True)
class Sensor:
    key: str
    name: str
    template: str
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = "measurement"
    icon: str | None = None
    diagnostic: bool = False  # about the board, not the model: HA's entity_category "diagnostic"


SENSORS = [
    Sensor("latency_p50", "Latency p50", "{{ value_json.latency_ms.p50 }}", "ms", "duration"),
    Sensor("latency_p95", "Latency p95", "{{ value_json.latency_ms.p95 }}", "ms", "duration"),
    Sensor("requests", "Requests", "{{ value_json.requests }}", None, None, "total_increasing", "mdi:counter"),
    Sensor("errors", "Errors", "{{ value_json.errors }}", None, None, "total_increasing", "mdi:alert-circle"),
    Sensor("queue_depth", "Queue depth", "{{ value_json.queue_depth }}", None, None, "measurement", "mdi:tray-full"),
    Sensor("cpu", "CPU", "{{ value_json.cpu_percent }}", "%", None, "measurement", "mdi:cpu-64-bit", True),
    Sensor("rss", "Memory", "{{ value_json.rss_mb }}", "MiB", "data_size", diagnostic=True),
    Sensor("temperature", "Temperature", "{{ value_json.temperature_c }}", "°C", "temperature", diagnostic=True),
    Sensor("model_version", "Model version", "{{ value_json.model.name }} {{ value_json.model.version }}",
           None, None, None, "mdi:brain", True),
]
ORIGIN = {"name": "EdgeLM", "sw_version": __version__}


def node_id(device_id: str) -> str:
    return f"edgelm_{device_id}"


def config_topic(prefix: str, device_id: str, key: str) -> str:
    return f"{prefix}/sensor/{node_id(device_id)}/{key}/config"


def legacy_config_topic(prefix: str, device_id: str, key: str) -> str:
    """Where agents before 0.x put the config: the bare device id as node id."""
    return f"{prefix}/sensor/{device_id}/{key}/config"


def is_ours(payload: bytes, device_id: str, key: str) -> bool:
    """A retained legacy config this agent published (its unique_id), not another device's."""
    try:
        data = json.loads(payload)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("unique_id") == f"{node_id(device_id)}_{key}"


def sensors_for(has_temperature: bool) -> list[Sensor]:
    """No temperature sensor where the board has no thermal zone to read."""
    return [s for s in SENSORS if has_temperature or s.key != "temperature"]


def sensor_configs(prefix: str, device_id: str, topics, model: dict, has_temperature: bool = True) -> dict[str, dict]:
    """{config topic: discovery payload} for every sensor the board can fill."""
    device = {"identifiers": [node_id(device_id)], "name": f"EdgeLM {device_id}", "manufacturer": "EdgeLM",
              "model": f"{model.get('name', '?')} ({model.get('runtime', '?')})", "sw_version": __version__}
    out = {}
    for sensor in sensors_for(has_temperature):
        payload: dict = {
            "name": sensor.name,
            "unique_id": f"{node_id(device_id)}_{sensor.key}",
            "default_entity_id": f"sensor.{node_id(device_id)}_{sensor.key}",  # HA 2025.10+: object_id is deprecated
            "origin": ORIGIN,
            "state_topic": topics.telemetry,
            "value_template": sensor.template,
            "availability_topic": topics.status,
            "availability_template": "{{ value_json.state }}",
            "payload_available": "online",
            "payload_not_available": "offline",
            "device": device,
        }
        for field, value in (("unit_of_measurement", sensor.unit), ("device_class", sensor.device_class),
                             ("state_class", sensor.state_class), ("icon", sensor.icon),
                             ("entity_category", "diagnostic" if sensor.diagnostic else None)):
            if value is not None:
                payload[field] = value
        out[config_topic(prefix, device_id, sensor.key)] = payload
    return out
