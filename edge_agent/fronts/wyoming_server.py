"""Home Assistant's Assist reaches the agent here: a Wyoming intent service (the protocol of the PyPI
`wyoming` package, which HA's `wyoming` integration speaks). HA opens a TCP connection per sentence,
sends `describe` once to learn what we are, then a `transcript`; we answer `intent` (with HA's own slot
names, see ha_schema) or `not-recognized`.

The server runs its own asyncio loop in a thread beside the MQTT connections, and puts every sentence on
the worker's queue through the router: one model in memory, the same batches and the same telemetry.
Reading is bounded (header line, data and payload sizes), so no event a client sends can grow memory
without limit or stop the server; a bad event gets an `error` event, and only an event whose framing
cannot be trusted closes its own connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from edge_agent.fronts.wyoming_connections import Connections, WyomingLimits, error_bytes
from edge_agent.fronts.wyoming_intent import intent_event, refusal_events
from edge_agent.fronts.wyoming_uri import WyomingUri
from edge_agent.home.ha_states import HaStates
from edge_agent.home.language import guess_language
from edge_agent.home.slots import HomeEntities
from edge_agent.inference.jobs import Answer
from edge_agent.protocol import strict
from edge_agent.protocol.messages import ErrorResponse

try:  # imported only when wyoming_uri is set: the agent runs without the package otherwise
    from wyoming.asr import Transcript
    from wyoming.error import Error
    from wyoming.event import Event, async_write_event
    from wyoming.info import Describe
    from wyoming.intent import Recognize
    from wyoming.ping import Ping, Pong
except ImportError as exc:
    raise ImportError("the Wyoming service needs the `wyoming` package: pip install 'edgelm[assist]'") from exc

log = logging.getLogger(__name__)
MAX_LINE_BYTES = 64 * 1024  # an event's JSON header line
MAX_DATA_BYTES = 64 * 1024  # its extra JSON data (data_length)
MAX_PAYLOAD_BYTES = 1024 * 1024  # its binary payload (audio, which an intent service never needs)
ANSWER_TIMEOUT_S = 30.0
HANG_UP_S, HANG_UP_READS = 2.0, 64  # what is read and dropped after a framing error, at most


class FramingError(ValueError):
    """The stream cannot be read on from here (an event's length fields are not to be trusted)."""


async def read_event(reader: asyncio.StreamReader):
    """The next event, None at the end of the stream. ValueError: a bad event that was read whole (the
    stream goes on); FramingError: the stream cannot go on."""
    try:
        line = await reader.readline()
    except ValueError as exc:  # asyncio's limit: a header line over MAX_LINE_BYTES
        raise FramingError(f"event header over {MAX_LINE_BYTES} bytes") from exc
    if not line:
        return None
    try:  # the agent's one strict JSON: no lone surrogates, no NaN, no duplicate keys, bounded nesting
        header = strict.loads(line)
    except strict.PayloadError as exc:
        raise ValueError(f"event header: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise ValueError("event header must be a JSON object with a string `type`")
    data_length, payload_length = _length(header, "data_length", MAX_DATA_BYTES), _length(header, "payload_length",
                                                                                          MAX_PAYLOAD_BYTES)
    data = header.get("data") or {}
    extra = await reader.readexactly(data_length) if data_length else b""
    payload = await reader.readexactly(payload_length) if payload_length else None
    if extra:
        try:
            more = strict.loads(extra)
        except strict.PayloadError as exc:
            raise ValueError(f"event data: {exc}") from exc
        if not isinstance(more, dict):
            raise ValueError("event data must be a JSON object")
        data = {**data, **more} if isinstance(data, dict) else more
    if not isinstance(data, dict):
        raise ValueError("event data must be a JSON object")
    return Event(type=header["type"], data=data, payload=payload)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Close after an error the client must see: closing with its unread bytes still queued would send
    a TCP reset, which can discard the error. So half-close, and drop what it still sends (bounded)."""
    async def drop_the_rest() -> None:
        for _ in range(HANG_UP_READS):
            if not await reader.read(65536):
                return

    if writer.can_write_eof():
        writer.write_eof()
    with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
        await asyncio.wait_for(drop_the_rest(), HANG_UP_S)  # asyncio.timeout needs Python 3.11


def _length(header: dict, key: str, limit: int) -> int:
    value = header.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FramingError(f"{key} must be a non-negative integer")
    if value > limit:
        raise FramingError(f"{key} {value} is over the limit of {limit} bytes")
    return value


class WyomingServer:
    """`submit(text, answer)` queues a sentence (Router.submit_local); `describe()` gives the Info event
    of the model being served now (it may change with an over-the-air update)."""

    def __init__(self, uri: WyomingUri, submit: Callable[[str, Callable[[Answer], None]], None],
                 describe: Callable[[], Any], zeroconf_name: str | None = None, limits: WyomingLimits | None = None,
                 home: Callable[[], HomeEntities] = HomeEntities, states: HaStates | None = None):
        """home: the home's names now (a reloaded home_file changes them), what intents are aimed at;
        states: Home Assistant's, live, for replies that speak one (started and stopped with the server)."""
        self.uri = uri
        self.home = home
        self.states = states
        self.limits = limits or WyomingLimits()
        self.open = Connections(self.limits.max_connections)
        self.submit = submit
        self.describe = describe
        self.zeroconf_name = zeroconf_name
        self.port = uri.port  # the bound port (when uri.port is 0)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="edgelm-wyoming", daemon=True)
        self._stopping: asyncio.Event | None = None
        self.connections = 0

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        self._ready.wait(timeout)
        if self._error is not None:
            raise OSError(f"cannot serve Wyoming on {self.uri.host}:{self.uri.port}: {self._error}")
        log.info("Wyoming intent service on tcp://%s:%d", self.uri.host, self.port)
        if self.states is not None:
            self.states.start()

    def stop(self) -> None:
        if self._thread.ident is None:  # never started
            return
        if self.states is not None:
            self.states.stop()
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(5.0)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.set_exception_handler(self._loop_error)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # bind failures surface in start()
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, self.uri.host, self.uri.port, limit=MAX_LINE_BYTES)
        self.port = server.sockets[0].getsockname()[1]
        announcer = await self._announce() if self.zeroconf_name else None
        self._ready.set()
        async with server:
            await self._stopping.wait()
        # Stopping: every open connection ends here, inside the loop, before the loop closes
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if announcer is not None:
            await announcer.async_close()

    async def _announce(self):
        from edge_agent.fronts.wyoming_zeroconf import announce

        return await announce(self.zeroconf_name or "edgelm", self.uri.host, self.port)

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """asyncio's own reports (e.g. accept() out of file descriptors, retried every second): rate-limited."""
        self.open.note("Wyoming server: %s", context.get("message") or context.get("exception"))

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open.admit(writer):
            writer.close()
            return
        self.connections += 1
        try:
            await self._events(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away mid-event
        except Exception:  # a bug: this connection ends, the server goes on
            log.exception("Wyoming connection failed")
        finally:
            self.connections -= 1
            self.open.close(writer)
            writer.close()

    async def _events(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                event = await asyncio.wait_for(read_event(reader), self.limits.idle_s)
            except asyncio.TimeoutError:
                writer.write(error_bytes(f"no complete event within {self.limits.idle_s:g} s", "timeout"))
                return
            except FramingError as exc:
                await async_write_event(Error(text=str(exc), code="too-large").event(), writer)
                await _hang_up(reader, writer)
                return
            except ValueError as exc:
                await async_write_event(Error(text=str(exc), code="bad-event").event(), writer)
                continue
            if event is None:
                return
            self.open.busy(writer, True)
            try:
                reply = await self._reply(event)
            finally:
                self.open.busy(writer, False)
            for answer in reply if isinstance(reply, list) else [reply] if reply is not None else []:
                await async_write_event(answer, writer)

    async def _reply(self, event):
        if Describe.is_type(event.type):
            return self.describe().event()
        if Ping.is_type(event.type):
            return Pong(text=event.data.get("text")).event()
        if Transcript.is_type(event.type) or Recognize.is_type(event.type):
            text, context, language = (event.data.get(k) for k in ("text", "context", "language"))
            if not isinstance(text, str) or not text.strip():
                return Error(text=f"{event.type} needs a non-empty `text`", code="bad-event").event()
            return await self._recognize(text, context if isinstance(context, dict) else None,
                                         language if isinstance(language, str) else None)
        log.debug("ignoring Wyoming event %r", event.type[:64])  # the protocol says: ignore what you do not know
        return None

    async def _recognize(self, text: str, context: dict | None, language: str | None):
        loop = asyncio.get_running_loop()
        answered: asyncio.Future = loop.create_future()

        def settle(result: Answer) -> None:
            if not answered.done():  # a timed-out wait has cancelled it
                answered.set_result(result)

        def answer(result: Answer) -> None:  # the worker's thread
            loop.call_soon_threadsafe(settle, result)

        self.submit(text, answer)
        language = language or guess_language(text)  # HA 2025.4 sends none: the words tell
        try:
            result = await asyncio.wait_for(answered, ANSWER_TIMEOUT_S)
        except asyncio.TimeoutError:
            log.warning("no answer within %.0f s", ANSWER_TIMEOUT_S)
            return refusal_events("timeout", context, language)
        if isinstance(result, ErrorResponse):  # its message is for logs; HA speaks words for a person
            log.info("Wyoming sentence refused: %s (%s)", result.code.value, result.message)
            return refusal_events(result.code.value, context, language)
        return intent_event(result, context, language, text, self.home(),
                            self.states.get if self.states is not None else None)
