"""LiteRT (TensorFlow Lite) backend: `ai_edge_litert` on the CPU with XNNPACK, threads from the profile.

A bundle converted by litert-torch holds one static-shape signature per sequence-length bucket (`seq16`,
`seq32`, ...), batch 1, int32 inputs. `run` takes the same int64 [batch, length] feeds as the ONNX runtime,
pads each row to the smallest bucket that fits and runs it, so callers never see the buckets.

The engine is LiteRT's CompiledModel with XNNPACK's in-memory weight cache: every signature is its own
subgraph, and without the cache XNNPACK packs the shared weights once per signature (nine copies; a
process that loads a TinyBERT-shape int8 model and runs it measured 102 MB RSS with the classic
Interpreter, 70 MB with the cache). The
classic Interpreter, and old `tflite_runtime` after it, remain fallbacks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from edge_agent.inference.runtime import RuntimeUnavailable

NEWER_OPS_HINT = ("this bundle uses ops the installed tflite_runtime lacks (it stopped at 2.14); "
                  "install the current LiteRT: pip install 'edgelm[litert]'")
IN_MEMORY_CACHE = ":memory:"  # XNNPACK packs each shared weight once, in an anonymous file
MADV_DONTNEED = 4


def release_file_pages(path: Path) -> int:
    """Give back this process's resident pages of read-only mappings of `path`; returns the bytes advised.

    LiteRT mmaps the model and XNNPACK copies every packed weight into its cache at load, so most of the
    file's pages are never read again (the embedding tables, read row by row, fault back in on demand).
    For a read-only file mapping MADV_DONTNEED only drops the page-table entries: later reads see the same
    bytes. Linux only; elsewhere, or on any failure, nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        target, released = str(path.resolve()), 0
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].strip() == target and "w" not in fields[1]:
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    if madvise(start, end - start, MADV_DONTNEED) == 0:
                        released += end - start
        return released
    except (OSError, AttributeError, ValueError):
        return 0


