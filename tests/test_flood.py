"""A flood must cost the agent bounded memory: every QoS 1 message on its way out is held in this process
until the broker acknowledges it, so while too many are, refusals (and repeats answered from the cache) are
not sent and real answers go at QoS 0.
The bound itself is measured by `benchmarks/resilience_bench.py --flood`, not here."""

from __future__ import annotations

import os
import signal

from mqtt_helpers import Listener, until

from edge_agent.fronts.outbox import SHED_BACKLOG, send
from edge_agent.inference.jobs import ReplyTarget
from edge_agent.transport.mqtt import Connection
from edge_agent.transport.session import BrokerUrl
from edgelm.demo_broker import Mosquitto


def test_refusals_are_shed_while_the_broker_holds_back_acknowledgements():
    with Mosquitto() as broker:
        listener = Listener(broker).subscribe("edgelm/reply/shed/#")
        conn = Connection(BrokerUrl.from_url(broker.url), "shed-test")
        conn.connect()
        target = ReplyTarget(conn, "edgelm/reply/shed/r", None, 0, 0)
        try:
            assert send(target, b'{"refused": 1}', refusal=True)  # QoS 0 when nothing is waiting
            assert listener.get(timeout=5).payload == b'{"refused": 1}'
            assert send(target, b'{"answer": 0}')
            os.kill(broker.proc.pid, signal.SIGSTOP)  # no acknowledgement comes back
            try:
                for _ in range(SHED_BACKLOG + 1):
                    conn.publish("edgelm/reply/shed/answer", b"a real answer", qos=1)
                assert conn.backlog() > SHED_BACKLOG
                assert not send(target, b'{"refused": 2}', refusal=True)  # shed, not queued
                assert not send(target, b'{"repeat": 1}', repeat=True)
                assert send(target, b'{"answer": 1}')  # a real answer is never shed, but held neither
            finally:
                os.kill(broker.proc.pid, signal.SIGCONT)
            until(lambda: conn.backlog() == 0, "the broker to acknowledge everything it was sent")
            got = {m.payload: m.qos for m in listener.drain(1.0)}
            assert b'{"refused": 2}' not in got
            assert b'{"repeat": 1}' not in got
            assert got[b'{"answer": 0}'] == 1  # the subscription is QoS 1: what arrives at 0 was sent at 0
            assert got[b'{"answer": 1}'] == 0
        finally:
            conn.disconnect()
            listener.close()


def test_the_backlog_survives_messages_published_while_disconnected():
    """paho's is_published() raises for a message published while disconnected; counting it must not (a
    broker restart once left answers unsent this way: the SIGKILL chaos test lost requests)."""
    conn = Connection(BrokerUrl.from_url("mqtt://127.0.0.1:1"), "never-connected")
    conn.publish("edgelm/reply/x/r", b"queued while away", qos=1)
    assert conn.backlog() == 0  # not acknowledged, but never to be counted as waiting
    target = ReplyTarget(conn, "edgelm/reply/x/r", None, 0, 0)
    assert send(target, b'{"repeat": 1}', repeat=True)
