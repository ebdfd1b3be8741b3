"""Vocabulary pruning for WordPiece encoders: keep the tokens a domain uses, shrink the embedding matrix and
rewrite tokenizer.json so the ids it emits are the rows the new embedding holds.

In MiniLM/TinyBERT-class models the word embeddings are most of the weights, so for a home-automation
vocabulary this is the largest size win. Safety margin: every single-character piece ("a", "##a") of the
Latin script is kept, so a word the domain texts never showed still spells out instead of becoming [UNK].
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass

from converter.errors import ConversionError

LATIN_MAX = 0x24F  # Basic Latin to Latin Extended-B: en, es, and the other Latin-script languages


@dataclass
class VocabPlan:
    keep: list[int]  # old ids, ascending; new id = position
    before: int

    @property
    def after(self) -> int:
        return len(self.keep)

    def mapping(self) -> dict[int, int]:
        return {old: new for new, old in enumerate(self.keep)}


def _is_margin(token: str) -> bool:
    core = token[2:] if token.startswith("##") else token
    if len(core) != 1:
        return False
    ch = core
    return ord(ch) <= LATIN_MAX or unicodedata.category(ch).startswith(("P", "N", "S"))


def plan(tokenizer_json: dict, texts: list[str], min_count: int = 1, always: list[str] | None = None) -> VocabPlan:
    """Token ids to keep: special/added tokens, every token `texts` use at least `min_count` times, every
    token of `always` (e.g. the languages' common words), and the single-character margin (so a dropped
    word still spells out)."""
    from tokenizers import Tokenizer

    model = tokenizer_json.get("model", {})
    if model.get("type") != "WordPiece":
        raise ConversionError(f"--prune-vocab needs a WordPiece tokenizer (BERT family), not {model.get('type')}")
    vocab: dict[str, int] = model["vocab"]
    keep = {t["id"] for t in tokenizer_json.get("added_tokens", [])}
    keep |= {i for tok, i in vocab.items() if _is_margin(tok)}
    tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
    counts: Counter[int] = Counter()
    for encoding in tokenizer.encode_batch(texts):
        counts.update(encoding.ids)
    keep.update(i for i, n in counts.items() if n >= min_count)
    for encoding in tokenizer.encode_batch(always or []):
        keep.update(encoding.ids)
    if model.get("unk_token") in vocab:
        keep.add(vocab[model["unk_token"]])
    return VocabPlan(keep=sorted(keep), before=len(vocab))


def rewrite_tokenizer(tokenizer_json: dict, vocab_plan: VocabPlan) -> dict:
    """A copy of tokenizer.json whose ids are the new, contiguous ones (special tokens included)."""
    mapping = vocab_plan.mapping()
    out = json.loads(json.dumps(tokenizer_json))
    old_vocab: dict[str, int] = out["model"]["vocab"]
    out["model"]["vocab"] = {tok: mapping[i] for tok, i in sorted(old_vocab.items(), key=lambda kv: kv[1])
                             if i in mapping}
    for added in out.get("added_tokens", []):
        added["id"] = mapping[added["id"]]
    post = out.get("post_processor") or {}
    processors = post.get("processors", [post])  # a Sequence holds several
    for proc in processors:
        for special in (proc.get("special_tokens") or {}).values():  # TemplateProcessing
            special["ids"] = [mapping[i] for i in special["ids"]]
        for key in ("cls", "sep"):  # BertProcessing / RobertaProcessing: [token, id]
            if isinstance(proc.get(key), list):
                proc[key] = [proc[key][0], mapping[proc[key][1]]]
    if out.get("padding"):
        out["padding"]["pad_id"] = mapping.get(out["padding"]["pad_id"], 0)
    return out


def shrink_embeddings(model, vocab_plan: VocabPlan) -> None:
    """Replace the word-embedding matrix by its kept rows and update the config to match."""
    import torch

    old = model.get_input_embeddings()
    if old.weight.shape[0] != vocab_plan.before:
        raise ConversionError(f"embedding has {old.weight.shape[0]} rows but the tokenizer {vocab_plan.before} "
                              "tokens; --prune-vocab needs them to match")
    index = torch.tensor(vocab_plan.keep, dtype=torch.long)
    new = torch.nn.Embedding(len(vocab_plan.keep), old.weight.shape[1], padding_idx=None)
    with torch.no_grad():
        new.weight.copy_(old.weight.index_select(0, index))
    model.set_input_embeddings(new)
    mapping = vocab_plan.mapping()
    model.config.vocab_size = len(vocab_plan.keep)
    if model.config.pad_token_id is not None:
        model.config.pad_token_id = mapping.get(model.config.pad_token_id, 0)


def write_vocab_txt(tokenizer_json: dict, path) -> None:
    """vocab.txt in id order, for the slow BertTokenizer that transformers may still pick."""
    vocab = tokenizer_json["model"]["vocab"]
    path.write_text("".join(tok + "\n" for tok, _ in sorted(vocab.items(), key=lambda kv: kv[1])))
