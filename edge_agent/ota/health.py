"""The health gate: a swapped-in model's first requests decide whether it stays. Any `internal` error,
or a p95 inference latency over the limit, trips it; the deployer then rolls back."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from edge_agent.inference.jobs import Delivery
from edge_agent.inference.serving import ServingModel
from edge_agent.protocol.messages import ErrorCode, ErrorResponse

Verdict = Callable[[ServingModel, str | None], None]  # (model, None when healthy else why it failed)


class HealthGate:
    def __init__(self, model: ServingModel, requests: int, p95_limit_ms: float | None, on_verdict: Verdict):
        self.model = model
        self.requests = requests
        self.p95_limit_ms = p95_limit_ms
        self.on_verdict = on_verdict
        self.latencies: list[float] = []
        self.errors = 0
        self._lock = threading.Lock()
        self.decided = threading.Event()

    def observe(self, model: ServingModel, deliveries: list[Delivery]) -> None:
        """Called by the worker after each batch, with the model that ran it."""
        if model is not self.model or self.decided.is_set():
            return
        with self._lock:
            for delivery in deliveries:
                answer = delivery.answer
                if isinstance(answer, ErrorResponse):
                    self.errors += answer.code is ErrorCode.INTERNAL
                else:
                    self.latencies.append(answer.latency_ms.inference)
            seen = len(self.latencies) + self.errors
            if seen < self.requests and not self.errors:
                return
            self.decided.set()
        self.on_verdict(self.model, self._why())

    def _why(self) -> str | None:
        if self.errors:
            return f"{self.errors} of its first {len(self.latencies) + self.errors} requests failed with 'internal'"
        p95 = float(np.percentile(self.latencies, 95))
        if self.p95_limit_ms is not None and p95 > self.p95_limit_ms:
            return (f"p95 inference latency {p95:.2f} ms over its first {len(self.latencies)} requests "
                    f"exceeds rollback_p95_ms {self.p95_limit_ms:g}")
        return None
