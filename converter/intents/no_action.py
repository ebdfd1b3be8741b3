"""Sentences that name a device and an action but ask for none (issue 33, part 5): negated, deferred and
already-done commands, and past statements. They train the out-of-domain class, so "don't turn on the
heater yet" is not read as turning it on. Written from the grammar of such sentences (the abstain rule's
cues, edge_agent/inference/abstain.py), never from a test set; the copy rule drops any that come within
two edits of a test line anyway.
"""

from __future__ import annotations

import random
import re

ACTIONS = {
    "en": {"on": ["turn on", "switch on", "put on"], "off": ["turn off", "switch off", "shut off"],
           "open": ["open", "raise"], "close": ["close", "lower"], "lock": ["lock"], "unlock": ["unlock"],
           "start": ["start", "run"], "stop": ["stop", "pause"]},
    "es": {"on": ["enciendas", "prendas", "pongas"], "off": ["apagues", "quites"], "open": ["abras", "subas"],
           "close": ["cierres", "bajes"], "lock": ["cierres con llave", "bloquees"], "unlock": ["desbloquees"],
           "start": ["pongas en marcha", "arranques"], "stop": ["pares", "pauses"]},
}
PAST = {  # the same actions said as done
    "en": {"on": ["turned on", "switched on"], "off": ["turned off", "switched off"], "open": ["opened"],
           "close": ["closed"], "lock": ["locked"], "unlock": ["unlocked"], "start": ["started"],
           "stop": ["stopped", "paused"]},
    "es": {"on": ["encendí", "puse"], "off": ["apagué", "quité"], "open": ["abrí", "subí"], "close": ["cerré", "bajé"],
           "lock": ["cerré con llave", "bloqueé"], "unlock": ["desbloqueé"], "start": ["puse en marcha", "arranqué"],
           "stop": ["paré", "pausé"]},
}
THINGS = {  # what each action is done to
    "en": {"on": ["the {device}", "the lights in the {area}", "the {area} {device}"],
           "open": ["the {cover}", "the {area} {cover}"], "lock": ["the {door}"], "start": ["the {machine}"]},
    "es": {"on": ["{device_es}", "las luces de {area_es}", "{device_es} de {area_es}"],
           "open": ["{cover_es}", "{cover_es} de {area_es}"], "lock": ["{door_es}"], "start": ["{machine_es}"]},
}
WORDS = {
    "device": ["lamp", "heater", "fan", "tv", "porch light", "ceiling light", "radio", "desk light"],
    "area": ["kitchen", "living room", "bedroom", "garage", "office", "hallway", "basement"],
    "cover": ["blinds", "curtains", "shutters", "garage door", "awning"],
    "door": ["front door", "back door", "side gate", "garage door"],
    "machine": ["vacuum", "dishwasher", "washing machine", "mower", "music"],
    "device_es": ["la lámpara", "la estufa", "el ventilador", "la tele", "la luz del porche", "la radio", "el flexo"],
    "area_es": ["la cocina", "el salón", "el dormitorio", "el garaje", "la oficina", "el pasillo", "el sótano"],
    "cover_es": ["las persianas", "las cortinas", "el toldo", "la puerta del garaje", "los estores"],
    "door_es": ["la puerta principal", "la puerta de atrás", "la cancela", "la puerta del garaje"],
    "machine_es": ["la aspiradora", "el lavavajillas", "la lavadora", "el cortacésped", "la música"],
}
PAIRS = {"on": "off", "open": "close", "lock": "unlock", "start": "stop"}
FRAMES = {  # {verb} an imperative (en) or a subjunctive (es); {past} a past tense; {thing} its object
    "en": ["don't {verb} {thing}", "do not {verb} {thing} yet", "please don't {verb} {thing}",
           "{verb} {thing} later, not now", "wait before you {verb} {thing}", "no need to {verb} {thing}",
           "I already {past} {thing}", "I just {past} {thing}", "we {past} {thing} an hour ago",
           "my son {past} {thing} this morning", "I {past} {thing} before dinner yesterday",
           "you don't have to {verb} {thing}", "never {verb} {thing} at night", "{verb} {thing} tomorrow instead"],
    "es": ["no {verb} {thing}", "no {verb} {thing} todavía", "por favor no {verb} {thing}", "aún no {verb} {thing}",
           "ya {past} {thing}", "acabo de {inf} {thing}", "{past} {thing} hace una hora", "anoche {past} {thing}",
           "esta mañana ya {past} {thing}", "no hace falta que {verb} {thing}", "mejor no {verb} {thing} ahora",
           "nunca {verb} {thing} por la noche"],
}
INFINITIVE_ES = {"enciendas": "encender", "prendas": "prender", "pongas": "poner", "apagues": "apagar",
                 "quites": "quitar", "abras": "abrir", "subas": "subir", "cierres": "cerrar", "bajes": "bajar",
                 "cierres con llave": "cerrar con llave", "bloquees": "bloquear", "desbloquees": "desbloquear",
                 "pongas en marcha": "poner en marcha", "arranques": "arrancar", "pares": "parar", "pauses": "pausar"}


def no_action_texts(lang: str, n: int, seed: int) -> list[str]:
    """`n` sentences (duplicates removed, so possibly fewer) naming an action on a device and asking none."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    for _ in range(n * 3):
        if len(out) >= n:
            break
        key = rng.choice(sorted(PAIRS))
        action = rng.choice([key, PAIRS[key]])
        verb = rng.choice(ACTIONS[lang][action])
        thing = re.sub(r"\{(\w+)\}", lambda m: rng.choice(WORDS[m.group(1)]), rng.choice(THINGS[lang][key]))
        frame = rng.choice(FRAMES[lang])
        text = frame.format(verb=verb, past=rng.choice(PAST[lang][action]), thing=thing,
                            inf=INFINITIVE_ES.get(verb, verb))
        out[text] = None
    return list(out)
