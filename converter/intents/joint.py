"""The joint intent + slot model: one BERT encoder, a sentence head on [CLS] and a BIO tag head on every
token. Saved as a normal BERT checkpoint whose config carries `slot_labels`, so `resolve` picks the
`intent-slots` task from the config alone."""

from __future__ import annotations

from dataclasses import dataclass

from converter.errors import MissingExtraError
from converter.intents.slots_data import Span, bio_tags
from edge_agent.home.slots import text_offsets

try:
    import torch
    from transformers import BertModel, BertPreTrainedModel
    from transformers.utils import ModelOutput
except ImportError as exc:  # the converter's extra, never the agent's
    raise MissingExtraError("torch/transformers", extra="convert") from exc

SLOT_LOSS_WEIGHT = 1.0
IGNORE = -100


@dataclass
class JointOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # [batch, intents]
    slot_logits: torch.Tensor | None = None  # [batch, seq, tags]


class JointIntentSlotModel(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        # "cls": BERT's pooler on [CLS] (MiniLM's pretrained one); "mean": the mean of the token states, the
        # pooling e5 was pretrained with (it ships no pooler)
        self.pooling = getattr(config, "pooling", "cls")
        self.bert = BertModel(config, add_pooling_layer=self.pooling == "cls")
        self.dropout = torch.nn.Dropout(config.hidden_dropout_prob)
        self.classifier = torch.nn.Linear(config.hidden_size, config.num_labels)
        self.slot_classifier = torch.nn.Linear(config.hidden_size, len(config.slot_labels))
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, slot_labels=None,
                **_):
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        if self.pooling == "mean":
            mask = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
            pooled = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        else:
            pooled = out.pooler_output
        logits = self.classifier(self.dropout(pooled))
        slot_logits = self.slot_classifier(self.dropout(out.last_hidden_state))
        loss = None
        if labels is not None:
            loss = torch.nn.functional.cross_entropy(logits, labels)
            if slot_labels is not None:
                loss = loss + SLOT_LOSS_WEIGHT * torch.nn.functional.cross_entropy(
                    slot_logits.reshape(-1, slot_logits.shape[-1]), slot_labels.reshape(-1), ignore_index=IGNORE)
        return JointOutput(loss=loss, logits=logits, slot_logits=slot_logits)


class ExportWrapper(torch.nn.Module):
    """A tuple out instead of a ModelOutput: fixed output names for torch.onnx and LiteRT signatures."""

    def __init__(self, model: JointIntentSlotModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.logits, out.slot_logits


def slot_label_set(spans: list[list[Span]]) -> list[str]:
    names = sorted({s.name for row in spans for s in row})
    return ["O"] + [f"{p}-{n}" for n in names for p in ("B", "I")]


def encode_with_tags(tokenizer, texts: list[str], spans: list[list[Span]], tag_index: dict[str, int],
                     max_len: int) -> dict:
    """Tokenise a batch and align each token with its BIO tag; padding is ignored by the loss."""
    enc = tokenizer(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt",
                    return_offsets_mapping=True)
    offsets = enc.pop("offset_mapping").tolist()
    tags = []
    for text, row_offsets, row_spans, mask in zip(texts, offsets, spans, enc["attention_mask"].tolist()):
        row = [tag_index.get(t, 0) for t in bio_tags(text_offsets(text, [tuple(o) for o in row_offsets]), row_spans)]
        tags.append([t if m else IGNORE for t, m in zip(row, mask)])
    enc["slot_labels"] = torch.tensor(tags)
    return enc

