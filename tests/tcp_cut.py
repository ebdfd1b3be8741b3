"""A TCP forwarder on loopback whose link can be cut: every open connection dropped and new ones refused
for a while, as when the uplink between two sites fails. Used between a Mosquitto bridge and its remote.
With delay_s every byte arrives that much later each way (a broker across a slow network), in order."""

from __future__ import annotations

import asyncio
import threading


class CuttableLink:
    def __init__(self, target_port: int, delay_s: float = 0.0):
        self.target_port = target_port
        self.delay_s = delay_s
        self.port = 0
        self.up = True
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        if not self._ready.wait(5):
            raise AssertionError("the cuttable TCP link did not start listening within 5 s")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._loop.run_forever()

    async def _start(self) -> None:
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        sender = asyncio.ensure_future(self._send_later(held, writer))
        try:
            while self.up and (data := await reader.read(65536)):
                held.put_nowait((self._loop.time() + self.delay_s, data))
        except (ConnectionError, OSError):
            pass
        finally:
            held.put_nowait((0.0, b""))
            await sender

    async def _send_later(self, held: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter) -> None:
        try:
            while self.up and (item := await held.get())[1]:
                await asyncio.sleep(max(0.0, item[0] - self._loop.time()))
                writer.write(item[1])
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)

    def cut(self) -> None:
        """Drop every connection now; refuse new ones until restore()."""
        def drop() -> None:
            self.up = False
            for writer in list(self._writers):
                writer.transport.abort()
        self._loop.call_soon_threadsafe(drop)

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(lambda: setattr(self, "up", True))
