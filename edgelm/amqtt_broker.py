"""An in-process amqtt broker (pure Python, MQTT 3.1.1) for `edgelm demo` on machines without Mosquitto.
It runs its own asyncio loop on a daemon thread; clients connect to it over loopback TCP as to any broker."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from edgelm.demo_broker import READY_TIMEOUT_S, BrokerError, free_port, mqtt_ready

PROTOCOL = 4  # amqtt speaks MQTT 3.1.1 only; agent and client must use it too


class AmqttBroker:
    protocol = PROTOCOL

    def __init__(self, port: int | None = None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def _config(self) -> dict:
        return {"listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
                "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}}}

    def _serve(self) -> None:
        try:
            from amqtt.broker import Broker
        except ImportError as exc:
            self._error = BrokerError("no MQTT broker: install mosquitto (apt-get install mosquitto) "
                                      "or the pure-Python fallback: pip install 'edgelm[intents]'")
            self._error.__cause__ = exc
            return
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # amqtt looks the loop up in places that ignore the one passed in
        self._loop = loop

        async def boot() -> None:
            broker = Broker(self._config(), loop=loop)
            self._broker = broker
            await broker.start()

        try:
            loop.run_until_complete(boot())
            loop.run_forever()
        except BaseException as exc:  # reported to start(), which raises it in the caller's thread
            self._error = exc
        finally:
            loop.close()

    def start(self) -> AmqttBroker:
        self._thread = threading.Thread(target=self._serve, name="amqtt-broker", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._error is not None or not self._thread.is_alive():
                raise BrokerError(f"amqtt broker failed to start: {self._error}") from self._error
            if mqtt_ready(self.host, self.port, timeout=0.5, protocol=PROTOCOL):
                return self
            time.sleep(0.02)
        self.stop()
        raise BrokerError(f"amqtt broker not ready on port {self.port} after {READY_TIMEOUT_S:.0f}s")

    def stop(self) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or broker is None or not loop.is_running():
            return
        with contextlib.suppress(Exception):  # a broker that fails to shut down cleanly is still stopped below
            asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> AmqttBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_private_broker(prefer: str = "auto"):
    """Mosquitto on a free port where installed (ending with this process, even killed), else the in-process
    amqtt broker (MQTT 3.1.1)."""
    from edgelm.demo_broker import Mosquitto, mosquitto_binary

    if prefer == "mosquitto" or (prefer == "auto" and mosquitto_binary() is not None):
        return Mosquitto(die_with_parent=True).start()
    return AmqttBroker().start()
