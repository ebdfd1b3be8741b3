"""A private Mosquitto on loopback (free port, own config and temp dir), for the demo, tests and
benchmarks. Readiness is probed with a real MQTT CONNECT, not a TCP connect."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from edgelm.children import die_with_parent

READY_TIMEOUT_S = 10.0


class BrokerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)), None)


def mqtt_ready(host: str, port: int, timeout: float = 1.0, protocol: int = 5) -> bool:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                         protocol=mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311)
    try:
        client.connect(host, port, keepalive=5)
        client.loop_start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if client.is_connected():
                return True
            time.sleep(0.005)
        return False
    except OSError:
        return False
    finally:
        client.loop_stop()
        client.disconnect()


class Mosquitto:
    protocol = 5

    def __init__(self, extra_config: str = "", port: int | None = None, per_listener_settings: bool = False,
                 die_with_parent: bool = False):
        """die_with_parent: the broker ends when this process does, even killed (the demo's broker); run as
        root it then stays root, since dropping to user mosquitto would cancel that."""
        binary = mosquitto_binary()
        if binary is None:
            raise BrokerError("mosquitto is not installed (Debian/Ubuntu: apt-get install mosquitto)")
        self.binary = binary
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.extra_config = extra_config
        self.per_listener_settings = per_listener_settings
        self.dir = Path(tempfile.mkdtemp(prefix="edgelm-mosquitto-"))
        self.proc: subprocess.Popen | None = None
        self.die_with_parent = die_with_parent

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def _write_config(self) -> Path:
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            ("per_listener_settings true\n" if self.per_listener_settings else "")
            + f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "set_tcp_nodelay true\n"
            "persistence true\n"
            f"persistence_location {self.dir}/\n"
            "max_queued_messages 10000\n"
            "max_inflight_messages 100\n"
            f"log_dest file {self.dir}/mosquitto.log\n"
            + ("user root\n" if self.die_with_parent and os.geteuid() == 0 else "")
            + f"{self.extra_config}\n"
        )
        self._hand_over()
        return conf

    def _hand_over(self) -> None:
        if os.geteuid() == 0:  # run as root, mosquitto drops to user mosquitto: it must own its files
            try:
                user = pwd.getpwnam("mosquitto")
            except KeyError:
                return
            for path in (self.dir, *self.dir.iterdir()):
                os.chown(path, user.pw_uid, user.pw_gid)

    def start(self) -> Mosquitto:
        conf = self._write_config()
        self.proc = subprocess.Popen([self.binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE,
                                     preexec_fn=die_with_parent() if self.die_with_parent else None)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise BrokerError(f"mosquitto exited at start: {err.strip() or self.log()[-500:]}")
            if self._ready():
                return self
            time.sleep(0.01)
        self.stop()
        raise BrokerError(f"mosquitto not ready on port {self.port} after {READY_TIMEOUT_S:.0f}s")

    def _ready(self) -> bool:
        return mqtt_ready(self.host, self.port, timeout=0.5)

    def log(self) -> str:
        try:
            return (self.dir / "mosquitto.log").read_text()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ConfiguredMosquitto(Mosquitto):
    """Mosquitto on a configuration written elsewhere (`edgelm broker config`), TLS-only: ready once a TLS
    CONNECT gets any CONNACK, even a refusal (no login is needed to see the broker answer)."""

    def __init__(self, conf: Path, port: int, ca_file: Path, probe_login: tuple[Path, Path] | None = None):
        """probe_login: a client certificate and key, where the broker takes no login without one."""
        super().__init__(port=port)
        self.conf, self.ca_file, self.probe_login = conf, ca_file, probe_login

    def _write_config(self) -> Path:
        return self.conf

    def _ready(self) -> bool:
        return connack(self.host, self.port, ca_file=self.ca_file, client_cert=self.probe_login) is not None


def connack(host: str, port: int, username: str | None = None, password: str | None = None,
            ca_file: Path | None = None, client_cert: tuple[Path, Path] | None = None,
            timeout: float = 1.0) -> str | None:
    """The broker's CONNACK reason ("Success", "Not authorized", ...) to one CONNECT; None: no CONNACK."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    answers: list[str] = []
    client.on_connect = lambda c, u, flags, reason, props: answers.append(str(reason))
    if username:
        client.username_pw_set(username, password)
    if ca_file is not None:
        cert, key = client_cert or (None, None)
        client.tls_set(ca_certs=str(ca_file), certfile=str(cert) if cert else None, keyfile=str(key) if key else None)
    try:
        client.connect(host, port, keepalive=5)
    except (OSError, ValueError):
        return None
    client.loop_start()
    deadline = time.monotonic() + timeout
    while not answers and time.monotonic() < deadline:
        time.sleep(0.005)
    client.loop_stop()
    client.disconnect()
    return answers[0] if answers else None
