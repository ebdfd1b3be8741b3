"""What the worker serves: a loaded bundle with everything serving reads from it, and the registry that
holds the current one, so that replacing the model between two batches is one assignment."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from edge_agent.bundle import Manifest
from edge_agent.classify import Classifier
from edge_agent.generate import Generator
from edge_agent.model import LoadedModel
from edge_agent.slots import HomeEntities


@dataclass(frozen=True)
class ServingModel:
    """Built once per bundle; never changed afterwards (a new bundle is a new ServingModel)."""

    loaded: LoadedModel
    max_batch: int
    classifier: Classifier | None  # with the home's lists; None for a generator
    info: dict[str, Any] = field(default_factory=dict)  # status, telemetry and discovery show it

    @classmethod
    def build(cls, loaded: LoadedModel, max_batch: int, home: HomeEntities | None = None) -> ServingModel:
        manifest = loaded.manifest
        classifier = loaded.classifier.with_home(home) if loaded.classifier and home else loaded.classifier
        info = {"name": manifest.name, "version": manifest.version, "task": manifest.task,
                "runtime": loaded.runtime.name, "quantization": manifest.quantization.get("mode")}
        return cls(loaded, 1 if loaded.is_generator else max_batch, classifier, info)

    @property
    def manifest(self) -> Manifest:
        return self.loaded.manifest

    @property
    def generator(self) -> Generator | None:
        return self.loaded.generator

    @property
    def is_generator(self) -> bool:
        return self.loaded.is_generator

    @property
    def labels(self) -> list[str]:
        return self.manifest.labels

    @property
    def ood_threshold(self) -> float | None:
        """The calibrated out-of-domain threshold, when the bundle has one."""
        value = self.manifest.thresholds.get("ood")
        return float(value) if value is not None else None

    @property
    def reply_info(self) -> dict[str, str]:
        """The model as every answer names it."""
        return {"name": self.manifest.name, "version": self.manifest.version}


class ModelRegistry:
    """The model being served. The worker reads it once per batch; a swap is one assignment."""

    def __init__(self, model: ServingModel | None = None):
        self._current = model
        self._lock = threading.Lock()  # swaps are serialised; reads need no lock

    def current(self) -> ServingModel:
        model = self._current
        if model is None:
            raise LookupError("no model is loaded")
        return model

    def loaded(self) -> bool:
        return self._current is not None

    def swap(self, model: ServingModel) -> ServingModel | None:
        """Serve `model` from the next batch on; returns the one it replaces."""
        with self._lock:
            previous, self._current = self._current, model
        return previous
