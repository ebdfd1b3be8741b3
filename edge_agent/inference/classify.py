"""Sequence classification (intent / text-classification): tokenize, pad, run, softmax."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from edge_agent.home.slots import SNAPPED, HomeEntities, build_slots, decode, text_offsets, word_tags
from edge_agent.home.spans import find_home_names, merge_home_names
from edge_agent.home.templates import TemplateMatch, TemplateMatcher
from edge_agent.home.templates import available as templates_available
from edge_agent.inference.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Prediction:
    label: str
    confidence: float
    probabilities: np.ndarray
    slots: list[dict] = field(default_factory=list)
    source: str = "model"  # or "template": one of Home Assistant's own templates matched it exactly

    def top(self, labels: list[str], k: int) -> list[dict]:
        order = np.argsort(-self.probabilities)[:k]
        return [{"name": labels[i], "confidence": round(float(self.probabilities[i]), 6)} for i in order]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def encode_batch(tokenizer, texts: list[str], max_len: int, input_names: list[str]) -> dict[str, np.ndarray]:
    """Pad to the longest text of the batch (not to max_len): short commands stay cheap."""
    return feeds_for(tokenizer, tokenizer.encode_batch(texts), max_len, input_names)


def feeds_for(tokenizer, encodings, max_len: int, input_names: list[str]) -> dict[str, np.ndarray]:
    ids = [e.ids[:max_len] for e in encodings]
    if any(len(e.ids) > max_len for e in encodings):  # keep the final [SEP] when truncating
        ids = [i if len(e.ids) <= max_len else i[:-1] + [e.ids[-1]] for i, e in zip(ids, encodings)]
    width = max(len(i) for i in ids)
    pad_id = tokenizer.token_to_id("[PAD]") or tokenizer.token_to_id("<pad>") or 0  # WordPiece, unigram
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    feeds = {"input_ids": input_ids, "attention_mask": mask}
    if "token_type_ids" in input_names:
        feeds["token_type_ids"] = np.zeros_like(input_ids)
    return feeds


class Classifier:
    """Intent classifier; with slot_labels (task intent-slots) the same pass also tags slot spans."""

    def __init__(self, runtime: Runtime, tokenizer, labels: list[str], max_seq_len: int,
                 slot_labels: list[str] | None = None, slot_values: dict | None = None,
                 home: HomeEntities | None = None):
        self.runtime = runtime
        self.tokenizer = tokenizer
        self.labels = labels
        self.max_seq_len = max_seq_len
        self.slot_labels = slot_labels or []
        self.slot_values = slot_values or {}
        self.home = home or HomeEntities()
        self.languages: list[str] = []  # the bundle's, for Home Assistant's templates (model.py sets them)
        # dynamic int8 quantizes activations with one scale per batch, so a sentence's answer would depend on
        # what else shares its batch (and the padding): such a model reads each sentence alone (model.py)
        self.one_at_a_time = False
        self._templates: tuple[HomeEntities, TemplateMatcher | None] | None = None

    def with_home(self, home: HomeEntities) -> Classifier:
        """The same model and tokenizer, told another home's lists."""
        other = Classifier(self.runtime, self.tokenizer, self.labels, self.max_seq_len, self.slot_labels,
                           self.slot_values, home)
        other.languages, other.one_at_a_time = self.languages, self.one_at_a_time
        return other

    @property
    def templates(self) -> TemplateMatcher | None:
        """Home Assistant's templates for this home (built once per home), when the home asks for them and
        the bundle tags slots; None otherwise, or when hassil is not installed (logged once)."""
        if self._templates is None or self._templates[0] is not self.home:
            matcher = None
            if self.home.templates_first and self.slot_labels and self.languages:
                matcher = TemplateMatcher(self.languages, self.home) if templates_available() else None
                if matcher is None:
                    log.warning("home_templates is on but hassil is not installed: pip install 'edgelm[agent]'")
            self._templates = (self.home, matcher)
        return self._templates[1]

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    def logits(self, texts: list[str]) -> np.ndarray:
        if self.one_at_a_time and len(texts) > 1:
            return np.concatenate([self.logits([text]) for text in texts])
        feeds = encode_batch(self.tokenizer, texts, self.max_seq_len, self.runtime.input_names)
        return self.runtime.run(feeds)["logits"]

    def predict(self, texts: list[str]) -> list[Prediction]:
        """Template-exact sentences from the template (templates.py), the rest from the model, in order."""
        matcher = self.templates
        if matcher is None:
            return self._model_predict(texts)
        known = set(self.labels)
        matches = [matcher.match(text, known) for text in texts]
        from_model = iter(self._model_predict([t for t, m in zip(texts, matches) if m is None]))
        return [self._from_template(t, m) if m is not None else next(from_model) for t, m in zip(texts, matches)]

    def _from_template(self, text: str, match: TemplateMatch) -> Prediction:
        kinds = {label.partition("-")[2] for label in self.slot_labels}
        spans = [(name, start, end, 1.0) for name, start, end in match.spans if name in kinds]
        slots = build_slots(text, spans, self.slot_values, self.home)
        for slot in slots:  # a number hassil read ("fifty percent") is the template's own value
            value = match.values.get(slot["name"])
            if isinstance(value, (int, float)) and not isinstance(slot.get("value"), (int, float)):
                slot["value"] = int(value) if float(value).is_integer() else value
        probabilities = np.zeros(len(self.labels))
        probabilities[self.labels.index(match.intent)] = 1.0
        return Prediction(match.intent, 1.0, probabilities, slots, source="template")

    def _model_predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        if self.one_at_a_time and len(texts) > 1:
            return [p for text in texts for p in self._model_predict([text])]
        if not self.slot_labels:
            return [self._prediction(row) for row in softmax(self.logits(texts).astype(np.float64))]
        encodings = self.tokenizer.encode_batch(texts)
        outputs = self.runtime.run(feeds_for(self.tokenizer, encodings, self.max_seq_len, self.runtime.input_names))
        probs = softmax(outputs["logits"].astype(np.float64))
        tag_probs = softmax(outputs["slot_logits"].astype(np.float64))
        out = []
        for text, row, encoding, tags in zip(texts, probs, encodings, tag_probs):
            n = min(len(encoding.ids), self.max_seq_len, tags.shape[0])
            offsets = text_offsets(text, [tuple(o) for o in encoding.offsets[:n]])
            word_ids = list(encoding.word_ids[:n])
            if len(encoding.ids) > n:
                offsets[-1], word_ids[-1] = (0, 0), None  # truncation keeps [SEP] in the last position
            word_level, scores = word_tags(tags[:n], self.slot_labels, word_ids)
            spans = decode(word_level, offsets, scores)
            if self.home.find_in_text:
                found = find_home_names(text, self.home)
                if found:
                    spans = merge_home_names(spans, found, self._slot_mass(tags[:n], offsets))
            pred = self._prediction(row)
            pred.slots = build_slots(text, spans, self.slot_values, self.home)
            out.append(pred)
        return out

    def names_said(self, text: str) -> list[dict]:
        """Slots for the home's own names said in the text, without the model: what the sentence names of
        this home (an area, floor or device name, longest first)."""
        spans = [(next(kind for kind in SNAPPED if kind in kinds), start, end, 1.0)
                 for kinds, start, end in find_home_names(text, self.home)]
        return build_slots(text, spans, self.slot_values, self.home)

    def _slot_mass(self, tags: np.ndarray, offsets: list[tuple[int, int]]):
        """confidence(start, end): the model's mean probability that the tokens over those characters are a
        slot of any kind (1 - P(O)), the confidence a span the home's list found reports."""
        outside = self.slot_labels.index("O")

        def confidence(start: int, end: int) -> float:
            rows = [i for i, (a, b) in enumerate(offsets) if b > a and a < end and start < b]
            return float(1.0 - tags[rows, outside].mean()) if rows else 0.0

        return confidence

    def _prediction(self, row: np.ndarray) -> Prediction:
        best = int(row.argmax())
        return Prediction(self.labels[best], float(row[best]), row)
