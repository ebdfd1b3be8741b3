"""Load the Hugging Face original: a local checkpoint directory, or a hub id for users who are online."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from converter.errors import ConversionError, MissingExtraError
from converter.registry import ExportSpec, default_task, family_for, lookup

log = logging.getLogger(__name__)


@dataclass
class Source:
    """A resolved checkpoint: where it lives, what it is, and how to export it."""

    path: Path
    config: dict[str, Any]
    spec: ExportSpec

    @property
    def family(self) -> str:
        return self.spec.family

    @property
    def labels(self) -> list[str]:
        id2label = self.config.get("id2label") or {}
        return [id2label[k] for k in sorted(id2label, key=int)] if id2label else []

    @property
    def slot_labels(self) -> list[str]:
        return list(self.config.get("slot_labels") or [])

    @property
    def max_positions(self) -> int:
        return int(self.config.get("max_position_embeddings") or self.config.get("n_positions") or 512)


def resolve(model: str, task: str | None = None) -> Source:
    """Find the checkpoint and its family/task; every failure is a one-line ConversionError."""
    path = Path(model).expanduser()
    if not path.exists():
        if model.count("/") > 1 or model.startswith((".", "/", "~")):
            raise ConversionError(f"model directory {model} does not exist")
        path = _download(model)
    if not path.is_dir():
        raise ConversionError(f"{model} is not a directory")
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ConversionError(f"{model} has no config.json: not a Hugging Face checkpoint")
    try:
        config = json.loads(config_file.read_text())
    except json.JSONDecodeError as exc:
        raise ConversionError(f"{config_file} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if not any(path.glob("*.safetensors")) and not any(path.glob("*.bin")):
        raise ConversionError(f"{model} has no weights (*.safetensors or pytorch_model.bin)")
    family = family_for(str(config.get("model_type", "")))
    return Source(path=path, config=config, spec=lookup(family, task or default_task(family, config)))


def _download(model_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise MissingExtraError("huggingface_hub") from exc
    try:
        return Path(snapshot_download(model_id, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model"]))
    except Exception as exc:  # network, auth, missing repo: all the same to the user
        raise ConversionError(f"{model_id} is neither a local directory nor a reachable hub model: {exc}") from exc


def load_torch_model(source: Source):
    """The PyTorch original, in eval mode (the reference every converted model is checked against)."""
    try:
        import transformers
    except ImportError as exc:
        raise MissingExtraError("transformers") from exc
    if ":" in source.spec.model_class:  # an EdgeLM model class (the joint intent + slot model)
        import importlib

        module, _, name = source.spec.model_class.partition(":")
        auto = getattr(importlib.import_module(module), name)
    else:
        auto = getattr(transformers, source.spec.model_class)
    try:
        model = auto.from_pretrained(source.path)
    except Exception as exc:  # corrupted weights, shape mismatches
        raise ConversionError(f"cannot load {source.path} with transformers: {exc}".splitlines()[0]) from exc
    return model.eval()


def write_tokenizer_json(source: Source, out: Path, max_len: int | None = None) -> Path:
    """Copy (or create from vocab files) the fast tokenizer the agent loads without transformers.

    With max_len, the copy pads to the longest text of a batch and truncates at max_len, whatever the
    checkpoint said: sentence-transformers checkpoints pad every text to a fixed 128, which made a short
    command cost as much as a 128-token one (4.7x on a TinyBERT-shape bundle)."""
    target = out / "tokenizer.json"
    existing = source.path / "tokenizer.json"
    if existing.is_file():
        target.write_bytes(existing.read_bytes())
    else:
        _save_fast_tokenizer(source, target)
    if max_len is not None:
        pad_longest(target, max_len)
    return target


def pad_longest(path: Path, max_len: int) -> None:
    """Rewrite a tokenizer.json to pad to the batch's longest text and truncate at max_len."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    padding = tok.padding or {}
    pad_token = padding.get("pad_token") or ("[PAD]" if tok.token_to_id("[PAD]") is not None else None)
    if padding or pad_token is not None:
        pad_id = padding.get("pad_id", tok.token_to_id(pad_token) if pad_token else 0)
        tok.enable_padding(pad_id=pad_id or 0, pad_token=pad_token or "[PAD]")
    tok.enable_truncation(max_len)
    tok.save(str(path))


def _save_fast_tokenizer(source: Source, target: Path) -> None:
    try:
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise MissingExtraError("transformers") from exc
    try:
        tok = AutoTokenizer.from_pretrained(source.path, use_fast=True)
    except Exception as exc:
        raise ConversionError(f"{source.path} has no usable tokenizer: {exc}".splitlines()[0]) from exc
    if not tok.is_fast:
        raise ConversionError(f"{source.path}: only fast (tokenizers) tokenizers can be bundled")
    tok.backend_tokenizer.save(str(target))
