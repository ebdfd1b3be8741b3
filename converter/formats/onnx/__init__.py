from converter.formats.onnx import backend as _backend  # noqa: F401  (registers the format)
