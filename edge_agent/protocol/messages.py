"""Wire messages (protocol version 1) as dataclasses with to_dict/from_dict, as wyoming does.

JSON Schemas of the same messages live in edge_agent/schemas/ and the tests validate every message
the agent sends against them.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from edge_agent.protocol import strict

PROTOCOL_VERSION = 1


class ErrorCode(str, Enum):
    """The error codes of the wire protocol (schemas/error.v1.json lists the same)."""

    BAD_REQUEST = "bad_request"
    TOO_LARGE = "too_large"
    OVERLOADED = "overloaded"
    EXPIRED = "expired"
    UNSUPPORTED = "unsupported"
    INTERNAL = "internal"
    CONFLICT = "conflict"


MAX_ID_LEN = 128
MAX_INT_ID = 2**53  # integer ids (Node-RED's Date.now()) must survive a JavaScript number
MAX_TOP_K = 20
NO_ID_WARNING = "request has no id: served without de-duplication, so a retry runs again"
MAX_NEW_TOKENS_CAP = 512


class RequestError(Exception):
    """A request the agent refuses, with the code it is answered with."""

    def __init__(self, code: ErrorCode, message: str, request_id: str | None = None, reply_to: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.reply_to = reply_to


def _field(data: dict, name: str, kind: type | tuple, default: Any = None, rid: str | None = None) -> Any:
    if data.get(name) is None:
        return default
    value = data[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int subclass: True is no top_k
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        reply_to = data.get("reply_to") if isinstance(data.get("reply_to"), str) else None
        raise RequestError(ErrorCode.BAD_REQUEST, f"field {name!r} must be {'/'.join(k.__name__ for k in kinds)}",
                           rid, reply_to)
    return value


def _number(data: dict, name: str, default: float, rid: str | None, reply_to: str | None) -> float:
    """A JSON number as a float; an integer too large for one (JSON has no bound) is a bad request."""
    try:
        return float(_field(data, name, (int, float), default, rid))
    except OverflowError:
        raise RequestError(ErrorCode.BAD_REQUEST, f"field {name!r} is out of range", rid, reply_to) from None


def _request_id(data: dict) -> str | None:
    """A string id, an integer id (echoed as its string), or none at all."""
    rid = data.get("id")
    if rid is None:
        return None
    if isinstance(rid, int) and not isinstance(rid, bool) and 0 <= rid < MAX_INT_ID:
        return str(rid)
    if isinstance(rid, str) and 0 < len(rid) <= MAX_ID_LEN:
        return rid
    raise RequestError(ErrorCode.BAD_REQUEST, f"field 'id' must be a string of 1..{MAX_ID_LEN} chars or an integer "
                       f"0..2^53-1", None, data.get("reply_to") if isinstance(data.get("reply_to"), str) else None)


def parse_deadline(value: str) -> float:
    """RFC 3339 timestamp -> epoch seconds (a trailing Z is accepted)."""
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()


@dataclass
class Request:
    id: str | None  # None: the request had no id (Correlation Data or nothing identifies it)
    text: str
    v: int = PROTOCOL_VERSION
    reply_to: str | None = None
    deadline: str | None = None
    top_k: int = 3
    max_new_tokens: int | None = None
    temperature: float = 0.0
    sample_top_k: int = 0
    seed: int | None = None
    stream: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and not (k == "stream" and not v)}

    @classmethod
    def from_dict(cls, data: Any, max_text_chars: int = 2000) -> Request:
        """The one check of a request's fields, whatever door it came through (MQTT, Hermes, Wyoming)."""
        if not isinstance(data, dict):
            raise RequestError(ErrorCode.BAD_REQUEST, "request must be a JSON object")
        rid = _request_id(data)
        reply_to = _field(data, "reply_to", str, rid=rid)
        version = _field(data, "v", int, PROTOCOL_VERSION, rid)
        if version != PROTOCOL_VERSION:
            raise RequestError(ErrorCode.UNSUPPORTED, f"protocol version {version} is not supported (speaks 1)", rid, reply_to)
        text = _field(data, "text", str, rid=rid)
        if text is None or not text.strip():
            raise RequestError(ErrorCode.BAD_REQUEST, "field 'text' must be a non-empty string", rid, reply_to)
        if len(text) > max_text_chars:
            raise RequestError(ErrorCode.TOO_LARGE, f"text has {len(text)} chars; the limit is {max_text_chars}", rid, reply_to)
        if strict.has_lone_surrogate(text):  # no tokenizer takes one: refused here, never an `internal`
            raise RequestError(ErrorCode.BAD_REQUEST, "field 'text' holds a lone UTF-16 surrogate", rid, reply_to)
        req = cls(id=rid, text=text, reply_to=reply_to, v=version,
                  deadline=_field(data, "deadline", str, rid=rid),
                  top_k=_field(data, "top_k", int, 3, rid),
                  max_new_tokens=_field(data, "max_new_tokens", int, rid=rid),
                  temperature=_number(data, "temperature", 0.0, rid, reply_to),
                  sample_top_k=_field(data, "sample_top_k", int, 0, rid),
                  seed=_field(data, "seed", int, rid=rid),
                  stream=_field(data, "stream", bool, False, rid))
        req._check_ranges()
        return req

    def _check_ranges(self) -> None:
        def bad(msg: str) -> RequestError:
            return RequestError(ErrorCode.BAD_REQUEST, msg, self.id, self.reply_to)

        if not 1 <= self.top_k <= MAX_TOP_K:
            raise bad(f"top_k must be 1..{MAX_TOP_K}")
        if self.max_new_tokens is not None and not 1 <= self.max_new_tokens <= MAX_NEW_TOKENS_CAP:
            raise bad(f"max_new_tokens must be 1..{MAX_NEW_TOKENS_CAP}")
        if not math.isfinite(self.temperature) or not 0 <= self.temperature <= 10:
            raise bad("temperature must be 0..10")
        if self.sample_top_k < 0:
            raise bad("sample_top_k must be >= 0")
        if self.deadline is not None:
            try:
                self.deadline_epoch()
            except ValueError as exc:
                raise bad("deadline must be an RFC 3339 timestamp") from exc

    def digest(self) -> str:
        """What the request asks, not where or by when: a retry with a new reply topic or deadline is the
        same request; the same id with another text or other parameters is not."""
        content = {k: v for k, v in self.to_dict().items() if k not in ("id", "reply_to", "deadline")}
        return content_digest(content)

    def deadline_epoch(self) -> float | None:
        return parse_deadline(self.deadline) if self.deadline else None


