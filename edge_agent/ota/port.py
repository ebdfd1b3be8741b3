"""What a deploy may touch on the agent, and nothing else: the deployer gets this port, never the Agent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices import DeviceProfile
from edge_agent.inference.model import LoadedModel
from edge_agent.inference.serving import ModelRegistry, ServingModel


@dataclass(frozen=True)
class DeployPort:
    models: ModelRegistry  # what serves; a swap replaces it between two batches (pausing them if memory asks)
    load: Callable[[Path], LoadedModel]  # a bundle directory, loaded as the agent loads its own
    build: Callable[[LoadedModel], ServingModel]  # ready to serve (batch size, the home's names)
    publish: Callable[[str, bytes, bool], None]  # (topic, payload, retain) on the agent's device connection
    model_changed: Callable[[], None]  # status, telemetry and discovery show the new model
    model_info: Callable[[], dict[str, Any]]
    count_error: Callable[[str], None]  # telemetry's errors_by_kind


@dataclass(frozen=True)
class DeploySettings:
    """The agent's OTA settings (docs/ota.md)."""

    prefix: str
    device_id: str
    group: str | None
    profile: DeviceProfile
    trust_key: Path | None = None  # when set, bundles must be signed by it
    allow_unsigned: bool = False
    allow_downgrade: bool = False
    keep_versions: int = 2
    health_requests: int = 20
    rollback_p95_ms: float | None = None
    partial_timeout_s: float = 3600.0
    model_budget_mb: int = 0  # 0: the profile's
    flashed: Path | None = None  # the configured bundle: what a rollback returns to when no `previous` is kept

    @property
    def enabled(self) -> bool:
        return self.trust_key is not None or self.allow_unsigned

    def budget_bytes(self) -> int:
        return (self.model_budget_mb or self.profile.model_memory_budget_mb) << 20
