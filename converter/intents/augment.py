"""Training-only variants of HA's template sentences in the way people talk to a home: politeness, a reason
said first, indirect requests ("can you...", "¿me enciendes...?") and numbers as words.

HA's templates are terse imperatives with digits; a model trained on them alone files "could you switch on
the kitchen lights please" under HassGetState and "¿puedes encender la luz?" under OutOfDomain. Only the
training split is rewritten (in place, so the budget's step count still covers it); test, validation and
the hand-written sets stay as they are. Every rewrite moves the slot spans with the words.
"""

from __future__ import annotations

import random
import re

from converter.intents.data import Example
from converter.intents.slots_data import Span
from edge_agent.home.numbers import number_words
from edge_agent.home.slots import NUMERIC
from edge_agent.protocol.labels import OUT_OF_DOMAIN

REWRITE_SHARE = 0.35  # of training rows, each given one of the rewrites that fit it
SPELL_SHARE = 0.5  # of rows with a number in a slot, that number said as words

ACTION = {
    "en": {"prefix": ["please ", "could you ", "can you ", "would you ", "hey, ", "ok, ", "I want you to ",
                      "go ahead and ", "would you please ", "can you please ", "I'd like you to ", "hey, could you "],
           "suffix": [" please", " for me", " now", ", thanks", " thank you", " for me please", " right now",
                      " when you get a chance"],
           "reason": ["I just got home, ", "it's getting late, ", "we're heading out, ", "good night, ",
                      "time for a movie, ", "the kids are asleep, ", "guests are coming, ", "I'm off to work, ",
                      "so, ", "right, "]},
    "es": {"prefix": ["por favor, ", "oye, ", "venga, ", "vale, ", "eh, ", "hola, ", "oye, por favor "],
           "suffix": [" por favor", " ya", " ahora", ", gracias", " porfa", " cuando puedas", " ahora mismo"],
           "reason": ["acabo de llegar, ", "ya es tarde, ", "nos vamos, ", "buenas noches, ", "vamos a ver una peli, ",
                      "los niños duermen, ", "vienen invitados, ", "me voy a trabajar, ", "bueno, ", "a ver, "]},
}
QUESTION = {
    "en": {"prefix": ["hey, ", "tell me ", "can you tell me ", "do you know ", "quick question, ", "ok, ",
                      "I'd like to know "],
           "suffix": [" please", "?", " right now"]},
    "es": {"prefix": ["oye, ", "dime ", "me puedes decir ", "una pregunta, ", "a ver, ", "¿sabes "],
           "suffix": [" por favor", "?", " ahora"]},
}
# Spanish asks with "¿puedes + infinitive?" or "¿me + present?": imperative -> (infinitive, tú present).
SPANISH_VERBS = {
    "enciende": ("encender", "enciendes"), "apaga": ("apagar", "apagas"), "abre": ("abrir", "abres"),
    "cierra": ("cerrar", "cierras"), "pon": ("poner", "pones"), "sube": ("subir", "subes"),
    "baja": ("bajar", "bajas"), "activa": ("activar", "activas"), "desactiva": ("desactivar", "desactivas"),
    "añade": ("añadir", "añades"), "agrega": ("agregar", "agregas"), "pausa": ("pausar", "pausas"),
    "para": ("parar", "paras"), "detén": ("detener", "detienes"), "quita": ("quitar", "quitas"),
    "cambia": ("cambiar", "cambias"), "ajusta": ("ajustar", "ajustas"), "inicia": ("iniciar", "inicias"),
    "establece": ("establecer", "estableces"), "configura": ("configurar", "configuras"),
    "reanuda": ("reanudar", "reanudas"), "continúa": ("continuar", "continúas"), "bloquea": ("bloquear", "bloqueas"),
    "desbloquea": ("desbloquear", "desbloqueas"), "limpia": ("limpiar", "limpias"), "aspira": ("aspirar", "aspiras"),
    "cancela": ("cancelar", "cancelas"), "reproduce": ("reproducir", "reproduces"), "salta": ("saltar", "saltas"),
    "pasa": ("pasar", "pasas"), "vuelve": ("volver", "vuelves"), "devuelve": ("devolver", "devuelves"),
    "ejecuta": ("ejecutar", "ejecutas"), "crea": ("crear", "creas"), "programa": ("programar", "programas"),
    "elimina": ("eliminar", "eliminas"), "borra": ("borrar", "borras"), "marca": ("marcar", "marcas"),
    "tacha": ("tachar", "tachas"), "arranca": ("arrancar", "arrancas"), "calienta": ("calentar", "calientas"),
}
SPANISH_ASKS = [("¿puedes {inf} ", "?"), ("puedes {inf} ", " por favor"), ("¿me {you} ", "?"), ("¿podrías {inf} ", "?"),
                ("me {you} ", " por favor"), ("¿por qué no {you} ", "?")]
