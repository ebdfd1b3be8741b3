"""Plain data at the MQTT boundary, no paho: how a connection is set up, what a PUBLISH carries, what a
subscriber is handed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

SHARE_PREFIX = "$share/"
SCHEMES = {"mqtt": False, "mqtts": True, "tcp": False, "ssl": True}


class BrokerUrlError(ValueError):
    """A broker URL EdgeLM cannot connect to (scheme, host or port)."""


@dataclass(frozen=True)
class BrokerUrl:
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> BrokerUrl:
        """mqtt://[user:pass@]host[:1883] or mqtts://host[:8883]; nothing else."""
        parsed = urlparse(url if "://" in url else f"mqtt://{url}")
        if parsed.scheme not in SCHEMES:
            raise BrokerUrlError(f"broker URL scheme {parsed.scheme!r} not supported; use one of: mqtt://, mqtts://")
        tls = SCHEMES[parsed.scheme]
        if not parsed.hostname:
            raise BrokerUrlError(f"broker URL {url!r} has no host")
        try:
            port = parsed.port or (8883 if tls else 1883)
        except ValueError as exc:
            raise BrokerUrlError(f"broker URL {url!r} has an invalid port") from exc
        return cls(parsed.hostname, port, tls, unquote(parsed.username) if parsed.username else None,
                   unquote(parsed.password) if parsed.password else None)


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
    # Acknowledge a QoS 1 message only once its handler says so (Connection.ack), not on arrival: one that
    # was never handled is redelivered after a crash.
    manual_ack: bool = False


@dataclass(frozen=True)
class PublishProps:
    """The MQTT 5 properties EdgeLM sets on a PUBLISH (ignored under MQTT 3.1.1)."""

    correlation_data: bytes | None = None
    response_topic: str | None = None
    expiry_s: int | None = None
    content_type: str | None = None


def _nothing(*args: object) -> None:
    pass


@dataclass(frozen=True)
class Hooks:
    """What the connection's owner hears, given at construction."""

    on_ready: Callable[[], None] = _nothing  # after each (re)connection is ready: every SUBACK is in
    on_callback_error: Callable[[Exception], None] = _nothing  # a subscriber raised (a bug, counted)


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
