"""What one conversion knows as it goes: the options, the board, the source, and what each step adds.

Steps read and fill one ConversionContext instead of passing a dozen values to each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import devices
from converter.progress import Steps
from converter.source import Source, load_torch_model
from converter.verify import EvalSet, Outputs


@dataclass
class ConvertOptions:
    device: str | devices.DeviceProfile = "x86-64"
    task: str | None = None
    format: str = "auto"  # auto: the board's default_format where the model supports it, else onnx
    quantize: str = "auto"
    eval_file: Path | None = None
    calibration_file: Path | None = None
    max_accuracy_drop: float = 1.0
    sign_key: Path | None = None
    max_seq_len: int | None = None
    name: str | None = None
    version: str = "1.0.0"
    quiet: bool = False
    prune_heads: str | None = None  # fraction of heads to remove, or "auto"
    prune_ffn: float | None = None
    prune_vocab: bool = False
    vocab_min_count: int = 1  # --prune-vocab keeps tokens used at least this often
    vocab_keep_file: Path | None = None  # one text a line: --prune-vocab keeps every token of these
    recover_steps: int = 0
    train_file: Path | None = None  # texts for the recovery distillation (default: calibration texts)
    provenance: dict | None = None  # how the source was made (recipe, package versions), kept in the manifest


@dataclass
class References:
    """The PyTorch original's outputs that every candidate is compared with."""

    parity: Outputs
    eval_logits: Any = None  # np.ndarray over the eval set, with --eval
    slot_spans: list | None = None  # predicted spans over the eval set, for intent-slots with gold spans


@dataclass
class ConversionContext:
    source: Source
    opts: ConvertOptions
    profile: devices.DeviceProfile
    mode: str  # the resolved quantization
    steps: Steps
    work: Path  # a temporary directory, removed at the end
    max_len: int
    pruning: dict = field(default_factory=dict)
    # filled by the export step
    tokenizer: Any = None
    tokenizer_path: Path | None = None
    # filled from --eval / --calibration
    evalset: EvalSet | None = None
    calibration: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # what parity is measured on
    references: References | None = None
    fp32_parity: dict = field(default_factory=dict)
    _torch_model: Any = None

    @property
    def stage(self) -> Path:
        """Where the bundle's files are gathered before they are written out."""
        path = self.work / "bundle"
        path.mkdir(exist_ok=True)
        return path

    @property
    def generative(self) -> bool:
        return self.source.spec.generative

    def torch_model(self):
        """The PyTorch original, loaded once."""
        if self._torch_model is None:
            self._torch_model = load_torch_model(self.source)
        return self._torch_model
