"""Notices a connection the broker has stopped delivering to, and reconnects it.

Mosquitto 2.0 counts a QoS 1 message it drops for the client's Maximum Packet Size against the
connection's in-flight quota and never gives it back: after `max_inflight_messages` oversized messages
(20 by default) nothing more is delivered until the client reconnects. So an agent sends itself a QoS 1
probe now and then, through the same session; if neither the probe nor any other message arrives
within the interval, the session is stalled and a clean reconnect (same session) starts it afresh."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from edge_agent.transport.mqtt import Connection, Message

log = logging.getLogger(__name__)


class DeliveryWatchdog(threading.Thread):
    def __init__(self, conn: Connection, topic: str, interval_s: float, on_stall: Callable[[], None] | None = None):
        super().__init__(name=f"edgelm-watchdog-{topic}", daemon=True)
        self.conn = conn
        self.topic = topic
        self.interval_s = interval_s
        self.on_stall = on_stall  # counted by the agent
        self.stopping = threading.Event()
        self._nonce = b""
        self._back = threading.Event()
        conn.subscribe(topic, self._on_probe, qos=1)

    def _on_probe(self, msg: Message) -> None:
        self.conn.ack(msg.mid, msg.qos)
        if msg.payload == self._nonce:  # probes from before a restart are only acknowledged
            self._back.set()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # the watchdog must not die of a failed publish or reconnect
                log.exception("delivery check failed")

    def check(self) -> bool:
        """Probe once; True when the connection delivers. Reconnects it when it does not."""
        if not self.conn.ready.is_set():
            return True  # disconnected: paho is already reconnecting
        self._nonce = uuid.uuid4().hex.encode()
        self._back.clear()
        sent = time.monotonic()
        self.conn.publish(self.topic, self._nonce, qos=1)
        if self._back.wait(self.interval_s) or self.conn.last_message_at > sent or self.stopping.is_set():
            return True  # the probe came back, or other messages still arrive (a long backlog)
        log.warning("the broker stopped delivering to %s; reconnecting", self.conn.client_id)
        if self.on_stall is not None:
            self.on_stall()
        self.conn.reconnect()
        return False
