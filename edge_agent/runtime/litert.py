"""LiteRT (TensorFlow Lite) backend: `ai_edge_litert` with XNNPACK, threads from the profile.

A bundle converted by litert-torch holds one static-shape signature per sequence-length bucket (`seq16`,
`seq32`, ...), batch 1, int32 inputs. `run` takes the same int64 [batch, length] feeds as the ONNX runtime,
pads each row to the smallest bucket that fits and runs it, so callers never see the buckets.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edge_agent.runtime import RuntimeUnavailable

NEWER_OPS_HINT = ("this bundle uses ops the installed tflite_runtime lacks (it stopped at 2.14); "
                  "install the current LiteRT: pip install 'edgelm[litert]'")


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter  # preferred, current ops

        return Interpreter, "ai_edge_litert"
    except ImportError:
        pass
    try:  # last fallback: old, lacks ops today's converters emit (GATHER_ND v5, FULLY_CONNECTED v12)
        from tflite_runtime.interpreter import Interpreter  # type: ignore[import-not-found]

        return Interpreter, "tflite_runtime"
    except ImportError as exc:
        raise RuntimeUnavailable("this bundle needs LiteRT: pip install 'edgelm[agent,litert]'") from exc


class LiteRtRuntime:
    name = "litert"
    providers = ["XNNPACK"]

    def __init__(self, model_path: Path, threads: int = 0):
        interpreter_cls, engine = _interpreter_class()
        try:
            self.interpreter = interpreter_cls(model_path=str(model_path), num_threads=threads or None)
        except (ValueError, RuntimeError) as exc:
            hint = f" ({NEWER_OPS_HINT})" if engine == "tflite_runtime" else ""
            raise RuntimeUnavailable(f"LiteRT cannot load {model_path.name}: {exc}{hint}".splitlines()[0]) from exc
        signatures = self.interpreter.get_signature_list()
        self.buckets: dict[int, object] = {}
        for key in signatures:
            match = re.fullmatch(r"seq(\d+)", key)
            if match:
                self.buckets[int(match.group(1))] = self.interpreter.get_signature_runner(key)
        if not self.buckets:
            raise RuntimeUnavailable(f"{model_path.name} has no seq<N> signatures: not an EdgeLM LiteRT bundle")
        self.buckets = dict(sorted(self.buckets.items()))
        first = next(iter(self.buckets.values()))
        details = first.get_input_details()  # type: ignore[attr-defined]
        self.input_names = sorted(details)
        self.input_shapes = {k: [None, None] for k in details}
        self._dtypes = {k: v["dtype"] for k, v in details.items()}
        self.output_names = list(first.get_output_details())  # type: ignore[attr-defined]
        self.max_len = max(self.buckets)

    def bucket_for(self, length: int) -> int:
        for bucket in self.buckets:
            if bucket >= length:
                return bucket
        raise ValueError(f"input of {length} tokens exceeds the largest bucket ({self.max_len})")

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feeds = {k: v for k, v in feeds.items() if k in self._dtypes}
        mask = feeds.get("attention_mask")
        rows, width = next(iter(feeds.values())).shape
        outputs: dict[str, list[np.ndarray]] = {}
        for row in range(rows):
            # trailing padding of the batch is dropped, then the row is padded to its own bucket
            length = int(mask[row].sum()) if mask is not None else next(iter(feeds.values())).shape[1]
            bucket = self.bucket_for(max(length, 1))
            single = {}
            for name, value in feeds.items():
                padded = np.zeros((1, bucket), dtype=self._dtypes[name])
                padded[0, :length] = value[row, :length]
                single[name] = padded
            for name, value in self.buckets[bucket](**single).items():  # type: ignore[operator]
                if value.ndim == 3:  # per-token outputs (slot tags) come back at the batch's own width
                    fitted = np.zeros((1, width, value.shape[2]), dtype=value.dtype)
                    fitted[:, :min(width, bucket)] = value[:, :width]
                    value = fitted
                outputs.setdefault(name, []).append(value)
        return {name: np.concatenate(values) for name, values in outputs.items()}
