"""LiteRT backend slot. The TFLite conversion path (issue: TFLite/LiteRT) fills in bundles for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge_agent.runtime import RuntimeUnavailable


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter  # preferred, current ops

        return Interpreter
    except ImportError:
        pass
    try:  # last fallback: old, lacks ops today's converters emit
        from tflite_runtime.interpreter import Interpreter  # type: ignore[import-not-found]

        return Interpreter
    except ImportError as exc:
        raise RuntimeUnavailable("this bundle needs LiteRT: pip install 'edgelm[agent,litert]'") from exc


class LiteRtRuntime:
    name = "litert"
    providers = ["XNNPACK"]

    def __init__(self, model_path: Path, threads: int = 0):
        interpreter_cls = _interpreter_class()
        try:
            self.interpreter = interpreter_cls(model_path=str(model_path), num_threads=threads or None)
        except (ValueError, RuntimeError) as exc:
            raise RuntimeUnavailable(f"LiteRT cannot load {model_path.name}: {exc}") from exc
        self.runner = self.interpreter.get_signature_runner()
        details = self.runner.get_input_details()
        self.input_names = list(details)
        self.input_shapes = {k: list(v["shape"]) for k, v in details.items()}
        self._dtypes = {k: v["dtype"] for k, v in details.items()}
        self.output_names = list(self.runner.get_output_details())

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        cast = {k: np.asarray(v, dtype=self._dtypes[k]) for k, v in feeds.items() if k in self._dtypes}
        return dict(self.runner(**cast))
