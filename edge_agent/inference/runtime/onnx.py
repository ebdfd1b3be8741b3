"""onnxruntime backend: providers from the device profile, filtered to what this build offers."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from edge_agent.inference.runtime import RuntimeUnavailable

log = logging.getLogger(__name__)

_ORT_TYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(float)": np.float32,
              "tensor(float16)": np.float16, "tensor(bool)": np.bool_}


class OrtRuntime:
    name = "onnxruntime"

    def __init__(self, model_path: Path, threads: int = 0, providers: list[str] | None = None,
                 spinning: bool = True):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise RuntimeUnavailable(
                "this bundle needs onnxruntime: pip install 'edgelm[agent,onnx]'"
            ) from exc
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        if not spinning:
            # Idle intra-op threads spin by default, burning a core the broker and MQTT thread need.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        available = ort.get_available_providers()
        wanted = providers or ["CPUExecutionProvider"]
        chosen = [p for p in wanted if p in available] or ["CPUExecutionProvider"]
        skipped = [p for p in wanted if p not in available]
        if skipped:
            log.info("execution providers not in this onnxruntime build, skipped: %s", ", ".join(skipped))
        try:
            self.session = ort.InferenceSession(str(model_path), options, providers=chosen)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise RuntimeUnavailable(f"onnxruntime cannot load {model_path.name}: {exc}") from exc
        self.providers = self.session.get_providers()
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.input_shapes = {i.name: list(i.shape) for i in self.session.get_inputs()}
        self.input_types = {i.name: _ORT_TYPES.get(i.type, np.float32) for i in self.session.get_inputs()}

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        cast: dict[str, np.ndarray] = {k: np.ascontiguousarray(v, dtype=self.input_types[k]) for k, v in feeds.items()
                if k in self.input_types}
        outputs = self.session.run(self.output_names, cast)
        return dict(zip(self.output_names, outputs))
