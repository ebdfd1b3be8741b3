"""Third-party chatter off unless asked for (`edgelm -v ...`): torch, torchao and transformers print
pages of warnings on import, export and loading that say nothing about the user's model."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings

LOUD = ("torch", "torchao", "transformers", "optimum", "onnxscript", "litert_torch", "ai_edge_quantizer")
HEAVY_COMMANDS = ("demo", "convert", "train-intents", "bench")


def quiet_third_party() -> None:
    warnings.filterwarnings("ignore")  # TracerWarning, FutureWarning, DeprecationWarning from the export stack
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    with contextlib.suppress(ImportError):  # torch sets its loggers' levels on import: import, then lower
        import torch  # noqa: F401
    for name in LOUD:
        logging.getLogger(name).setLevel(logging.ERROR)
