"""Numbers said as words, 0-100, in English and Spanish: "twenty two" <-> 22, "veintidós" <-> 22.

The agent reads them in slot values ("dim it to thirty percent"); the trainer writes them into training
sentences, so the model has seen what people say instead of HA's digits. One table serves both sides.
"""

from __future__ import annotations

import re

_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty",
            90: "ninety"}
_ES_UNITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once",
             "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte",
             "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete",
             "veintiocho", "veintinueve"]
_ES_TENS = {30: "treinta", 40: "cuarenta", 50: "cincuenta", 60: "sesenta", 70: "setenta", 80: "ochenta",
            90: "noventa"}
_SPELLING = {"en": (_EN_UNITS, _EN_TENS, " ", "one hundred"), "es": (_ES_UNITS, _ES_TENS, " y ", "cien")}
# Other ways to say a number: "a"/"an" (a minute), halves, and Spanish's shortened forms before a noun.
_ALIASES = {"a": 1, "an": 1, "half": 0.5, "a hundred": 100, "one hundred": 100, "un": 1, "una": 1, "media": 0.5,
            "medio": 0.5, "veintiun": 21, "veintiuna": 21, "cien": 100, "ciento": 100}


def number_words(value: int, lang: str) -> str:
    """22 -> "twenty two" (en) / "veintidós" (es); 0-100 only."""
    if not 0 <= value <= 100:
        raise ValueError(f"{value} is outside 0-100")
    units, tens, joiner, hundred = _SPELLING[lang]
    if value < len(units):
        return units[value]
    if value == 100:
        return hundred
    ten, unit = divmod(value, 10)
    return tens[ten * 10] + (joiner + units[unit] if unit else "")


ACUTE = str.maketrans("áéíóúüÁÉÍÓÚÜ", "aeiouuAEIOUU")


def unaccented(text: str) -> str:
    """The acute accents and the diaeresis off, not ñ: "veintidós", and the verbs "préndeme", "apúntame"."""
    return text.translate(ACUTE)


def _table() -> dict[str, float]:
    table: dict[str, float] = {}
    for lang in ("en", "es"):
        for n in range(101):
            table[unaccented(number_words(n, lang))] = n
    for n in range(21, 100):  # "twenty-two", "treinta y un"
        table[unaccented(number_words(n, "en")).replace(" ", "-")] = n
        if n % 10 == 1 and n > 30:
            table[unaccented(number_words(n, "es"))[:-1]] = n
    table.update(_ALIASES)
    return table


WORDS_TO_NUMBER = _table()


def parse_number_words(text: str) -> float | None:
    """The number a phrase says ("thirty five", "veintidós", "a"), or None; case and accents ignored."""
    return WORDS_TO_NUMBER.get(re.sub(r"\s+", " ", unaccented(text.lower())).strip())
