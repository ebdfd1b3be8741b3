"""Plain data at the MQTT boundary, no paho: how a connection is set up, what a PUBLISH carries, what a
subscriber is handed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SHARE_PREFIX = "$share/"


@dataclass
class Will:
    topic: str
    payload: bytes
    retain: bool = True


@dataclass(frozen=True)
class Session:
    """Session policy: a clean session forgets subscriptions and queued messages on disconnect."""

    clean: bool = True
    expiry_s: int = 0  # MQTT 5 Session Expiry Interval of a persistent session
    keepalive_s: int = 30
    # MQTT 5 Maximum Packet Size: the broker never delivers a larger message (it is not even read into
    # this process's memory). None: no limit. MQTT 3.1.1 has no such field: set the broker's max_packet_size.
    max_packet_bytes: int | None = None


@dataclass(frozen=True)
class PublishProps:
    """The MQTT 5 properties EdgeLM sets on a PUBLISH (ignored under MQTT 3.1.1)."""

    correlation_data: bytes | None = None
    response_topic: str | None = None
    expiry_s: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class TlsFiles:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass
class Message:
    """What callbacks get: paho's message reduced to what EdgeLM reads."""

    topic: str
    payload: bytes
    qos: int
    mid: int
    retain: bool
    dup: bool
    response_topic: str | None = None
    correlation_data: bytes | None = None
    expiry_s: int | None = None


Callback = Callable[[Message], None]


def matching_filter(subscription: str) -> str:
    """The filter a delivered topic matches: a shared subscription's messages carry the bare topic."""
    if subscription.startswith(SHARE_PREFIX):
        return subscription.split("/", 2)[2]
    return subscription
