"""A bundle made ready to serve: verified, runtime loaded, golden examples re-checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_agent.home.slots import tagged_spans
from edge_agent.inference.bundle import Bundle, BundleError, open_bundle
from edge_agent.inference.classify import Classifier
from edge_agent.inference.generate import Generator
from edge_agent.inference.runtime import Runtime, RuntimeUnavailable, load_runtime

GOLDEN_PROB_TOLERANCE = 0.05  # int8 kernels differ slightly between CPUs; labels must not


def load_tokenizer(path: Path):
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise RuntimeUnavailable("the agent needs tokenizers: pip install 'edgelm[agent]'") from exc
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception
        raise BundleError(f"{path.name} is not a valid tokenizers file: {exc}") from exc
    if tokenizer.padding:
        # The agent pads each batch itself, to its longest text, and masks the padding. A bundle's own
        # padding would count as text, and an older bundle may pad everything to a fixed 128
        # (sentence-transformers tokenizers do).
        tokenizer.no_padding()
    return tokenizer


@dataclass
class LoadedModel:
    bundle: Bundle
    runtime: Runtime
    tokenizer: object
    classifier: Classifier | None = None
    generator: Generator | None = None

    @property
    def manifest(self):
        return self.bundle.manifest

    @property
    def is_generator(self) -> bool:
        return self.generator is not None


def check_golden(model: LoadedModel) -> list[str]:
    """Re-run the converter's golden examples; return every mismatch."""
    problems = []
    for example in model.manifest.golden:
        text, expected = example.get("text", ""), example.get("expected")
        if model.classifier is not None:
            pred = model.classifier.predict([text])[0]
            if pred.label != expected:
                problems.append(f"golden {text!r}: got {pred.label!r}, expected {expected!r}")
            probs = example.get("probabilities")
            if probs is not None and np.max(np.abs(pred.probabilities - np.asarray(probs))) > GOLDEN_PROB_TOLERANCE:
                problems.append(f"golden {text!r}: probabilities differ beyond {GOLDEN_PROB_TOLERANCE}")
            spans = example.get("slots")
            if spans is not None and [list(t) for t in tagged_spans(pred.slots)] != spans:
                problems.append(f"golden {text!r}: slots differ from the converter's")
        elif model.generator is not None:
            got = model.generator.generate(text, max_new_tokens=len(expected)).tokens
            if got != expected:
                problems.append(f"golden {text!r}: generated {got}, expected {expected}")
    return problems


def load_model(
    bundle_path: str | Path,
    threads: int = 0,
    providers: list[str] | None = None,
    trust_key: Path | None = None,
    run_golden: bool = True,
    spinning: bool = True,
) -> LoadedModel:
    bundle = open_bundle(bundle_path, trust_key=trust_key)
    manifest = bundle.manifest
    runtime = load_runtime(manifest.runtime, bundle.model_path, threads=threads, providers=providers,
                           spinning=spinning)
    tokenizer = load_tokenizer(bundle.tokenizer_path)
    model = LoadedModel(bundle=bundle, runtime=runtime, tokenizer=tokenizer)
    if manifest.task == "text-generation":
        eos = manifest.generation.get("eos_token_id")
        model.generator = Generator(runtime, tokenizer, eos, manifest.max_seq_len)
    else:
        if not manifest.labels:
            raise BundleError("classification bundle has no labels in its manifest")
        if manifest.task == "intent-slots" and not manifest.slot_labels:
            raise BundleError("intent-slots bundle has no slot_labels in its manifest")
        model.classifier = Classifier(runtime, tokenizer, manifest.labels, manifest.max_seq_len,
                                      slot_labels=manifest.slot_labels, slot_values=manifest.slot_values)
        model.classifier.languages = list(manifest.languages or [])
        model.classifier.one_at_a_time = manifest.quantization.get("mode") == "dynamic-int8"
    if run_golden:
        problems = check_golden(model)
        if problems:
            raise BundleError("golden smoke test failed: " + "; ".join(problems))
    return model
