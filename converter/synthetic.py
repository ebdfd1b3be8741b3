"""Random-weight checkpoints of real shapes, with tokenizers trained by `tokenizers`.

Nothing can be downloaded on CI machines or in the demo, so tests and benchmarks build their models
here: tiny ones for tests, TinyBERT/MobileBERT/distilgpt2 shapes for benchmarks.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from converter.errors import MissingExtraError

ACTIONS = ["turn on", "turn off", "switch on", "switch off", "dim", "brighten", "open", "close", "lock",
           "unlock", "start", "stop", "set", "what is", "show me"]
THINGS = ["the kitchen light", "the living room lamp", "the garage door", "the heater", "the fan", "the tv",
          "the bedroom blinds", "the front door", "the vacuum", "the music", "the thermostat", "the oven"]
EXTRAS = ["", "please", "now", "in ten minutes", "to fifty percent", "for me", "right away", "tonight"]
LABELS = ["HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState"]

SHAPES = {
    # name: (family, config kwargs)
    "bert-tiny": ("bert", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                               intermediate_size=64, max_position_embeddings=128)),
    "mobilebert-tiny": ("mobilebert", dict(hidden_size=32, embedding_size=16, num_hidden_layers=2,
                                           num_attention_heads=4, intermediate_size=64, intra_bottleneck_size=16,
                                           true_hidden_size=16, num_feedforward_networks=2,
                                           max_position_embeddings=128)),
    "gpt2-tiny": ("gpt2", dict(n_embd=32, n_layer=2, n_head=4, n_positions=128)),
    # wide enough that int8 of the pooler and classifier alone can break parity (the fallback tests' draws)
    "bert-small": ("bert", dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
                                max_position_embeddings=128)),
    "tinybert": ("bert", dict(hidden_size=312, num_hidden_layers=4, num_attention_heads=12,
                              intermediate_size=1200, vocab_size=30522, max_position_embeddings=512)),
    "mobilebert": ("mobilebert", dict(vocab_size=30522)),
    "distilgpt2": ("gpt2", dict(n_embd=768, n_layer=6, n_head=12, vocab_size=50257, n_positions=1024)),
}


def corpus(n: int = 2000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    combos = list(itertools.product(ACTIONS, THINGS, EXTRAS))
    rng.shuffle(combos)
    return [" ".join(w for w in c if w) for c in combos[:n]]


def labelled(n: int = 200, seed: int = 1) -> list[dict]:
    """Sentences with a label derived from their verb, for eval/calibration files."""
    verb_label = {"turn on": 0, "switch on": 0, "open": 0, "unlock": 0, "start": 0, "turn off": 1,
                  "switch off": 1, "close": 1, "lock": 1, "stop": 1, "dim": 2, "brighten": 2, "set": 2,
                  "what is": 3, "show me": 3}
    rows = []
    for text in corpus(n, seed):
        verb = next(v for v in sorted(verb_label, key=len, reverse=True) if text.startswith(v))
        rows.append({"text": text, "label": LABELS[verb_label[verb]]})
    return rows


def _wordpiece(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    return tok, dict(unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                     mask_token="[MASK]")


def _bytelevel(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    ))
    return tok, dict(bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>")


def make_checkpoint(out: Path, shape: str = "bert-tiny", labels: list[str] | None = None, seed: int = 0,
                    vocab_size: int = 400) -> Path:
    """Write a HF checkpoint directory (config, safetensors, tokenizer) of the given shape."""
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingExtraError("torch/transformers") from exc
    family, kwargs = SHAPES[shape]
    texts = corpus()
    tok, special = _bytelevel(texts, vocab_size) if family == "gpt2" else _wordpiece(texts, vocab_size)
    kwargs = {"vocab_size": tok.get_vocab_size(), **kwargs}
    torch.manual_seed(seed)
    config: transformers.PretrainedConfig
    model: transformers.PreTrainedModel
    if family == "gpt2":
        config = transformers.GPT2Config(**kwargs, bos_token_id=0, eos_token_id=0)
        model = transformers.GPT2LMHeadModel(config)
    else:
        labels = labels or LABELS
        config_cls = transformers.BertConfig if family == "bert" else transformers.MobileBertConfig
        config = config_cls(**kwargs, num_labels=len(labels), id2label=dict(enumerate(labels)),
                            label2id={name: i for i, name in enumerate(labels)})
        model_cls = (transformers.BertForSequenceClassification if family == "bert"
                     else transformers.MobileBertForSequenceClassification)
        model = model_cls(config)
    out.mkdir(parents=True, exist_ok=True)
    model.eval().save_pretrained(out)
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, **special)
    fast.save_pretrained(out)
    return out
