"""Which of the home model's languages a sentence is in, for the words spoken back. Home Assistant's
Wyoming conversation sends no language with the transcript (2025.4), so the agent tells from the words:
function words and the letters only Spanish writes. English unless Spanish is clearly more likely."""

from __future__ import annotations

import re

SPANISH = frozenset(["el", "la", "los", "las", "de", "del", "en", "y", "por", "para", "que", "un", "una", "al", "con", "se", "mi", "me", "es", "está", "están", "pon", "enciende", "apaga", "abre", "cierra", "sube", "baja", "qué", "cuál", "cómo", "cuánto", "hay", "puedes", "quiero", "ya", "no"])
ENGLISH = frozenset(["the", "a", "an", "of", "to", "in", "on", "off", "is", "are", "it", "my", "me", "please", "turn", "switch", "set", "open", "close", "what", "how", "which", "can", "you", "i"])
SPANISH_LETTERS = re.compile(r"[ñáéíóúü¿¡]")
SPOKEN = ("en", "es")  # what the agent's replies are written in


def spoken(language: str | None) -> str:
    """The reply language for a BCP 47 tag ("es-ES" -> "es"); English for one the replies are not in."""
    lang = (language or "en")[:2].lower()
    return lang if lang in SPOKEN else "en"


def guess_language(text: str) -> str:
    words = re.findall(r"[\wñáéíóúü]+", text.lower())
    spanish = sum(w in SPANISH for w in words) + 2 * len(SPANISH_LETTERS.findall(text.lower()))
    english = sum(w in ENGLISH for w in words)
    return "es" if spanish > english else "en"
