"""Shrink a multi-signature .tflite without touching a weight.

Every bucket signature is its own subgraph with its own tensor table. The weights are shared buffers, but
each subgraph repeats the per-channel quantization parameters of every weight (a 30522-row embedding
carries 30522 scales and 30522 int64 zero points, once per signature) and litert-torch's long tensor
names. On a TinyBERT-shape int8 model with nine buckets that is 5.7 of 19.9 MB. Here identical
quantization tables are written once and shared (a flatbuffer may point at one table from many places),
and internal tensor names become short. Signatures map names to tensor indices, so nothing the runtime
looks up changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ALIGN = 64  # weight data after the flatbuffer, aligned as the converters align it
NAME_LIMIT = 24


def _quant_key(q) -> tuple:
    def raw(values):
        return None if values is None else np.asarray(values).tobytes()

    return (raw(q.scale), raw(q.zeroPoint), raw(q.min), raw(q.max), q.quantizedDimension, q.detailsType,
            id(q.details) if q.details is not None else None)


def _pack(model, schema, offsets: list[tuple[int, int]]) -> bytes:
    import flatbuffers

    builder = flatbuffers.Builder(1 << 20)
    shared: dict[tuple, int] = {}
    original = schema.QuantizationParametersT.Pack

    def pack_once(self, b):
        key = _quant_key(self)
        if key not in shared:
            shared[key] = original(self, b)
        return shared[key]

    for buffer, (offset, size) in zip(model.buffers, offsets, strict=True):
        buffer.offset, buffer.size = offset, size
    schema.QuantizationParametersT.Pack = pack_once
    try:
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    finally:
        schema.QuantizationParametersT.Pack = original
    return bytes(builder.Output())


def compact_tflite(path: Path) -> tuple[int, int]:
    """Rewrite `path` in place; returns (bytes before, bytes after). Outputs are bit-identical."""
    from ai_edge_litert import schema_py_generated as schema  # type: ignore[import-untyped]

    data = path.read_bytes()
    model = schema.ModelT.InitFromPackedBuf(data, 0)
    blobs: list[bytes] = []
    for buffer in model.buffers:
        if buffer.offset > 1:  # stored after the flatbuffer
            blobs.append(data[buffer.offset:buffer.offset + buffer.size])
        elif buffer.data is not None:
            blobs.append(np.asarray(buffer.data, dtype=np.uint8).tobytes())
        else:
            blobs.append(b"")
        buffer.data = None
    for subgraph in model.subgraphs:
        for index, tensor in enumerate(subgraph.tensors):
            if tensor.name is not None and len(tensor.name) > NAME_LIMIT:
                tensor.name = f"t{index}".encode()
    # two passes: the first, with placeholder offsets, fixes the flatbuffer's size; offsets go after it
    placeholder = [(2, len(blob)) if blob else (0, 0) for blob in blobs]
    head = len(_pack(model, schema, placeholder))
    offsets, cursor = [], _align(head)
    for blob in blobs:
        if blob:
            offsets.append((cursor, len(blob)))
            cursor = _align(cursor + len(blob))
        else:
            offsets.append((0, 0))
    packed = _pack(model, schema, offsets)
    if len(packed) != head:
        raise RuntimeError("tflite compaction: flatbuffer size changed between passes")
    out = bytearray(packed)
    for blob, (offset, _) in zip(blobs, offsets, strict=True):
        if blob:
            out.extend(b"\0" * (offset - len(out)))
            out.extend(blob)
    path.write_bytes(bytes(out))
    return len(data), len(out)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN
