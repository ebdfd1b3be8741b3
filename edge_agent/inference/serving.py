"""What the worker serves: a loaded bundle with everything serving reads from it, and the registry that
holds the current one, so that replacing the model between two batches is one assignment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from edge_agent.home.slots import HomeEntities
from edge_agent.inference.abstain import opposite_margin
from edge_agent.inference.bundle import Manifest
from edge_agent.inference.classify import Classifier
from edge_agent.inference.generate import Generator
from edge_agent.inference.model import LoadedModel


def homed(classifier: Classifier, home: HomeEntities | None) -> Classifier:
    """The classifier with the home's names, HA's templates loaded and compiled before it serves (at start
    and on a reloaded home), not on the first request."""
    served = classifier.with_home(home) if home else classifier
    _ = served.templates
    return served


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
        classifier = homed(loaded.classifier, home) if loaded.classifier else None
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
    def opposite_margin(self) -> float | None:
        manifest = self.manifest
        return opposite_margin(manifest.name, manifest.version, manifest.thresholds)

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
    """The model being served. The worker reads it once per batch; a swap is one assignment.

    A board without memory for two models unloads the old one first: `paused()` holds the worker
    between two batches meanwhile, so requests wait in the queue instead of failing."""

    def __init__(self, model: ServingModel | None = None):
        self._current = model
        self._lock = threading.Lock()  # swaps are serialised; reads need no lock
        self._in_use = threading.Lock()  # held by the worker for each batch, by paused() for a swap
        self.max_batch = model.max_batch if model else 1  # the last model's, read while none is loaded

    @contextmanager
    def batch(self) -> Iterator[ServingModel]:
        """The model one batch runs on, kept from being unloaded until the batch is done."""
        with self._in_use:
            yield self.current()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No batch runs inside: the batch in flight finishes first, the next waits."""
        with self._in_use:
            yield

    def take(self) -> ServingModel | None:
        """Unload: nothing is served until the next swap (use inside paused())."""
        with self._lock:
            previous, self._current = self._current, None
        return previous

    def current(self) -> ServingModel:
        model = self._current
        if model is None:
            raise LookupError("no model is loaded")
        return model

    def loaded(self) -> bool:
        return self._current is not None

    def rehome(self, home: HomeEntities) -> None:
        """The same model with another home's names (a reloaded home_file); under the swap lock, so an
        over-the-air swap at the same moment is not undone."""
        with self._lock:
            model = self._current
            if model is not None and model.loaded.classifier is not None:
                self._current = replace(model, classifier=homed(model.loaded.classifier, home))

    def swap(self, model: ServingModel) -> ServingModel | None:
        """Serve `model` from the next batch on; returns the one it replaces."""
        with self._lock:
            previous, self._current = self._current, model
            self.max_batch = model.max_batch
        return previous
