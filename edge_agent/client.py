"""A small client, as a home-automation system would use it: send a request, get exactly one answer.

It retries an unanswered request with the same id (the agent answers a repeat from its cache) and
keeps only the first answer per id, so a retry that reached another agent of a group changes nothing.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from edge_agent.once.request_cache import RecentIds
from edge_agent.transport.mqtt import Connection, Message, PublishProps, TlsFiles
from edge_agent.transport.session import BrokerUrl

DEFAULT_TIMEOUT_S = 5.0
ANSWERED_MEMORY = 2048  # ids whose late duplicates are recognised (a retry that reached two agents)


class RequestTimeout(TimeoutError):
    pass


class Reply(Future):
    """The answer to come, plus what is needed to re-send the same request."""

    def __init__(self, request_id: str, payload: dict[str, Any], topic: str, expiry_s: int | None):
        super().__init__()
        self.request_id = request_id
        self.payload = payload
        self.topic = topic
        self.expiry_s = expiry_s


class EdgeClient:
    def __init__(self, broker: str, protocol: int = 5, prefix: str = "edgelm", client_id: str | None = None,
                 ca_file: str | None = None, sender: str | None = None, tls: TlsFiles | None = None):
        """broker: mqtt[s]://[user:password@]host[:port].

        tls: CA, client certificate and key (a broker that logs in by certificate); else ca_file alone.
        sender: publish to `<prefix>/ID/request/<sender>` and take answers under `<prefix>/reply/<sender>/`
        (for agents with require_sender, behind a broker ACL that ties the sender to the user)."""
        url = BrokerUrl.from_url(broker)
        self.client_id = client_id or f"edgelm-client-{uuid.uuid4().hex[:10]}"
        self.prefix = prefix
        self.protocol = protocol
        if sender is not None and (not sender or any(c in sender for c in "/+#")):
            raise ValueError(f"sender {sender!r} must be one topic level: non-empty, without /, + or #")
        self.sender = sender
        replies = f"{prefix}/reply/{sender}/{self.client_id}" if sender else f"{prefix}/reply/{self.client_id}"
        self.reply_topic = f"{replies}/r"
        self.conn = Connection(url, self.client_id, protocol, tls=tls or TlsFiles(ca_file))
        self.conn.subscribe(f"{replies}/#", self._on_message, qos=1)
        self._pending: dict[str, Reply] = {}
        self._chunks: dict[str, Callable[[dict], None]] = {}
        self.answered = RecentIds(ANSWERED_MEMORY)  # bounded: a long-running client must not grow
        self._lock = threading.Lock()
        self.dropped_duplicates = 0
        self.resent = 0  # requests sent again after a timeout (same id)

    def connect(self, timeout: float = 10.0) -> EdgeClient:
        self.conn.connect(timeout=timeout)
        return self

    def close(self) -> None:
        self.conn.disconnect()

    def __enter__(self) -> EdgeClient:
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    def _on_message(self, msg: Message) -> None:
        try:
            data = json.loads(msg.payload)
        except ValueError:
            return
        rid = data.get("id") if isinstance(data, dict) else None
        if rid is None and msg.correlation_data:
            rid = msg.correlation_data.decode(errors="replace")
        if not isinstance(rid, str):
            return
        if "delta" in data and "index" in data:
            callback = self._chunks.get(rid)
            if callback is not None:
                callback(data)
            return
        with self._lock:
            future = self._pending.get(rid)
            if future is None or not self.answered.add(rid):
                self.dropped_duplicates += 1
                return
        future.set_result(data)

    def topic_for(self, device: str | None = None, group: str | None = None) -> str:
        if bool(device) == bool(group):
            raise ValueError("give exactly one of device or group")
        topic = f"{self.prefix}/{device}/request" if device else f"{self.prefix}/group/{group}/request"
        return f"{topic}/{self.sender}" if self.sender else topic

    def send(self, text: str, device: str | None = None, group: str | None = None, request_id: str | None = None,
             on_chunk: Callable[[dict], None] | None = None, expiry_s: int | None = None, **fields: Any) -> Reply:
        """Publish one request; the Future resolves to the first answer (a response or an error dict)."""
        rid = request_id or uuid.uuid4().hex
        payload: dict[str, Any] = {"v": 1, "id": rid, "text": text, **fields}
        if self.protocol != 5:
            payload["reply_to"] = self.reply_topic
        future = Reply(rid, payload, self.topic_for(device, group), expiry_s)
        with self._lock:
            self._pending[rid] = future
            self.answered.discard(rid)
        if on_chunk is not None:
            self._chunks[rid] = on_chunk
        self._publish(future)
        return future

    def _publish(self, reply: Reply) -> None:
        mqtt5 = self.protocol == 5  # MQTT 3.1.1 has no properties: the payload's reply_to says it
        props = PublishProps(reply.request_id.encode(), self.reply_topic, reply.expiry_s) if mqtt5 else None
        self.conn.publish(reply.topic, json.dumps(reply.payload).encode(), qos=1, props=props)

    def wait(self, future: Reply, timeout: float = DEFAULT_TIMEOUT_S, retries: int = 2) -> dict:
        """Wait for the answer, re-sending the same request (same id) after each timeout."""
        rid = future.request_id
        try:
            for attempt in range(retries + 1):
                try:
                    return future.result(timeout=timeout)
                except FutureTimeout:
                    if attempt < retries:
                        self.resent += 1
                        self._publish(future)
            raise RequestTimeout(f"no answer to request {rid} after {retries + 1} tries of {timeout:.1f}s")
        finally:
            with self._lock:
                self._pending.pop(rid, None)
            self._chunks.pop(rid, None)

    def request(self, text: str, device: str | None = None, group: str | None = None,
                timeout: float = DEFAULT_TIMEOUT_S, retries: int = 2, **fields: Any) -> dict:
        return self.wait(self.send(text, device, group, **fields), timeout, retries)