def content_digest(content: Any) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def decode_request(payload: bytes, max_payload: int, max_text_chars: int, plain_text: bool = False) -> Request:
    """Bytes off the wire -> Request, or RequestError with the right code.

    plain_text: a payload that does not start like JSON (`{`, `[` or `"`) is the text itself, as a Node-RED
    inject or a Home Assistant `mqtt.publish` sends it; one that does must be valid JSON, so a typo in JSON
    never becomes a confident intent. A JSON string is the text too."""
    if len(payload) > max_payload:
        raise RequestError(ErrorCode.TOO_LARGE, f"payload is {len(payload)} bytes; the limit is {max_payload}")
    if plain_text and payload.lstrip()[:1] not in (b"{", b"[", b'"'):
        return Request.from_dict({"text": _plain_text(payload)}, max_text_chars=max_text_chars)
    try:
        data = strict.loads(payload)
    except strict.PayloadError as exc:
        raise RequestError(ErrorCode.BAD_REQUEST, str(exc)) from exc
    if plain_text and isinstance(data, str):
        data = {"text": data}
    return Request.from_dict(data, max_text_chars=max_text_chars)


def _plain_text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise RequestError(ErrorCode.BAD_REQUEST, "payload is not UTF-8") from exc


@dataclass
class Latency:
    queue: float
    inference: float
    total: float


@dataclass
class Response:
    id: str | None
    device_id: str
    model: dict[str, str]
    latency_ms: Latency
    intent: dict[str, Any] | None = None
    slots: list[dict] = field(default_factory=list)
    alternatives: list[dict] = field(default_factory=list)
    text: str | None = None
    tokens: list[int] | None = None
    warning: str | None = None  # e.g. served without de-duplication
    abstained: str | None = None  # why no intent although one was read (schema: opposite, no_action, ...)
    source: str | None = None  # "template": one of Home Assistant's own templates matched (None: the model)
    v: int = PROTOCOL_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("text", "tokens", "warning", "abstained", "source"):
            if data[key] is None:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Response:
        data = dict(data)
        data["latency_ms"] = Latency(**data["latency_ms"])
        return cls(**data)


@dataclass
class ErrorResponse:
    id: str | None
    code: ErrorCode
    message: str
    device_id: str | None = None
    v: int = PROTOCOL_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"v": self.v, "id": self.id, "device_id": self.device_id,
                "error": {"code": self.code.value, "message": self.message}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorResponse:
        return cls(id=data.get("id"), code=ErrorCode(data["error"]["code"]), message=data["error"]["message"],
                   device_id=data.get("device_id"), v=data.get("v", PROTOCOL_VERSION))


@dataclass
class Chunk:
    id: str | None
    index: int
    delta: str
    done: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


def dumps(message: Any) -> bytes:
    """Compact UTF-8 JSON; text that UTF-8 cannot carry (a lone surrogate) is escaped, never an error."""
    data = message.to_dict() if hasattr(message, "to_dict") else message
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()


def load_schema(name: str) -> dict[str, Any]:
    """A wire schema shipped with the package: request, response, error, chunk, status, telemetry."""
    from importlib.resources import files

    return json.loads((files("edge_agent") / "schemas" / f"{name}.v{PROTOCOL_VERSION}.json").read_text())