class _CompiledEngine:
    """LiteRT's CompiledModel API; tensor buffers are made once per signature, on first use."""

    name = "ai_edge_litert.CompiledModel"

    def __init__(self, model_path: Path, threads: int):
        from ai_edge_litert.compiled_model import CompiledModel
        from ai_edge_litert.hardware_accelerator import HardwareAccelerator
        from ai_edge_litert.options import CpuOptions, Options

        options = Options(hardware_accelerators=HardwareAccelerator.CPU,
                          cpu_options=CpuOptions(num_threads=threads or 1,
                                                 xnnpack_weight_cache_path=IN_MEMORY_CACHE))
        self.model = CompiledModel.from_file(str(model_path), options=options)
        release_file_pages(model_path)  # weights are packed now; ~6 MB of RSS on TinyBERT int8
        self._signatures = self.model.get_signature_list()
        self._buffers: dict[str, tuple] = {}

    def signatures(self) -> list[str]:
        return list(self._signatures)

    def inputs(self, key: str) -> dict[str, np.dtype]:
        details = self.model.get_input_tensor_details(key)
        return {name: np.dtype(details[name]["dtype"]) for name in self._signatures[key]["inputs"]}

    def input_shapes(self, key: str) -> dict[str, list[int]]:
        details = self.model.get_input_tensor_details(key)
        return {name: [int(d) for d in details[name]["shape"]] for name in self._signatures[key]["inputs"]}

    def outputs(self, key: str) -> list[str]:
        return list(self._signatures[key]["outputs"])

    def output_dtypes(self, key: str) -> dict[str, np.dtype]:
        details = self.model.get_output_tensor_details(key)
        return {name: np.dtype(details[name]["dtype"]) for name in self.outputs(key)}

    def run(self, key: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if key not in self._buffers:
            index = self.model.get_signature_index(key)
            details = self.model.get_output_tensor_details(key)
            shapes = [(tuple(details[n]["shape"]), np.dtype(details[n]["dtype"])) for n in self.outputs(key)]
            self._buffers[key] = (index, self.model.create_input_buffers(index),
                                  self.model.create_output_buffers(index), shapes)
        index, ins, outs, shapes = self._buffers[key]
        for name, buffer in zip(self._signatures[key]["inputs"], ins, strict=True):
            buffer.write(feeds[name])
        self.model.run_by_index(index, ins, outs)
        return {name: buffer.read(int(np.prod(shape)), dtype).reshape(shape)
                for name, buffer, (shape, dtype) in zip(self.outputs(key), outs, shapes, strict=True)}


class _InterpreterEngine:
    """The classic Interpreter (ai_edge_litert without CompiledModel, or tflite_runtime)."""

    def __init__(self, interpreter_cls, name: str, model_path: Path, threads: int):
        self.name = name
        self.interpreter = interpreter_cls(model_path=str(model_path), num_threads=threads or None)
        self._runners: dict[str, object] = {}

    def signatures(self) -> list[str]:
        return list(self.interpreter.get_signature_list())

    def _runner(self, key: str):
        if key not in self._runners:
            self._runners[key] = self.interpreter.get_signature_runner(key)
        return self._runners[key]

    def inputs(self, key: str) -> dict[str, np.dtype]:
        return {k: np.dtype(v["dtype"]) for k, v in self._runner(key).get_input_details().items()}

    def input_shapes(self, key: str) -> dict[str, list[int]]:
        return {k: [int(d) for d in v["shape"]] for k, v in self._runner(key).get_input_details().items()}

    def outputs(self, key: str) -> list[str]:
        return list(self._runner(key).get_output_details())

    def output_dtypes(self, key: str) -> dict[str, np.dtype]:
        return {k: np.dtype(v["dtype"]) for k, v in self._runner(key).get_output_details().items()}

    def run(self, key: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self._runner(key)(**feeds)


def _output_quantization(model_path: Path) -> dict[tuple[str, str], tuple[float, int]]:
    """(signature, output) -> (scale, zero point) of integer outputs (a full-integer model's logits), read
    lazily from the mmapped flatbuffer: CompiledModel reports an output's dtype but not its scale."""
    import mmap

    from ai_edge_litert import schema_py_generated as schema  # type: ignore[import-untyped]

    found = {}
    with open(model_path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        model = schema.Model.GetRootAs(buf, 0)
        for i in range(model.SignatureDefsLength()):
            sig = model.SignatureDefs(i)
            subgraph = model.Subgraphs(sig.SubgraphIndex())
            for j in range(sig.OutputsLength()):
                out = sig.Outputs(j)
                tensor = subgraph.Tensors(out.TensorIndex())
                quant = tensor.Quantization()
                if tensor.Type() in (schema.TensorType.INT8, schema.TensorType.INT16) and quant and quant.ScaleLength():
                    found[(sig.SignatureKey().decode(), out.Name().decode())] = (float(quant.Scale(0)),
                                                                                int(quant.ZeroPoint(0)))
    return found


def _open_engine(model_path: Path, threads: int):
    try:
        return _CompiledEngine(model_path, threads)
    except ImportError:
        pass
    except (ValueError, RuntimeError) as exc:
        raise RuntimeUnavailable(f"LiteRT cannot load {model_path.name}: {exc}".splitlines()[0]) from exc
    try:
        from ai_edge_litert.interpreter import Interpreter

        interpreter_cls, name = Interpreter, "ai_edge_litert.Interpreter"
    except ImportError:
        try:  # last fallback: old, lacks ops today's converters emit (GATHER_ND v5, FULLY_CONNECTED v12)
            from tflite_runtime.interpreter import Interpreter  # type: ignore[import-not-found]

            interpreter_cls, name = Interpreter, "tflite_runtime"
        except ImportError as exc:
            raise RuntimeUnavailable("this bundle needs LiteRT: pip install 'edgelm[agent,litert]'") from exc
    try:
        return _InterpreterEngine(interpreter_cls, name, model_path, threads)
    except (ValueError, RuntimeError) as exc:
        hint = f" ({NEWER_OPS_HINT})" if name == "tflite_runtime" else ""
        raise RuntimeUnavailable(f"LiteRT cannot load {model_path.name}: {exc}{hint}".splitlines()[0]) from exc


class LiteRtRuntime:
    name = "litert"
    providers = ["XNNPACK"]

    def __init__(self, model_path: Path, threads: int = 0):
        self.engine = _open_engine(model_path, threads)
        self.signatures = self.engine.signatures()
        self.buckets: dict[int, str] = {}
        for key in self.signatures:
            match = re.fullmatch(r"seq(\d+)", key)
            if match:
                self.buckets[int(match.group(1))] = key
        self.buckets = dict(sorted(self.buckets.items()))
        if not self.signatures:
            raise RuntimeUnavailable(f"{model_path.name} has no signatures: not an EdgeLM LiteRT bundle")
        first = next(iter(self.buckets.values()), self.signatures[0])
        self._dtypes = self.engine.inputs(first)
        self.input_names = sorted(self._dtypes)
        self.input_shapes = {k: [None, None] for k in self._dtypes}
        self.output_names = self.engine.outputs(first)
        self.max_len = max(self.buckets) if self.buckets else 0
        # one conversion quantizes every signature alike: the first tells whether outputs are integers
        integer = any(dtype.kind in "iu" for dtype in self.engine.output_dtypes(first).values())
        self._dequantize = _output_quantization(model_path) if integer else {}
        self._signature_dtypes: dict[str, dict[str, np.dtype]] = {}

    def _call(self, key: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.engine.run(key, feeds)
        for name, value in out.items():
            if (key, name) in self._dequantize:  # full-integer model: int8 logits back to float
                scale, zero = self._dequantize[(key, name)]
                out[name] = (value.astype(np.float32) - zero) * scale
        return out

    def run_signature(self, key: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One call of one signature, inputs cast to the signature's own dtypes (the generator's path).
        A generative bundle has no seq<N> buckets: `prefill<T>` and `decode` (see edge_agent.inference.generate)."""
        if key not in self._signature_dtypes:  # decode runs once per token: look its inputs up once
            self._signature_dtypes[key] = self.engine.inputs(key)
        dtypes = self._signature_dtypes[key]
        return self._call(key, {name: np.ascontiguousarray(feeds[name], dtype=dtypes[name]) for name in dtypes})

    def signature_input_shapes(self, key: str) -> dict[str, list[int]]:
        return self.engine.input_shapes(key)

    def bucket_for(self, length: int) -> int:
        for bucket in self.buckets:
            if bucket >= length:
                return bucket
        raise ValueError(f"input of {length} tokens exceeds the largest bucket ({self.max_len})")

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if not self.buckets:
            raise RuntimeUnavailable("this LiteRT bundle has no seq<N> signatures to classify with")
        feeds = {k: v for k, v in feeds.items() if k in self._dtypes}
        mask = feeds.get("attention_mask")
        rows, width = next(iter(feeds.values())).shape
        outputs: dict[str, list[np.ndarray]] = {}
        for row in range(rows):
            # trailing padding of the batch is dropped, then the row is padded to its own bucket
            length = int(mask[row].sum()) if mask is not None else width
            bucket = self.bucket_for(max(length, 1))
            single = {}
            for name, value in feeds.items():
                padded = np.zeros((1, bucket), dtype=self._dtypes[name])
                padded[0, :length] = value[row, :length]
                single[name] = padded
            for name, value in self._call(self.buckets[bucket], single).items():
                if value.ndim == 3:  # per-token outputs (slot tags) come back at the batch's own width
                    fitted = np.zeros((1, width, value.shape[2]), dtype=value.dtype)
                    fitted[:, :min(width, bucket)] = value[:, :width]
                    value = fitted
                outputs.setdefault(name, []).append(value)
        return {name: np.concatenate(values) for name, values in outputs.items()}
