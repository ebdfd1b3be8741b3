"""Inference runtimes behind one small interface; each backend imports its engine lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class RuntimeUnavailable(RuntimeError):
    """The bundle needs an engine that is not installed; the message names the extra."""


class Runtime(Protocol):
    name: str
    input_names: list[str]
    output_names: list[str]
    input_shapes: dict[str, list]
    providers: list[str]

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...


def load_runtime(
    kind: str, model_path: Path, threads: int = 0, providers: list[str] | None = None, spinning: bool = True
) -> Runtime:
    if kind == "onnxruntime":
        from edge_agent.inference.runtime.onnx import OrtRuntime

        return OrtRuntime(model_path, threads=threads, providers=providers, spinning=spinning)
    if kind == "litert":
        from edge_agent.inference.runtime.litert import LiteRtRuntime

        return LiteRtRuntime(model_path, threads=threads)
    raise RuntimeUnavailable(f"unknown runtime {kind!r}; known: onnxruntime, litert")
