"""Output formats registered by name, as optimum keeps exporters/onnx and exporters/tflite side by side.

A backend exports the PyTorch original, quantizes it (with its own calibration and fp32 fallback), and
names its runtime's manifest fields; the pipeline runs the same sequence for every backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from converter.errors import ConversionError

if TYPE_CHECKING:
    from converter.context import ConversionContext
    from converter.fallback import Judge, Outcome
    from edge_agent.inference.runtime import Runtime


class FormatBackend(Protocol):
    name: str  # --format value
    runtime: str  # the agent runtime that serves it (the manifest's runtime)
    model_file: str  # the bundle's main graph

    def supports(self, family: str, generative: bool, mode: str) -> str | None:
        """None when this format can convert it, else why not."""

    def export(self, ctx: ConversionContext) -> Path:
        """The fp32 model, written under ctx.work."""

    def quantize(self, ctx: ConversionContext, fp32: Path, out: Path, judge: Judge) -> Outcome:
        """Quantize to ctx.mode into `out`; every candidate passes `judge` or is refused."""

    def manifest_io(self, runtime: Runtime) -> dict:
        """The manifest's io fields for this format's runtime."""


B = TypeVar("B")
_FORMATS: dict[str, FormatBackend] = {}


def register_format(name: str) -> Callable[[type[B]], type[B]]:
    def decorate(cls: type[B]) -> type[B]:
        _FORMATS[name] = cls()  # type: ignore[assignment]
        return cls

    return decorate


def known_formats() -> list[str]:
    return list(_FORMATS)


def get_format(name: str) -> FormatBackend:
    backend = _FORMATS.get(name)
    if backend is None:
        raise ConversionError(f"unknown --format {name}; supported: auto, {', '.join(_FORMATS)}")
    return backend
