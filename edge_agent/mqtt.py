"""The one boundary to paho-mqtt: connection setup (MQTT 5 or 3.1.1, TLS, auth, TCP_NODELAY, will),
and paho return codes turned into :class:`MqttError`, as Home Assistant's MQTT layer does."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.config import BrokerUrl

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
PUBLISH_ACK_TIMEOUT_S = 5.0
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 30


class MqttError(Exception):
    pass


def _paho():
    try:
        import paho.mqtt.client as mqtt
    except ImportError as exc:
        raise MqttError("MQTT needs paho-mqtt: pip install 'edgelm[agent]'") from exc
    return mqtt


@dataclass
class Will:
    topic: str
    payload: bytes
    retain: bool = True


@dataclass
class Message:
    """What handlers get: paho's message reduced to what EdgeLM reads."""

    topic: str
    payload: bytes
    qos: int
    mid: int
    retain: bool
    dup: bool
    response_topic: str | None = None
    correlation_data: bytes | None = None
    expiry_s: int | None = None


class Connection:
    """One MQTT client connection with a session policy; handlers run on paho's network thread."""

    def __init__(self, url: BrokerUrl, client_id: str, protocol: int = 5, clean: bool = True,
                 session_expiry_s: int = 0, keepalive_s: int = 30, will: Will | None = None,
                 ca_file: str | None = None, cert_file: str | None = None, key_file: str | None = None,
                 manual_ack: bool = False):
        mqtt = _paho()
        self._mqtt = mqtt
        self.url = url
        self.protocol = protocol
        self.clean = clean
        self.session_expiry_s = session_expiry_s
        self.keepalive_s = keepalive_s
        version = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        kwargs = {"clean_session": clean} if protocol != 5 else {}
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version,
                                  manual_ack=manual_ack, **kwargs)
        if url.username:
            self.client.username_pw_set(url.username, url.password)
        if url.tls or ca_file:
            self.client.tls_set(ca_certs=ca_file, certfile=cert_file, keyfile=key_file)
        if will is not None:
            self.client.will_set(will.topic, will.payload, qos=1, retain=will.retain)
        self.client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self._subscriptions: list[tuple[str, int]] = []
        self._handlers: list[Callable[[Message], None]] = []
        self.on_connected: Callable[[bool], None] | None = None
        self.session_present = False

    # -- paho callbacks -------------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused connection: %s", reason_code)
            return
        sock = client.socket()
        if sock is not None and hasattr(sock, "setsockopt"):
            try:  # without it QoS 1 with several in flight stalls at ~44 ms (Nagle + delayed ack)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self.session_present = bool(getattr(flags, "session_present", False))
        # Resubscribe even with a present session: cheap, and covers a broker that lost it.
        for topic, qos in self._subscriptions:
            client.subscribe(topic, qos=qos)
        self.connected.set()
        if self.on_connected is not None:
            self.on_connected(self.session_present)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if getattr(reason_code, "is_failure", bool(reason_code)):
            log.warning("disconnected from broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg) -> None:
        props = getattr(msg, "properties", None)
        message = Message(
            topic=msg.topic, payload=msg.payload, qos=msg.qos, mid=msg.mid, retain=msg.retain, dup=bool(msg.dup),
            response_topic=getattr(props, "ResponseTopic", None) if props else None,
            correlation_data=getattr(props, "CorrelationData", None) if props else None,
            expiry_s=getattr(props, "MessageExpiryInterval", None) if props else None,
        )
        for handler in self._handlers:
            try:
                handler(message)
            except Exception:  # a handler bug must not kill paho's network thread
                log.exception("message handler failed for %s", msg.topic)

    # -- public API -------------------------------------------------------------------------
    def add_handler(self, handler: Callable[[Message], None]) -> None:
        self._handlers.append(handler)

    def subscribe(self, topic: str, qos: int = 1) -> None:
        self._subscriptions.append((topic, qos))
        if self.connected.is_set():
            self._check(self.client.subscribe(topic, qos=qos)[0], f"subscribe {topic}")

    def unsubscribe(self, topic: str) -> None:
        self._subscriptions = [(t, q) for t, q in self._subscriptions if t != topic]
        if self.connected.is_set():
            self.client.unsubscribe(topic)

    def connect(self, timeout: float = CONNECT_TIMEOUT_S, wait: bool = True) -> None:
        props = None
        if self.protocol == 5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = self.session_expiry_s
        try:
            self.client.connect_async(self.url.host, self.url.port, keepalive=self.keepalive_s,
                                      clean_start=self.clean if self.protocol == 5 else 3, properties=props)
        except (OSError, ValueError) as exc:
            raise MqttError(f"cannot connect to {self.url.host}:{self.url.port}: {exc}") from exc
        self.client.loop_start()
        if wait and not self.connected.wait(timeout):
            self.client.loop_stop()
            raise MqttError(f"no connection to broker {self.url.host}:{self.url.port} within {timeout:.0f}s")

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False,
                correlation_data: bytes | None = None, expiry_s: int | None = None,
                wait: bool = False) -> None:
        props = None
        if self.protocol == 5 and (correlation_data is not None or expiry_s is not None):
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            props = Properties(PacketTypes.PUBLISH)
            if correlation_data is not None:
                props.CorrelationData = correlation_data
            if expiry_s is not None:
                props.MessageExpiryInterval = expiry_s
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if info.rc not in (self._mqtt.MQTT_ERR_SUCCESS, self._mqtt.MQTT_ERR_NO_CONN):
            self._check(info.rc, f"publish {topic}")
        if wait:
            try:
                info.wait_for_publish(PUBLISH_ACK_TIMEOUT_S)
            except (RuntimeError, ValueError) as exc:
                raise MqttError(f"publish to {topic} not acknowledged: {exc}") from exc
            if not info.is_published():
                raise MqttError(f"publish to {topic} not acknowledged within {PUBLISH_ACK_TIMEOUT_S:.0f}s")

    def ack(self, mid: int, qos: int) -> None:
        if qos > 0:
            self.client.ack(mid, qos)

    def disconnect(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def _check(self, rc: int, what: str) -> None:
        if rc != self._mqtt.MQTT_ERR_SUCCESS:
            raise MqttError(f"{what} failed: {self._mqtt.error_string(rc)}")