PERCENT = {"en": " percent", "es": " por ciento"}
SKIPPED = {"HassNevermind", "HassRespond"}  # short fixed phrases: a wrapper changes what they say


def asks(label: str) -> bool:
    return "Get" in label or label == "HassTimerStatus"


def edit(example: Example, start: int, end: int, new: str) -> Example | None:
    """text[start:end] replaced by `new`; spans after it move, a span around it stretches, None where a
    span is cut in two."""
    delta = len(new) - (end - start)
    spans = []
    for s in example.slots:
        if s.end <= start:
            spans.append(s)
        elif s.start >= end:
            spans.append(Span(s.name, s.start + delta, s.end + delta, s.value))
        elif s.start <= start and end <= s.end:
            spans.append(Span(s.name, s.start, s.end + delta, s.value))
        else:
            return None
    return Example(example.text[:start] + new + example.text[end:], example.label, example.lang, example.template,
                   spans)


def wrap(example: Example, prefix: str, suffix: str) -> Example:
    text = example.text.rstrip("?.! ")
    inner = Example(text, example.label, example.lang, example.template,
                    [s for s in example.slots if s.end <= len(text)])
    front = edit(inner, 0, 0, prefix)
    assert front is not None  # an insertion at 0 never cuts a span
    return Example(front.text + suffix, front.label, front.lang, front.template, front.slots)


def polite(example: Example, rng: random.Random) -> Example | None:
    if example.label in SKIPPED:
        return None
    words = (QUESTION if asks(example.label) else ACTION)[example.lang]
    kind = rng.choice(["prefix", "suffix", "both", "reason"] if "reason" in words else ["prefix", "suffix", "both"])
    prefix = rng.choice(words["prefix"]) if kind in ("prefix", "both") else ""
    prefix = rng.choice(words["reason"]) if kind == "reason" else prefix
    suffix = rng.choice(words["suffix"]) if kind in ("suffix", "both") else ""
    if prefix.startswith("¿") and not suffix.endswith("?"):
        suffix += "?"
    return wrap(example, prefix, suffix)


def spanish_request(example: Example, rng: random.Random) -> Example | None:
    """"enciende la luz" -> "¿puedes encender la luz?" / "¿me enciendes la luz?"."""
    first = re.match(r"\S+", example.text)
    if example.lang != "es" or first is None or first.group().lower() not in SPANISH_VERBS:
        return None
    if any(s.start < first.end() for s in example.slots):
        return None
    infinitive, you = SPANISH_VERBS[first.group().lower()]
    prefix, suffix = rng.choice(SPANISH_ASKS)
    rest = edit(example, 0, first.end() + 1, "")
    return None if rest is None else wrap(rest, prefix.format(inf=infinitive, you=you), suffix)


def spell_numbers(example: Example) -> Example | None:
    """Every 0-100 integer in a numeric slot said as words ("50%" -> "fifty percent"); None if there is none."""
    out = example
    for span in sorted(example.slots, key=lambda s: -s.start):
        if span.name not in NUMERIC:
            continue
        current = next(s for s in out.slots if s.name == span.name and s.start == span.start)
        match = re.fullmatch(r"(\D*?)(\d{1,3})(\D*)", out.text[current.start:current.end])
        if match is None or int(match.group(2)) > 100:
            continue
        if out.text[current.end:current.end + 1] == "%":
            out = edit(out, current.end, current.end + 1, PERCENT[out.lang]) or out
        begin = current.start + match.start(2)
        changed = edit(out, begin, begin + len(match.group(2)), number_words(int(match.group(2)), out.lang))
        if changed is None:
            return None
        out = changed
    return None if out is example else out


def augment(train: list[Example], seed: int) -> list[Example]:
    """`train` with REWRITE_SHARE of its rows said politely or indirectly and SPELL_SHARE of its numbers
    said as words; OutOfDomain rows are left as they are."""
    rng = random.Random(seed)
    out = []
    for example in train:
        row = example
        if example.label == OUT_OF_DOMAIN:
            out.append(row)
            continue
        if rng.random() < SPELL_SHARE:
            row = spell_numbers(row) or row
        if rng.random() < REWRITE_SHARE:
            rewrite = spanish_request if example.lang == "es" and rng.random() < 0.4 else polite
            row = rewrite(row, rng) or polite(row, rng) or row
        out.append(row)
    return out
