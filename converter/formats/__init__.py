"""Output formats: each backend registers itself on import (heavy libraries load inside its functions)."""

from converter.formats import onnx as _onnx  # noqa: F401  (registers "onnx")
from converter.formats import tflite as _tflite  # noqa: F401  (registers "tflite")
from converter.formats.registry import FormatBackend, get_format, known_formats, register_format

__all__ = ["FormatBackend", "get_format", "known_formats", "register_format"]
