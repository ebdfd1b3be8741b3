"""Rhasspy/Snips Hermes NLU: `hermes/nlu/query` in, `hermes/intent/<name>` or
`hermes/nlu/intentNotRecognized` out (camelCase JSON, as Rhasspy speaks it)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from edge_agent.protocol import strict

QUERY_TOPIC = "hermes/nlu/query"
NOT_RECOGNIZED_TOPIC = "hermes/nlu/intentNotRecognized"
ERROR_TOPIC = "hermes/error/nlu"


class HermesError(ValueError):
    pass


@dataclass
class NluQuery:
    input: str
    id: str | None = None
    site_id: str = "default"
    session_id: str | None = None
    intent_filter: list[str] | None = None
    custom_data: str | None = None  # Rhasspy's dialogue manager passes it through every turn

    @classmethod
    def from_payload(cls, payload: bytes) -> NluQuery:
        try:
            data = strict.loads(payload)
        except strict.PayloadError as exc:
            raise HermesError(f"hermes query refused: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("input"), str) or not data["input"].strip():
            raise HermesError("hermes query needs a non-empty 'input'")
        intent_filter = data.get("intentFilter")
        if intent_filter is not None and not (isinstance(intent_filter, list)
                                              and all(isinstance(x, str) for x in intent_filter)):
            raise HermesError("intentFilter must be a list of intent names")
        ident = data.get("id")
        return cls(input=data["input"], id=str(ident) if ident is not None else None,
                   site_id=str(data.get("siteId") or "default"),
                   session_id=data.get("sessionId") if isinstance(data.get("sessionId"), str) else None,
                   intent_filter=intent_filter or None,
                   custom_data=data.get("customData") if isinstance(data.get("customData"), str) else None)

@dataclass
class NluResult:
    query: NluQuery
    intent_name: str | None
    confidence: float
    slots: list[dict] = field(default_factory=list)

    def topic(self) -> str:
        return f"hermes/intent/{self.intent_name}" if self.intent_name else NOT_RECOGNIZED_TOPIC

    def to_dict(self) -> dict[str, Any]:
        """The shape both Snips' hermes-python and rhasspy-hermes parse: a string sessionId (Snips refuses
        null), asrTokens present (Snips dereferences it), customData passed through."""
        base = {"input": self.query.input, "id": self.query.id, "siteId": self.query.site_id,
                "sessionId": self.query.session_id or "", "customData": self.query.custom_data}
        if self.intent_name is None:
            return base
        return {**base, "intent": {"intentName": self.intent_name, "confidenceScore": round(self.confidence, 6)},
                "slots": self.slots, "rawInput": self.query.input, "asrTokens": []}


def nlu_error(payload: bytes, error: str) -> dict[str, Any]:
    """Rhasspy's NluError for a query that cannot be read; its session and site when they can be."""
    data: Any = None
    with contextlib.suppress(strict.PayloadError):
        data = strict.loads(payload)
    fields = data if isinstance(data, dict) else {}
    session = fields.get("sessionId") if isinstance(fields.get("sessionId"), str) else None
    site = fields.get("siteId") if isinstance(fields.get("siteId"), str) else "default"
    return {"error": error, "context": None, "siteId": site, "sessionId": session}


def resolve(query: NluQuery, scores: dict[str, float], min_confidence: float,
            slots: list[dict] | None = None) -> NluResult:
    """Best intent within the query's intentFilter; below min_confidence nothing is recognised."""
    allowed = {name: p for name, p in scores.items() if not query.intent_filter or name in query.intent_filter}
    if not allowed:
        return NluResult(query, None, 0.0)
    best = max(allowed, key=lambda name: allowed[name])
    if allowed[best] < min_confidence:
        return NluResult(query, None, allowed[best])
    return NluResult(query, best, allowed[best], [hermes_slot(s) for s in slots or []])


def hermes_slot(slot: dict) -> dict[str, Any]:
    """An EdgeLM slot in the Hermes shape both libraries parse: `range` has only start and end (Snips
    refuses rawStart/rawEnd), both `confidence` (Rhasspy) and `confidenceScore` (Snips), and a Duration
    carries every field of Snips' value plus `value` in seconds for Rhasspy."""
    value = slot["value"]
    kind: dict[str, Any]
    if slot["name"] == "duration":
        total = int(value)
        kind = {"kind": "Duration", "years": 0, "quarters": 0, "months": 0, "weeks": 0, "days": total // 86400,
                "hours": total % 86400 // 3600, "minutes": total % 3600 // 60, "seconds": total % 60,
                "precision": "Exact", "value": value}
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        kind = {"kind": "Number", "value": value}
    else:
        kind = {"kind": "Custom", "value": value}
    return {"entity": slot["name"], "slotName": slot["name"], "rawValue": slot["raw"], "value": kind,
            "confidence": slot["confidence"], "confidenceScore": slot["confidence"],
            "range": {"start": slot["start"], "end": slot["end"]}}
