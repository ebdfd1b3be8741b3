"""Home Assistant MQTT discovery for the agent's sensors, all read from the telemetry topic."""

from __future__ import annotations

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


SENSORS = [
    Sensor("latency_p50", "Latency p50", "{{ value_json.latency_ms.p50 }}", "ms", "duration"),
    Sensor("latency_p95", "Latency p95", "{{ value_json.latency_ms.p95 }}", "ms", "duration"),
    Sensor("requests", "Requests", "{{ value_json.requests }}", None, None, "total_increasing", "mdi:counter"),
    Sensor("errors", "Errors", "{{ value_json.errors }}", None, None, "total_increasing", "mdi:alert-circle"),
    Sensor("queue_depth", "Queue depth", "{{ value_json.queue_depth }}", None, None, "measurement", "mdi:tray-full"),
    Sensor("cpu", "CPU", "{{ value_json.cpu_percent }}", "%", None, "measurement", "mdi:cpu-64-bit"),
    Sensor("rss", "Memory", "{{ value_json.rss_mb }}", "MB", "data_size"),
    Sensor("temperature", "Temperature", "{{ value_json.temperature_c }}", "°C", "temperature"),
    Sensor("model_version", "Model version", "{{ value_json.model.name }} {{ value_json.model.version }}",
           None, None, None, "mdi:brain"),
]


def config_topic(prefix: str, device_id: str, key: str) -> str:
    return f"{prefix}/sensor/{device_id}/{key}/config"


def sensor_configs(prefix: str, device_id: str, topics, model: dict) -> dict[str, dict]:
    """{config topic: discovery payload} for every sensor."""
    device = {"identifiers": [f"edgelm_{device_id}"], "name": f"EdgeLM {device_id}", "manufacturer": "EdgeLM",
              "model": f"{model.get('name', '?')} ({model.get('runtime', '?')})", "sw_version": __version__}
    out = {}
    for sensor in SENSORS:
        payload = {
            "name": sensor.name,
            "unique_id": f"edgelm_{device_id}_{sensor.key}",
            "object_id": f"edgelm_{device_id}_{sensor.key}",
            "state_topic": topics.telemetry,
            "value_template": sensor.template,
            "availability_topic": topics.status,
            "availability_template": "{{ value_json.state }}",
            "payload_available": "online",
            "payload_not_available": "offline",
            "device": device,
        }
        for field, value in (("unit_of_measurement", sensor.unit), ("device_class", sensor.device_class),
                             ("state_class", sensor.state_class), ("icon", sensor.icon)):
            if value is not None:
                payload[field] = value
        out[config_topic(prefix, device_id, sensor.key)] = payload
    return out
