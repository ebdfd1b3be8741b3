"""The deploy messages (protocol v1). Every payload on a deploy topic is one JSON header line; a chunk's
raw bytes follow the newline, so no base64 and the same frames under MQTT 5 and 3.1.1."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any

PROTOCOL_VERSION = 1
MAX_HEADER_BYTES = 64 * 1024  # a begin carries the descriptor; nothing else is near this
VERSION_PART = re.compile(r"^(\d+)(.*)$")
NAME = re.compile(r"[A-Za-z0-9._+-]{1,128}")


# The transfer's flow control, one rule for both sides: the sender keeps at most CREDIT chunks beyond what
# every receiving agent reports handled (`acked`), and an agent reports every CREDIT_STEP chunks. The step
# must stay below the credit, or every window stalls until the sender's wait runs out.
CREDIT = 16
CREDIT_STEP = CREDIT // 2


class DeployError(Exception):
    """A deploy refused, on either side: a message or bundle the agent refuses, or a deploy the sender
    cannot start (`edgelm deploy` prints it as one line); the message says why."""


class State(str, Enum):
    RECEIVING = "receiving"  # progress while chunks arrive
    MISSING = "missing"  # the commit found gaps: `missing` lists the chunk ranges to send again
    VERIFYING = "verifying"  # hashes, signature, fit, golden examples on the new model
    APPLIED = "applied"  # serving the new version; the health gate watches its first requests
    HEALTHY = "healthy"  # the health gate passed: the deploy is final
    ROLLED_BACK = "rolled_back"  # the new version failed after the swap; the previous one serves again
    REFUSED = "refused"  # never applied: the old model serves as before
    FAILED = "failed"  # could not be applied for a local reason (disk, load); the old model serves


FINAL_STATES = (State.HEALTHY, State.ROLLED_BACK, State.REFUSED, State.FAILED)


@dataclass
class Begin:
    deploy_id: str
    name: str
    version: str
    runtime: str
    device: str
    size: int  # bytes of the .tar.gz
    sha256: str  # of the whole .tar.gz
    chunk_size: int
    chunks: int
    model_bytes: int  # the bundle's files unpacked (its manifest's metrics.size_bytes)
    signed: bool = False
    descriptor: str | None = None  # base64 of a trust-key-signed descriptor (downgrades)
    descriptor_sig: str | None = None
    type: str = "begin"

    def __post_init__(self) -> None:
        if self.size < 1 or self.chunk_size < 1 or self.chunks != -(-self.size // self.chunk_size):
            raise DeployError(f"begin: {self.chunks} chunks of {self.chunk_size} bytes cannot hold {self.size} bytes")
        _check_sha256(self.sha256, "begin")
        for name in ("name", "version", "deploy_id"):
            _check_name(getattr(self, name), f"begin: {name}")


@dataclass
class ChunkHeader:
    deploy_id: str
    index: int
    sha256: str
    type: str = "chunk"

    def __post_init__(self) -> None:
        _check_name(self.deploy_id, "chunk: deploy_id")
        _check_sha256(self.sha256, "chunk")


@dataclass
class Commit:
    deploy_id: str
    type: str = "commit"

    def __post_init__(self) -> None:
        _check_name(self.deploy_id, "commit: deploy_id")


def _check_name(value: object, what: str) -> None:
    if not isinstance(value, str) or not NAME.fullmatch(value) or value.startswith("."):
        raise DeployError(f"{what} {value!r} must be 1-128 of A-Z a-z 0-9 . _ + - (not starting with .)")


def _check_sha256(value: object, what: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise DeployError(f"{what}: sha256 must be 64 lowercase hex digits")


FIELD_TYPES = {"int": int, "str": str, "bool": bool, "str | None": str}  # annotations are strings here
MESSAGES: dict[str, type] = {"begin": Begin, "chunk": ChunkHeader, "commit": Commit}
DeployMessage = Begin | ChunkHeader | Commit


def encode(message: DeployMessage, data: bytes = b"") -> bytes:
    return json.dumps({"v": PROTOCOL_VERSION, **asdict(message)}, separators=(",", ":")).encode() + b"\n" + data


def decode(payload: bytes) -> tuple[DeployMessage, bytes]:
    """(message, chunk bytes); DeployError for anything else."""
    head, _, data = payload.partition(b"\n")
    if len(head) > MAX_HEADER_BYTES:
        raise DeployError("deploy header too large")
    try:
        raw = json.loads(head)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DeployError(f"deploy header is not JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("v") != PROTOCOL_VERSION or raw.get("type") not in MESSAGES:
        raise DeployError("not a deploy message of protocol v1 (begin, chunk or commit)")
    kind = MESSAGES[raw["type"]]
    names = {f.name: f for f in fields(kind)}
    try:
        message = kind(**{k: v for k, v in raw.items() if k in names})
    except TypeError as exc:
        raise DeployError(f"{raw['type']}: {exc}") from exc
    for name, spec in names.items():  # JSON types: nothing below trusts a field it did not check
        value, wanted = getattr(message, name), FIELD_TYPES.get(str(spec.type))
        if value is not None and wanted is not None and type(value) is not wanted:
            raise DeployError(f"{raw['type']}: field {name!r} must be {wanted.__name__}")
    return message, data


@dataclass
class DeployStatus:
    """Progress and result on `<prefix>/ID/deploy/status` (schemas/deploy_status.v1.json)."""

    device_id: str
    state: State
    deploy_id: str | None = None
    version: str | None = None  # the version being deployed
    running: dict[str, Any] = field(default_factory=dict)  # name and version serving now
    received: int | None = None
    chunks: int | None = None
    acked: int | None = None  # chunk messages handled this deploy, bad or repeated too: the sender's credit
    missing: list[list[int]] = field(default_factory=list)  # [first, last] chunk index ranges
    reason: str | None = None
    pause_ms: float | None = None  # longest stop of serving the swap caused (unload-then-load boards)
    ts: float = 0.0
    v: int = PROTOCOL_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeployStatus:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["state"] = State(values["state"])
        return cls(**values)

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def ranges(indexes: list[int]) -> list[list[int]]:
    """[0, 1, 2, 5, 7, 8] -> [[0, 2], [5, 5], [7, 8]]: what the agent still misses, compactly."""
    out: list[list[int]] = []
    for index in sorted(indexes):
        if out and index == out[-1][1] + 1:
            out[-1][1] = index
        else:
            out.append([index, index])
    return out


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def version_key(version: str) -> tuple:
    """Dotted versions compare part by part, numbers as numbers: 1.10.0 > 1.9.2; a pre-release suffix
    (1.2.0-rc1) sorts before the release."""
    key = []
    for part in version.replace("+", ".").split("."):
        match = VERSION_PART.match(part)
        if match:
            number, rest = match.groups()
            key.append((int(number), 0 if rest else 1, rest))
        else:
            key.append((-1, 0, part))
    return tuple(key)


def is_newer(candidate: str, running: str) -> bool:
    return version_key(candidate) > version_key(running)
