"""What travels from a route through the queue to the worker and back: a job and where its answer goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from edge_agent.protocol.hermes import NluQuery
from edge_agent.protocol.messages import Chunk, ErrorResponse, Request, Response
from edge_agent.transport.mqtt import Connection


@dataclass
class ReplyTarget:
    """Where one asker's answer goes, and which message to acknowledge once it has left."""

    conn: Connection
    topic: str
    correlation: bytes | None
    mid: int
    qos: int


@dataclass
class LocalTarget:
    """An asker inside the process (the Wyoming server): the answer is handed to `answer`, from the
    worker's thread; nothing is published or acknowledged."""

    answer: Callable[[Response | ErrorResponse], None]


@dataclass
class Job:
    request: Request
    arrived: float  # time.monotonic() when it came off the wire
    target: ReplyTarget | LocalTarget  # the first asker's (streaming chunks go there)
    cache_key: str | None  # the de-duplication key; None: answered once, never cached
    digest: str = ""  # of the request's content: a repeat of the key with another digest is a conflict
    expires_at: float | None = None  # monotonic; from MQTT 5 Message Expiry
    deadline: float | None = None  # epoch seconds; from the request's deadline field
    hermes: NluQuery | None = None  # set when the request came from hermes/nlu/query
    warning: str | None = None  # told to the asker with the answer (e.g. no id: no de-duplication)

    def expired(self, now_mono: float, now_wall: float) -> bool:
        return ((self.expires_at is not None and now_mono >= self.expires_at)
                or (self.deadline is not None and now_wall >= self.deadline))


Answer = Response | ErrorResponse


@dataclass(frozen=True)
class Clock:
    """Where the router and the worker read the time: arrival, expiry, latency. A test moves it instead
    of sleeping past an expiry."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


@dataclass
class Delivery:
    job: Job
    answer: Answer
    remember: bool  # False (e.g. 'overloaded'): a later retry of the same request runs for real


class Replies(Protocol):
    """Where the worker hands its answers (the router)."""

    def deliver(self, answers: list[Delivery]) -> None:
        """Answer every asker of each job; remember each answer for repeats unless told not to."""

    def send_chunk(self, job: Job, chunk: Chunk) -> None:
        """One streamed piece of a generation, to the first asker."""
