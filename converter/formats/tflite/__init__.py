from converter.formats.tflite import backend as _backend  # noqa: F401  (registers the format)
