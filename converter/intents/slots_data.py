"""Slot spans from Home Assistant's templates: expand a hassil template while remembering where each
{list} value (and each domain word) lands in the sentence, then turn the spans into token BIO tags.

hassil's own sampler returns plain strings, so this is its expansion with markers around slot values;
the markers are parsed out after whitespace is normalised, which keeps the character offsets exact."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass

OPEN, VALUE, TEXT, CLOSE = "\x01", "\x1f", "\x02", "\x03"
# Expansion rules that spell a device domain ("lights", "luces", "fan"): tagged as a `domain` span whose
# value is the template's fixed domain slot, so "turn on the kitchen lights" yields domain = light.
DOMAIN_RULES = {"light", "luces", "fan", "switch", "lockable"}


@dataclass(frozen=True)
class Span:
    name: str
    start: int
    end: int
    value: object

    def to_dict(self) -> dict:
        return {"name": self.name, "start": self.start, "end": self.end, "value": self.value}

    @staticmethod
    def from_dict(d: dict) -> Span:
        return Span(d["name"], int(d["start"]), int(d["end"]), d.get("value"))


def _mark(name: str, value: object, text: str) -> str:
    return f"{OPEN}{name}{VALUE}{json.dumps(value, ensure_ascii=False)}{TEXT}{text}{CLOSE}"


def expand(expression, lists: dict, rules: dict, domain: str | None = None, inside: bool = False) -> Iterable[str]:
    """hassil's sample_expression with slot markers; only the outermost slot of a nesting is marked."""
    from hassil.expression import Alternative, ListReference, Permutation, RuleReference, Sequence, TextChunk
    from hassil.intents import TextSlotList

    if isinstance(expression, TextChunk):
        yield expression.original_text
    elif isinstance(expression, Alternative):
        for item in expression.items:
            yield from expand(item, lists, rules, domain, inside)
    elif isinstance(expression, Sequence):
        parts = [list(expand(item, lists, rules, domain, inside)) for item in expression.items]
        for words in itertools.product(*parts):
            yield "".join(words)
    elif isinstance(expression, Permutation):
        parts = [list(expand(item, lists, rules, domain, inside)) for item in expression.items]
        for order in itertools.permutations(parts):
            for words in itertools.product(*order):
                yield " ".join(words)
    elif isinstance(expression, ListReference):
        slot_list = lists.get(expression.list_name)
        if not isinstance(slot_list, TextSlotList):
            raise KeyError(expression.list_name)  # a list we do not model: the caller skips the template
        for value in slot_list.values:
            for text in expand(value.text_in, lists, rules, domain, True):
                yield text if inside else _mark(expression.slot_name, value.value_out, text)
    elif isinstance(expression, RuleReference):
        body = rules[expression.rule_name].expression
        tag = domain is not None and not inside and expression.rule_name in DOMAIN_RULES
        for text in expand(body, lists, rules, domain, inside or tag):
            yield _mark("domain", domain, text) if tag else text
    else:
        raise ValueError(f"unexpected hassil expression {expression!r}")


def parse(marked: str) -> tuple[str, list[Span]]:
    """Plain text with single spaces, and the spans of the marked values in it (trimmed of spaces)."""
    out: list[str] = []
    spans: list[Span] = []
    stack: list[tuple[str, object, int]] = []
    i = 0
    while i < len(marked):
        ch = marked[i]
        if ch == OPEN:
            j = marked.index(VALUE, i)
            k = marked.index(TEXT, j)
            stack.append((marked[i + 1:j], json.loads(marked[j + 1:k]), len(out)))
            i = k + 1
            continue
        if ch == CLOSE:
            name, value, start = stack.pop()
            spans.append(Span(name, start, len(out), value))
        elif ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
        i += 1
    text = "".join(out).rstrip()  # never a leading space: one is only added after a character
    trimmed = []
    for s in spans:
        start, end = s.start, min(s.end, len(text))
        while start < end and text[start] == " ":
            start += 1
        while end > start and text[end - 1] == " ":
            end -= 1
        if end > start:
            trimmed.append(Span(s.name, start, end, s.value))
    return text, sorted(trimmed, key=lambda s: s.start)


def bio_tags(offsets: list[tuple[int, int]], spans: list[Span]) -> list[str]:
    """One tag per token; special tokens (empty offsets) get O. A token belongs to the span it starts in."""
    tags = []
    for start, end in offsets:
        tag = "O"
        if end > start:
            for s in spans:
                if s.start <= start < s.end:
                    tag = ("B-" if start == s.start or _first_in(offsets, s, start) else "I-") + s.name
                    break
        tags.append(tag)
    return tags


def _first_in(offsets: list[tuple[int, int]], span: Span, start: int) -> bool:
    """A span that begins mid-token (rare: "50%" tokenised oddly) still gets its B- on its first token."""
    return not any(span.start <= s < start and e > s for s, e in offsets)
