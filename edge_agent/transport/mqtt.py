"""The one boundary to paho-mqtt: connection setup (MQTT 5 or 3.1.1, TLS, auth, TCP_NODELAY, will),
subscriptions dispatched by topic filter, and paho return codes turned into :class:`MqttError`, as Home
Assistant's MQTT layer does. Nothing else in EdgeLM imports paho but edgelm/demo_broker.py's readiness
probe (tests/test_layout.py)."""

from __future__ import annotations

import collections
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.transport.session import (
    BrokerUrl,
    Callback,
    Hooks,
    Message,
    PublishProps,
    Session,
    TlsFiles,
    Will,
    matching_filter,
)

__all__ = ["Connection", "Hooks", "Message", "MqttError", "PublishProps", "Session", "TlsFiles", "Will"]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
SUBACK_TIMEOUT_S = 10.0
PUBLISH_ACK_TIMEOUT_S = 5.0
OUTGOING_STALE_S = 30.0  # an unacknowledged message older than this no longer counts in the backlog
OUTGOING_SWEEP_AT = 256  # past this many waiting, acknowledged ones behind an older one are dropped too
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 2  # a board's agent starts before its broker (systemd, boot): retry often, forever


class MqttError(Exception):
    pass


def _paho():
    try:
        import paho.mqtt.client as mqtt
    except ImportError as exc:
        raise MqttError("MQTT needs paho-mqtt: pip install 'edgelm[agent]'") from exc
    return mqtt


@dataclass
class _Subscription:
    topic: str
    qos: int
    callback: Callback


