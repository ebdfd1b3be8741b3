"""Read every retained message under some topic filters, to a deterministic end (no "quiet period").

A broker sends a subscription's retained messages right after its SUBACK, on the same connection, in
order. So: subscribe to the filters and to a private echo topic (QoS 1, one in-flight queue), wait for every
SUBACK, then publish once to the echo topic: when the echo comes back, every retained message that was there
has been delivered before it. Used by `edgelm ask` (is the device online?) and meant for every CLI command
that needs "all the statuses there are".

The echo topic is `<prefix>/echo/<user>/<id>`: the broker config `edgelm broker config` writes lets every
login read and write its own echo topics (user: the URL's username, else the client certificate's common
name, which that config makes the login, else the client id).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

from edge_agent.transport.mqtt import Connection, Message, MqttError

ECHO_TIMEOUT_S = 5.0


def echo_topic(prefix: str, user: str) -> str:
    return f"{prefix}/echo/{user}/{uuid.uuid4().hex}"


def login(conn: Connection) -> str:
    """The name the broker knows this connection by (use_identity_as_username for certificates)."""
    if conn.url.username:
        return conn.url.username
    if conn.tls.cert_file:
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        cert = x509.load_pem_x509_certificate(Path(conn.tls.cert_file).read_bytes())
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if names:
            return str(names[0].value)
    return conn.client_id


def read_retained(conn: Connection, filters: Iterable[str], prefix: str = "edgelm",
                  timeout: float = ECHO_TIMEOUT_S) -> dict[str, bytes]:
    """Topic -> payload of every retained message under `filters` on a connected `conn`, updated by any
    live message before the echo (an empty payload clears a topic). Raises MqttError if the echo does not
    come back."""
    found: dict[str, bytes] = {}
    echoed = threading.Event()
    lock = threading.Lock()

    def keep(msg: Message) -> None:
        with lock:
            if msg.payload:
                found[msg.topic] = msg.payload
            else:
                found.pop(msg.topic, None)

    echo = echo_topic(prefix, login(conn))
    undo = [conn.subscribe(echo, lambda msg: echoed.set(), qos=1)]
    try:
        undo += [conn.subscribe(f, keep, qos=1) for f in filters]  # each returns after its SUBACK
        conn.publish(echo, b"", qos=1)
        if not echoed.wait(timeout):
            raise MqttError(f"the broker did not echo {echo} within {timeout:.0f}s "
                            "(its ACL must let this login read and write its own echo topic)")
    finally:
        for unsubscribe in undo:
            unsubscribe()
    with lock:
        return dict(found)
