"""Training-only paraphrases, in hassil's template syntax, for intents HA gives few templates.

With 2-6 templates an intent loses one to the test split and one to validation, and what is left cannot
teach it ("aspira el salón" had no training sentence like it: HassVacuumCleanArea scored F1 0 in Spanish).
These templates only ever join the training split; the template split, the held-out templates and the
hand-written sets are untouched (tests/test_intents_data.py checks no hand-written line is among them).
"""

from __future__ import annotations

EXTRA_SENTENCES: dict[str, dict[str, list[str]]] = {
    "en": {
        "HassVacuumStart": ["(start|run) [the] robot vacuum", "vacuum [the] (house|floors)",
                            "get [the] {name} (going|started)", "let the vacuum run"],
        "HassVacuumReturnToBase": ["send [the] {name} (home|back to [its] (base|dock|charger))",
                                   "[the] vacuum (go|back) to (base|the dock)", "dock [the] {name}"],
        "HassVacuumCleanArea": ["clean [the] {area} with the vacuum", "send the vacuum to [the] {area}",
                                "vacuum in the {area}"],
        "HassNevermind": ["forget that", "cancel (that|it)", "(it|that) doesn't matter", "ignore that",
                          "(no|not) (anything|nothing) [thanks]"],
        "HassMediaUnpause": ["(continue|resume) playing", "unpause [the] (music|movie|show)", "carry on playing",
                             "start the (music|song) again"],
        "HassMediaPause": ["pause [the] (movie|show|song)", "stop the (music|song) for a moment"],
        "HassSetVolumeRelative": ["(turn|crank) the (sound|music) (up|down) [a bit]", "make it (louder|quieter)",
                                  "(louder|softer) [music]"],
        "HassGetWeather": ["will it (rain|snow) [today|tomorrow]",
                           "will it be (sunny|cold|hot) [today|tomorrow]", "what's the forecast (for today|for tomorrow)",
                           "should I take a (coat|jacket) [today]"],
        "HassShoppingListAddItem": ["we need {shopping_list_item:item}",
                                    "(write|note) {shopping_list_item:item} on the shopping list",
                                    "shopping list add {shopping_list_item:item}"],
    },
    "es": {
        "HassVacuumCleanArea": ["pasa la aspiradora (por|en) [el|la] {area}", "que la aspiradora limpie [el|la] {area}",
                                "manda la aspiradora a limpiar [el|la] {area}", "limpia [el|la] {area} con la aspiradora"],
        "HassVacuumStart": ["(enciende|arranca) la aspiradora", "que la aspiradora (empiece|se ponga) a limpiar",
                            "empieza a aspirar", "pon a limpiar [el|la] {name}", "(inicia|arranca) la limpieza"],
        "HassVacuumReturnToBase": ["(manda|envía) la aspiradora a (la base|cargar)", "que la aspiradora vuelva a cargar",
                                   "aspiradora a la base", "la aspiradora a cargar"],
        "HassMediaUnpause": ["(reanuda|continúa) la (película|canción|serie)", "sigue con la (música|serie)",
                             "vuelve a poner la música", "dale al play"],
        "HassMediaPause": ["pausa la (película|canción|serie)", "pon (la música|la serie) en pausa",
                           "detén la (música|reproducción)"],
        "HassMediaPrevious": ["pon la (canción|pista) de antes", "vuelve a la pista de antes", "atrás una canción"],
        "HassNevermind": ["(da|es) igual", "déjalo estar", "olvida eso", "nada, da igual", "no, nada"],
        "HassSetVolume": ["(pon|ajusta) el volumen (al|a) {volume:volume_level} [por ciento]",
                          "volumen (al|a) {volume:volume_level}",
                          "ajusta el volumen de[l] [el|la] {name} a[l] {volume:volume_level}"],
        "HassClimateSetTemperature": ["pon la (calefacción|temperatura) a {temperature} [grados]",
                                      "(sube|baja) la calefacción a {temperature} [grados]",
                                      "quiero {temperature} grados en [el|la] {area}"],
        "HassSetPosition": ["(pon|sube|baja) [la|las|el] {name} a[l] {position} [por ciento]"],
        "HassGetWeather": ["va a (llover|nevar) (hoy|mañana)", "(hace|hará) (frío|calor) mañana",
                           "cuál es el pronóstico para (hoy|mañana)", "me llevo el paraguas hoy"],
        "HassShoppingListAddItem": ["apunta {shopping_list_item:item} en la lista de la compra",
                                    "(mete|añade) {shopping_list_item:item} a la lista",
                                    "hay que comprar {shopping_list_item:item}"],
        "HassCancelAllTimers": ["(quita|borra) todos los temporizadores", "para todos los temporizadores"],
    },
}


def add_to(data: dict, lang: str) -> dict[str, int]:
    """Append the extras for `lang` to HA's intents data (parsed JSON, changed in place) as new blocks after
    HA's own; returns {intent: index of its first extra block}."""
    first_extra = {}
    for intent, sentences in EXTRA_SENTENCES.get(lang, {}).items():
        blocks = data["intents"].setdefault(intent, {"data": []})["data"]
        first_extra[intent] = len(blocks)
        blocks.append({"sentences": sentences})
    return first_extra
