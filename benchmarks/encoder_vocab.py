"""How the encoders' pruned vocabularies see what users say (issue 33, part 2): the share of `<unk>` tokens and
tokens per word on the blind sets and on 200 invented device names (users name devices at run time).

    python benchmarks/encoder_vocab.py [--bundle DIR ...] [--e5 DIR ...]

Defaults: the shipped `home` bundle's tokenizer and the e5-small base that `build_home_model.py --encoder
e5-small` prunes (built here when missing)."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from rich.table import Table

from edgelm.home_model import HOME_BUNDLE
from edgelm.tables import print_table

ROOT = Path(__file__).resolve().parents[1]
SETS = ("blind_commands", "blind_chitchat", "blind2_commands", "blind2_chitchat")
SYLLABLES = ["bra", "zel", "kö", "nu", "ñam", "tré", "vos", "qui", "lux", "pé", "dor", "ska", "wyn", "çal", "mi",
             "ró", "zz", "thé", "gü", "al", "xo", "fen", "bü", "ja", "ló", "sto", "rí", "vä", "ng", "ex"]
KINDS = {"en": ["lamp", "heater", "fan", "speaker", "blinds"], "es": ["lámpara", "estufa", "ventilador",
                                                                       "altavoz", "persiana"]}


def invented_names(n: int = 200, seed: int = 33) -> list[str]:
    """Device names no vocabulary holds: a kind word and one or two invented words, half capitalized."""
    rng = random.Random(seed)
    names = []
    for i in range(n):
        lang = "en" if i % 2 == 0 else "es"
        words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(1, 2))]
        words = [w.capitalize() if rng.random() < 0.5 else w for w in words]
        kind = rng.choice(KINDS[lang])
        names.append(f"{kind} {' '.join(words)}" if lang == "es" else f"{' '.join(words)} {kind}")
    return names


def _texts(name: str, lang: str) -> list[str]:
    path = ROOT / "benchmarks" / "handwritten" / f"{name}_{lang}.jsonl"
    return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]


def measure(tokenizer, texts: list[str]) -> tuple[float, float]:
    from converter.encoders.e5_base import unknown_rate

    words = sum(len(t.split()) for t in texts)
    tokens = sum(len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False))
    return unknown_rate(tokenizer, texts), tokens / max(words, 1)


def _tokenizers(args: argparse.Namespace) -> dict[str, object]:
    from tokenizers import Tokenizer

    from converter.encoders.e5_base import E5Recipe, build_base

    found = {f"bundle {b.name}": Tokenizer.from_file(str(b / "tokenizer.json")) for b in args.bundle}
    for base in args.e5 or [ROOT / "build" / "encoders" / E5Recipe().name]:
        summary = build_base(base)
        found[f"{summary['recipe']} ({summary['pieces']} pieces)"] = Tokenizer.from_file(str(base / "tokenizer.json"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, action="append", default=None)
    parser.add_argument("--e5", type=Path, action="append", help="a pruned e5 base directory")
    args = parser.parse_args()
    args.bundle = args.bundle or [HOME_BUNDLE]
    table = Table(title="<unk> share / tokens per word")
    table.add_column("tokenizer")
    columns = [(f"{s} {lang}", _texts(s, lang)) for s in SETS for lang in ("en", "es")]
    columns.append(("200 invented device names", invented_names()))
    for title, _ in columns:
        table.add_column(title)
    for name, tokenizer in _tokenizers(args).items():
        cells = [measure(tokenizer, texts) for _, texts in columns]
        table.add_row(name, *[f"{unk:.1%} / {per_word:.2f}" for unk, per_word in cells])
    print_table(table)


if __name__ == "__main__":
    main()
