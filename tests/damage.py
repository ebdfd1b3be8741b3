"""Checkpoints damaged on purpose for the int8 fallback tests: their own module, so that the cached
conversions of them are keyed by this code alone (tests/conftest.py changes often)."""

from __future__ import annotations

import shutil
from pathlib import Path


def activation_outlier(layer) -> None:
    """Neuron 0 of the FFN fires at ~1000 and the down projection ignores it, so fp32 is unchanged; but
    dynamic int8 quantizes each token's activations with one scale, which that neuron sets, and the rest
    round to zero. (A weight outlier would not do: weights are per-channel in both formats, and litert-torch
    folds a zeroed LayerNorm gain into the next weights.)"""
    layer.intermediate.dense.bias[0] = 1000.0
    layer.output.dense.weight[:, 0] = 0.0


def damaged_layer_copy(bert_dir: Path, dst: Path, damage) -> Path:
    """A copy of the tiny BERT whose layer 1 FFN matters to the output and is then `damage`d in place
    (int8 of that layer alone must break while fp32 stays sane): the fallback tests' model."""
    import torch
    from transformers import BertForSequenceClassification

    shutil.copytree(bert_dir, dst)
    model = BertForSequenceClassification.from_pretrained(dst)
    # One fixed damaged model (its damage must break int8 of layer 1 alone), drawn from its own generator so
    # that neither earlier tests' draws nor this copy touch the global torch RNG.
    draws = torch.Generator().manual_seed(0)
    with torch.no_grad():
        layer = model.bert.encoder.layer[1]
        layer.intermediate.dense.weight.normal_(0, 0.5, generator=draws)
        layer.output.dense.weight.normal_(0, 0.5, generator=draws)
        damage(layer)
        model.classifier.weight.normal_(0, 1.0, generator=draws)
    model.save_pretrained(dst)
    return dst
