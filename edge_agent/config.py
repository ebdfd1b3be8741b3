"""Agent configuration: TOML file, then EDGELM_* environment overrides, then command-line values."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import unquote, urlparse

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

RESERVED_IDS = ("group", "reply")
SCHEMES = {"mqtt": False, "mqtts": True, "tcp": False, "ssl": True}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class BrokerUrl:
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> BrokerUrl:
        """mqtt://[user:pass@]host[:1883] or mqtts://host[:8883]; nothing else."""
        parsed = urlparse(url if "://" in url else f"mqtt://{url}")
        if parsed.scheme not in SCHEMES:
            raise ConfigError(f"broker URL scheme {parsed.scheme!r} not supported; use one of: mqtt://, mqtts://")
        tls = SCHEMES[parsed.scheme]
        if not parsed.hostname:
            raise ConfigError(f"broker URL {url!r} has no host")
        try:
            port = parsed.port or (8883 if tls else 1883)
        except ValueError as exc:
            raise ConfigError(f"broker URL {url!r} has an invalid port") from exc
        return cls(parsed.hostname, port, tls, unquote(parsed.username) if parsed.username else None,
                   unquote(parsed.password) if parsed.password else None)


@dataclass
class AgentConfig:
    bundle: str = ""
    broker: str = "mqtt://localhost:1883"
    device_id: str = field(default_factory=lambda: socket.gethostname().split(".")[0].lower())
    group: str | None = None
    prefix: str = "edgelm"
    protocol: int = 5  # 5 or 4 (MQTT 3.1.1)
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    trust_key: str | None = None  # ed25519 public key; when set, bundles must be signed
    device: str | None = None  # profile name; detected when empty
    threads: int = 0  # 0: the profile's
    ort_spinning: bool = True  # spinning idle ORT threads: lowest latency; off: more throughput on few cores
    max_batch: int = 8
    max_wait_ms: float = 0.0  # 0: batch what queued up during the last run, never delay a lone request
    max_queue: int = 64
    max_payload_bytes: int = 16384
    max_text_chars: int = 2000
    dedup_size: int = 2048
    session_expiry_s: int = 86400
    telemetry_interval_s: float = 30.0
    keepalive_s: int = 30
    log_level: str = "INFO"
    discovery: bool = True  # Home Assistant MQTT discovery of the agent's sensors
    discovery_prefix: str = "homeassistant"
    hermes: bool = True  # answer Rhasspy/Snips hermes/nlu/query (intent bundles only)
    # below it: hermes/nlu/intentNotRecognized; < 0 means the bundle's calibrated OOD threshold (else 0.5)
    hermes_min_confidence: float = -1.0

    def validate(self) -> AgentConfig:
        if not self.bundle:
            raise ConfigError("no bundle configured (bundle = \"...\" or --bundle)")
        if self.device_id in RESERVED_IDS or not self.device_id or any(c in self.device_id for c in "/+#"):
            raise ConfigError(f"device id {self.device_id!r} is reserved or has /, + or #")
        if self.group is not None and (not self.group or any(c in self.group for c in "/+#")):
            raise ConfigError(f"group {self.group!r} must be non-empty without /, + or #")
        if self.protocol not in (4, 5):
            raise ConfigError("protocol must be 5 (MQTT 5) or 4 (MQTT 3.1.1)")
        for name in ("max_batch", "max_queue", "max_payload_bytes", "max_text_chars", "dedup_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1")
        BrokerUrl.from_url(self.broker)
        return self

    def broker_url(self) -> BrokerUrl:
        return BrokerUrl.from_url(self.broker)


def _coerce(raw: str, current: object, name: str) -> object:
    kind = type(current)
    try:
        if isinstance(current, bool):
            return raw.lower() in ("1", "true", "yes", "on")
        if kind in (int, float):
            return kind(raw)
    except ValueError as exc:
        raise ConfigError(f"EDGELM_{name.upper()}={raw!r} is not a {kind.__name__}") from exc
    return raw


def load_config(path: Path | None = None, env: dict[str, str] | None = None, **overrides) -> AgentConfig:
    config = AgentConfig()
    known = {f.name for f in fields(AgentConfig)}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        data = data.get("agent", data)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown keys {', '.join(unknown)}")
        for key, value in data.items():
            setattr(config, key, value)
    for key, raw in (os.environ if env is None else env).items():
        if key.startswith("EDGELM_") and key[7:].lower() in known:
            name = key[7:].lower()
            setattr(config, name, _coerce(raw, getattr(config, name), name))
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)
    return config.validate()