def _settled(info) -> bool:
    """Acknowledged, or never to be: paho's is_published() raises for a message published while
    disconnected (its rc stays NO_CONN even once paho sends it later) or refused outright."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return True


class Connection:
    """One MQTT client connection with a session policy; callbacks run on paho's network thread.

    `connect()` returns only once the broker has acknowledged every subscription, so whoever announces
    the connection (an agent's `online`) can be sure nothing published after it is missed.
    """

    def __init__(self, url: BrokerUrl, client_id: str, protocol: int = 5, session: Session | None = None,
                 will: Will | None = None, tls: TlsFiles | None = None, hooks: Hooks | None = None):
        mqtt = _paho()
        self._mqtt = mqtt
        self.url = url
        self.protocol = protocol
        self.session = session or Session()
        version = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        kwargs = {"clean_session": self.session.clean} if protocol != 5 else {}
        self.client_id = client_id
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version,
                                  manual_ack=self.session.manual_ack, **kwargs)
        if url.username:
            self.client.username_pw_set(url.username, url.password)
        tls = self.tls = tls or TlsFiles()
        if url.tls or tls.ca_file:
            self.client.tls_set(ca_certs=tls.ca_file, certfile=tls.cert_file, keyfile=tls.key_file)
        if will is not None:
            self.client.will_set(will.topic, will.payload, qos=1, retain=will.retain)
        self.client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_connect_fail = self._on_connect_fail
        # (when, info) of QoS 1 messages published, oldest first, until the broker acknowledged them (never
        # locked around a paho call: paho's thread holds its own locks when it reports an acknowledgement)
        self._outgoing: collections.deque = collections.deque()
        self._out_lock = threading.Lock()
        self._reachable: bool | None = None  # logged once per change, not once per retry
        self.connected = threading.Event()  # CONNACK received
        self.ready = threading.Event()  # CONNACK and every SUBACK received
        self.hooks = hooks or Hooks()
        self.manual_ack = self.session.manual_ack
        self._unacked_mids: set[int] = set()  # QoS 1 messages received and not yet acknowledged
        self._subscriptions: list[_Subscription] = []
        self._lock = threading.Lock()
        self._acks = threading.Condition()
        self._awaiting: set[int] = set()  # SUBACKs that make a (re)connection ready
        self._acked: set[int] = set()  # SUBACKs for subscribe() calls on a live connection
        self._network_thread: threading.Thread | None = None
        self._errors: list[str] = []
        self._connect_props: object = None
        self.last_message_at = 0.0  # time.monotonic() of the last delivery: the watchdog's sign of progress
        self.server_max_packet: int | None = None  # MQTT 5 CONNACK Maximum Packet Size: the broker's limit

    # -- paho callbacks -------------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._errors.append(f"broker refused connection: {reason_code}")
            log.error("broker refused connection: %s", reason_code)
            return
        self._network_thread = threading.current_thread()
        self._note_reachable(True)
        self.server_max_packet = getattr(properties, "MaximumPacketSize", None) if properties else None
        sock = client.socket()
        if sock is not None and hasattr(sock, "setsockopt"):
            # without it QoS 1 with several in flight stalls at ~44 ms (Nagle + delayed ack)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connected.set()
        # Resubscribe even with a present session: cheap, and covers a broker that lost it.
        with self._lock:
            wanted = {s.topic: s.qos for s in self._subscriptions}
        if not wanted:
            self._set_ready()
            return
        rc, mid = client.subscribe(list(wanted.items()))
        if rc != self._mqtt.MQTT_ERR_SUCCESS:
            log.warning("resubscribe failed: %s", self._mqtt.error_string(rc))
            return
        with self._acks:
            self._awaiting = {mid}

    def _on_connect_fail(self, client, userdata) -> None:
        self._note_reachable(False)

    def _note_reachable(self, reachable: bool) -> None:
        if reachable == self._reachable:
            return
        if reachable:
            log.info("connected to broker %s:%s", self.url.host, self.url.port)
        else:
            log.warning("broker %s:%s unreachable; retrying every %d s at most", self.url.host, self.url.port,
                        RECONNECT_MAX_S)
        self._reachable = reachable

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [str(code) for code in reason_codes if getattr(code, "is_failure", False)]
        if failed:
            self._errors.append(f"broker refused a subscription: {', '.join(failed)}")
            log.error("broker refused a subscription: %s", ", ".join(failed))
        with self._acks:
            completes_connection = mid in self._awaiting
            self._awaiting.discard(mid)
            if not completes_connection:
                self._acked.add(mid)
            self._acks.notify_all()
        if completes_connection and not self._awaiting:
            self._set_ready()

    def _set_ready(self) -> None:
        self.ready.set()
        try:
            self.hooks.on_ready()
        except Exception:  # an announcement that fails must not kill paho's network thread
            log.exception("on_ready callback failed")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        self.ready.clear()
        with self._lock:  # unacknowledged deliveries come again on the next session
            self._unacked_mids.clear()
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
        self.last_message_at = time.monotonic()
        with self._lock:
            callbacks = [s.callback for s in self._subscriptions
                         if self._mqtt.topic_matches_sub(matching_filter(s.topic), msg.topic)]
            if self.manual_ack and msg.qos > 0:
                self._unacked_mids.add(msg.mid)
        if not callbacks:  # a late delivery for a subscription already removed
            self.ack(msg.mid, msg.qos)
        for callback in callbacks:
            try:
                callback(message)
            except Exception as exc:
                # A callback bug must neither kill paho's network thread nor leave the message unacknowledged:
                # unacknowledged messages fill the broker's in-flight window and come back after a restart.
                log.exception("message callback failed for %s", msg.topic)
                self.ack(msg.mid, msg.qos)
                self.hooks.on_callback_error(exc)

    # -- public API -------------------------------------------------------------------------
    def subscribe(self, topic: str, callback: Callback, qos: int = 1) -> Callable[[], None]:
        """Route messages matching `topic` to `callback`; returns the function that undoes it.

        Before `connect()` the subscription is sent with the others; on a live connection this waits
        for the broker's SUBACK."""
        entry = _Subscription(topic, qos, callback)
        with self._lock:
            self._subscriptions.append(entry)
        if self.connected.is_set():
            self._subscribe_now(topic, qos)
        return lambda: self._remove(entry)

    def _subscribe_now(self, topic: str, qos: int) -> None:
        rc, mid = self.client.subscribe(topic, qos=qos)
        self._check(rc, f"subscribe {topic}")
        if threading.current_thread() is self._network_thread:
            return  # the SUBACK can only arrive after this callback returns
        with self._acks:
            acked = self._acks.wait_for(lambda: mid in self._acked, SUBACK_TIMEOUT_S)
            self._acked.discard(mid)
        if not acked:
            raise MqttError(f"subscription to {topic} not acknowledged within {SUBACK_TIMEOUT_S:.0f}s")

    def _remove(self, entry: _Subscription) -> None:
        with self._lock:
            if entry not in self._subscriptions:
                return
            self._subscriptions.remove(entry)
            still_wanted = any(s.topic == entry.topic for s in self._subscriptions)
        if not still_wanted and self.connected.is_set():
            self.client.unsubscribe(entry.topic)

    def connect(self, timeout: float | None = CONNECT_TIMEOUT_S) -> None:
        """Connect and return once every subscription is acknowledged; then reconnect on loss.

        timeout None: wait as long as it takes (paho retries the first connection too); else a host name
        that does not resolve fails at once, by name."""
        if timeout is not None:
            self._resolve()
        props = None
        if self.protocol == 5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = self.session.expiry_s
            if self.session.max_packet_bytes is not None:
                props.MaximumPacketSize = self.session.max_packet_bytes
        self._connect_props = props
        self._start()
        if not self.ready.wait(timeout):
            self.client.loop_stop()
            why = f": {self._errors[-1]}" if self._errors else \
                (" (refused or unreachable: is the broker running there?)" if self._reachable is False else "")
            raise MqttError(f"no connection to broker {self.url.host}:{self.url.port} within {timeout:g}s{why}")
        if self._errors:
            self.disconnect()
            raise MqttError(self._errors[-1])

    def _resolve(self) -> None:
        try:
            socket.getaddrinfo(self.url.host, self.url.port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise MqttError(f"cannot resolve broker host {self.url.host!r}: {exc.strerror or exc}") from exc

    def _start(self) -> None:
        try:
            self.client.connect_async(self.url.host, self.url.port, keepalive=self.session.keepalive_s,
                                      clean_start=self.session.clean if self.protocol == 5 else 3,
                                      properties=self._connect_props)
        except (OSError, ValueError) as exc:
            raise MqttError(f"cannot connect to {self.url.host}:{self.url.port}: {exc}") from exc
        self.client.loop_start()

    def reconnect(self) -> None:
        """Disconnect cleanly and connect again with the same session (no Last Will): a broker that stopped
        delivering to this connection starts afresh, and redelivers what was not acknowledged."""
        self.disconnect()
        self._start()

    def backlog(self) -> int:
        """Messages held in this process on their way out: QoS 1 messages the broker has not acknowledged
        and packets not yet written to the socket. A caller that could shed (a refusal) checks this first:
        under a flood each of them is memory. One never acknowledged (lost across a broker restart) stops
        counting after OUTGOING_STALE_S, and a sweep drops acknowledged ones from behind an old one."""
        now = time.monotonic()
        with self._out_lock:
            waiting = self._outgoing
            while waiting and (_settled(waiting[0][1]) or now - waiting[0][0] > OUTGOING_STALE_S):
                waiting.popleft()
            if len(waiting) > OUTGOING_SWEEP_AT:
                self._outgoing = waiting = collections.deque(e for e in waiting if not _settled(e[1]))
            unacked = len(waiting)
        # paho (pinned < 3) keeps unwritten packets in `_out_packet`; it has no public count of them
        return unacked + len(getattr(self.client, "_out_packet", ()))

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False,
                props: PublishProps | None = None, wait: bool = False) -> Callable[[float], None]:
        """Publish; with wait, return only once the broker acknowledged it (QoS 1). Returns a function that
        waits for that acknowledgement (at most its argument in seconds), for callers that keep a window."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=self._properties(props))
        if qos > 0 and info.rc in (self._mqtt.MQTT_ERR_SUCCESS, self._mqtt.MQTT_ERR_NO_CONN):
            with self._out_lock:
                self._outgoing.append((time.monotonic(), info))
        if info.rc not in (self._mqtt.MQTT_ERR_SUCCESS, self._mqtt.MQTT_ERR_NO_CONN):
            self._check(info.rc, f"publish {topic}")

        def wait_for_ack(timeout: float = PUBLISH_ACK_TIMEOUT_S) -> None:
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as exc:
                raise MqttError(f"publish to {topic} not acknowledged: {exc}") from exc
            if not info.is_published():
                raise MqttError(f"publish to {topic} not acknowledged within {timeout:.0f}s")
        if wait:
            wait_for_ack()
        return wait_for_ack

    def _properties(self, props: PublishProps | None):
        if self.protocol != 5 or props is None or props == PublishProps():
            return None
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        paho_props = Properties(PacketTypes.PUBLISH)
        if props.correlation_data is not None:
            paho_props.CorrelationData = props.correlation_data
        if props.expiry_s is not None:
            paho_props.MessageExpiryInterval = props.expiry_s
        if props.response_topic is not None:
            paho_props.ResponseTopic = props.response_topic
        if props.content_type is not None:
            paho_props.ContentType = props.content_type
        return paho_props

    def ack(self, mid: int, qos: int) -> None:
        """Acknowledge a received QoS 1 message, once: a second ack of the same delivery is a no-op."""
        if qos == 0:
            return
        with self._lock:
            if mid not in self._unacked_mids:
                return
            self._unacked_mids.discard(mid)
        self.client.ack(mid, qos)

    def disconnect(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def _check(self, rc: int, what: str) -> None:
        if rc != self._mqtt.MQTT_ERR_SUCCESS:
            raise MqttError(f"{what} failed: {self._mqtt.error_string(rc)}")
