"""Agent configuration: TOML file, then EDGELM_* environment overrides, then command-line values."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from edge_agent.fronts.wyoming_uri import WyomingUri
from edge_agent.home.ha_states import websocket_url
from edge_agent.transport.session import BrokerUrl, BrokerUrlError

RESERVED_IDS = ("group", "reply", "echo")  # first topic levels that are not a device


class ConfigError(ValueError):
    pass


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
    accept_plain_text: bool = True  # a payload not starting like JSON is the text itself
    dedup_size: int = 2048
    # Reply topics must start with one of these; empty: "<prefix>/reply/". [""] allows any valid topic.
    reply_prefixes: list[str] = field(default_factory=list)
    # Answer only requests sent to <prefix>/ID/request/<sender>, and only under <prefix>/reply/<sender>/.
    require_sender: bool = False
    # Answers are kept here across restarts (never run a request twice); "": memory only.
    state_dir: str = field(default_factory=lambda: default_state_dir())
    # Answers are on disk before their requests are acknowledged ("ack": the disk wait is off the asker's
    # path) or before they are sent ("answer": also through a power cut right after sending).
    store_sync: str = "ack"
    # Over-the-air model updates (edgelm deploy): on when trust_key is set, or unsigned when this allows it.
    allow_unsigned_ota: bool = False
    allow_downgrade: bool = False  # else an older version needs a descriptor signed by the trust key
    keep_versions: int = 2  # installed versions kept under state_dir/models (current and previous at least)
    health_requests: int = 20  # a new version's first requests that decide whether it stays
    rollback_p95_ms: float = 0.0  # roll back when their p95 inference latency exceeds this (0: errors only)
    ota_partial_timeout_s: float = 3600.0  # an interrupted transfer is resumable this long, then discarded
    model_budget_mb: int = 0  # model memory budget; 0: the board profile's
    session_expiry_s: int = 86400
    telemetry_interval_s: float = 30.0
    keepalive_s: int = 30
    # Seconds between self-probes that catch a broker no longer delivering to the agent (0: off).
    delivery_check_s: float = 10.0
    log_level: str = "INFO"
    discovery: bool = True  # Home Assistant MQTT discovery of the agent's sensors
    discovery_prefix: str = "homeassistant"
    discovery_birth_wait_s: float = 5.0  # HA births this close together get one republish, after the last
    hermes: bool = True  # answer Rhasspy/Snips hermes/nlu/query (intent bundles only)
    # below it: hermes/nlu/intentNotRecognized; < 0 means the bundle's calibrated OOD threshold (else 0.5)
    hermes_min_confidence: float = -1.0
    # The home's own areas, floors and device names: slot values snap to the closest one (intent-slots
    # bundles). Inline lists and/or a JSON or TOML file {areas = [...], floors = [...], names = [...]}.
    home_areas: list[str] = field(default_factory=list)
    home_floors: list[str] = field(default_factory=list)
    home_names: list[str] = field(default_factory=list)
    home_file: str | None = None
    # Home Assistant's states, for replies that speak one: its URL and a file holding a long-lived token
    # (edge_agent/home/ha_states.py); empty: state questions are answered "I don't know".
    ha_url: str = ""
    ha_token_file: str = ""
    ha_state_max_age_s: float = 10.0  # how long after losing HA its last states may still be told
    home_find_names: bool = True  # listed names said verbatim become slots even where the model tagged none
    # a sentence one of Home Assistant's own templates matches strictly is answered from it, before the
    # model (intent-slots bundles; needs `pip install 'edgelm[agent]'`)
    home_templates: bool = True
    home_reload_s: float = 2.0  # how often a changed home_file is looked for (reloaded without a restart)
    # Home Assistant Assist: a Wyoming intent service, e.g. "tcp://0.0.0.0:10700" (off when empty), and
    # its mDNS announcement (_wyoming._tcp) so HA discovers it.
    wyoming_uri: str | None = None
    # Appends each committed request key, one per line ("" off): for fault tests and audits.
    executions_log: str = ""
    wyoming_zeroconf: bool = False
    # A Wyoming connection silent this long (or stuck in half an event) is closed; past the cap, a new
    # connection closes the longest-idle one (docs/protocol.md). Keep the cap below the unit's LimitNOFILE.
    wyoming_idle_s: float = 60.0
    wyoming_max_connections: int = 256

    def validate(self) -> AgentConfig:
        if not self.bundle:
            raise ConfigError("no bundle configured (bundle = \"...\" or --bundle)")
        if self.device_id in RESERVED_IDS or not self.device_id or any(c in self.device_id for c in "/+#"):
            raise ConfigError(f"device id {self.device_id!r} is reserved or has /, + or #")
        if self.group is not None and (not self.group or any(c in self.group for c in "/+#")):
            raise ConfigError(f"group {self.group!r} must be non-empty without /, + or #")
        if self.protocol not in (4, 5):
            raise ConfigError("protocol must be 5 (MQTT 5) or 4 (MQTT 3.1.1)")
        for name in ("max_batch", "max_queue", "max_payload_bytes", "max_text_chars", "dedup_size", "keep_versions",
                     "health_requests", "wyoming_max_connections"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1")
        try:
            BrokerUrl.from_url(self.broker)
        except BrokerUrlError as exc:
            raise ConfigError(str(exc)) from exc
        prefixes = self.reply_prefixes
        if not isinstance(prefixes, list) or not all(isinstance(p, str) and "+" not in p and "#" not in p
                                                     for p in prefixes):
            raise ConfigError("reply_prefixes must be a list of topic prefixes without + or #")
        for name in ("home_areas", "home_floors", "home_names"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigError(f"{name} must be a list of non-empty strings")
        if bool(self.ha_url) != bool(self.ha_token_file):
            raise ConfigError("ha_url and ha_token_file go together (a long-lived token, in a file)")
        if self.ha_url:
            try:
                websocket_url(self.ha_url)
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
        if self.store_sync not in ("ack", "answer"):
            raise ConfigError(f"store_sync {self.store_sync!r}: \"ack\" or \"answer\"")
        if not self.wyoming_idle_s > 0:
            raise ConfigError("wyoming_idle_s must be > 0")
        if self.wyoming_uri:
            try:
                WyomingUri.parse(self.wyoming_uri)
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
        return self

    def allowed_reply_prefixes(self) -> tuple[str, ...]:
        return tuple(self.reply_prefixes) or (f"{self.prefix}/reply/",)

    def broker_url(self) -> BrokerUrl:
        return BrokerUrl.from_url(self.broker)


def default_state_dir() -> str:
    """systemd's StateDirectory= ($STATE_DIRECTORY), else /var/lib/edgelm as root, else the XDG state dir."""
    if os.environ.get("STATE_DIRECTORY"):
        return os.environ["STATE_DIRECTORY"].split(":")[0]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "/var/lib/edgelm"
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "edgelm")


def _coerce(raw: str, current: object, name: str) -> object:
    kind = type(current)
    try:
        if isinstance(current, bool):
            return raw.lower() in ("1", "true", "yes", "on")
        if isinstance(current, list):  # EDGELM_HOME_AREAS="kitchen, living room"
            return [v.strip() for v in raw.split(",") if v.strip()]
        if kind in (int, float):
            return kind(raw)
    except ValueError as exc:
        raise ConfigError(f"EDGELM_{name.upper()}={raw!r} is not a {kind.__name__}") from exc
    return raw


def load_config(path: Path | None = None, env: dict[str, str] | None = None, defaults: dict | None = None,
                **overrides) -> AgentConfig:
    """AgentConfig from `defaults`, then the TOML file, then EDGELM_* variables, then `overrides`."""
    config = AgentConfig(**(defaults or {}))
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
