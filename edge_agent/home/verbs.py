"""The verbs that say an intent, en and es: Home Assistant's own (home-assistant-intents' expansion rules and
templates) and a few paraphrases (issue 33). One table per use:

- `OWN_WORDS`: intents said with a few words only; read without any of them, the model guessed (`unsaid`,
  edge_agent/inference/cues.py);
- `WAYS`: each intent of an opposite pair (on / off, start / return, pause / resume, mute / unmute, add /
  check off) with the verbs of its own way and of the other's; a reading whose sentence says only the other
  way is the opposite of what was asked (`says_the_opposite`, refused as `opposite`); one whose sentence says
  only its own way is what was asked, however close the model's scores for the two (`says_its_way`).

Clear verbs only: a sentence with verbs of both ways says neither.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from edge_agent.home.numbers import unaccented


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.IGNORECASE)


# Turning on and off (lock and open are "on" to HA, unlock and close "off")
LOCK_NOUN = _any(r"\b(?:locks?|cerraduras?|cerrojos?)\b")
LOCK_SAID = _any(LOCK_NOUN.pattern, r"\bcon llave\b")  # "abre la cerradura" unlocks; "cierra con llave" locks
TURNS_ON = _any(r"\b(?:turn|switch|power|flip)\s+on\b", r"\b(?:turn|switch|power|flip)\s+(?:\w+\s+){1,4}on\s*[.!?]*$",
                r"\bpower\s+up\b", r"\bfire\s+up\b", r"\block(?:ed)?\b", r"\bbolt\b", r"\braise\b",
                r"\bp[oó]n(?:er|ga|gan|me|le|lo|la|los|las|melo|mela)?\b",  # "pon el lavavajillas": on, never off
                r"\barriba\b",
                r"\b(?:enciend|prend|bloque|activ|conect)\w*", r"\barranc(?:a|ar|á|ad|an)\b", r"\barranque\b",
                r"\bcon llave\b", r"\becha(?:r|s)? la llave\b")
NOT_WANTED_ES = r"\bno\s+(?:me\s+|nos\s+)?(?:necesito|necesitamos|hace\s+falta|hacen\s+falta|quiero|queremos)\b"
TURNS_OFF = _any(r"\b(?:turn|switch|power|flip)\s+off\b", r"\b(?:turn|switch|power|flip)\s+(?:\w+\s+){1,4}off\s*[.!?]*$",
                 # speech to text writes "off" as "of": "turn of the kitchen lights" was read as turning them on
                 r"\b(?:turn|switch)\s+of\b", r"\b(?:turn|switch)\s+(?:\w+\s+){1,4}of\s*[.!?]*$",
                 r"\bpower\s+down\b", r"\bshut\s+(?:down|off)\b", r"\bunlock(?:ed)?\b", r"\bunbolt\b", r"\blower\b",
                 r"\bquit(?:a|ar|ad|en|e|ame|ale|alo|ala)\b",  # "quita la luz": off
                 # cut: "corta la luz del pasillo" was read as turning it on (0.98); not "corta el césped"
                 r"\b(?:cort(?:a|ar|ad|e|en|á)|cut)\s+(?:[\w']+\s+){0,3}(?:lights?|power|luz|luces|corriente)\b",
                 r"\babajo\b",  # "pon las persianas abajo": both, so neither
                 r"\b(?:apag|desbloque|desactiv|desconect)\w*",
                 r"\bsobran?\b",  # "sobra la luz del baño", "ya no necesito / no quiero el calefactor": not wanted, so off
                 NOT_WANTED_ES)
# A lock's own words (HA's lock templates: en lock / unlock; es cierra con llave, echa el cerrojo / abre, quita
# el cerrojo; and bloquea / desbloquea, bolt, secure): a lock is never locked or unlocked on "open" or "close"
# the door alone in English, where HA has no such reading either (HassTurnOn is lock.lock)
LOCKS = _any(r"^\W*(?:(?:please|can you|could you|would you)\s+)?lock\b",  # the verb, not "the smart lock"
             r"\block(?:ing)?\s+(?:the|my|our|your|this|that|these|those|it|them|all|every|both|up|down)\b",
             r"\blocked\b",
             r"\bbolt(?:ed)?\b", r"\bsecure\b", r"\bbloque\w*", r"\bcon llave\b", r"\basegur(?:a|e|en|ad)\b(?!\s+de\s+que)",
             r"\b(?:[eé]ch|p[oó]n)\w* (?:el |la |los |las )?(?:llave|cerrojo|pestillo|candado|seguro)s?\b",
             r"\batranc\w*",  # "atranca la puerta"; "ponle seguro a la puerta" (Mexico)
             r"\bci?err\w* (?:el|la|los|las) (?:cerrojo|pestillo|candado|cerradura)s?\b")
UNLOCKS = _any(r"\bunlock(?:ed|s|ing)?\b", r"\bunbolt(?:ed)?\b", r"\bdesbloque\w*", r"\b[aá]br[eaií]\w*",
               r"\bqu[ií]t\w* (?:el |la |los |las )?(?:cerrojo|pestillo|candado|cerradura|llave|seguro)s?\b")
# HA's open / close templates (en open|raise|lift, close|shut|lower; es <abre> takes <sube>, sube / levanta,
# and <cierra> takes <baja>): "on" and "off" unless a lock is named
OPENS = _any(r"\bopen", r"\b[aá]br[eií]\w*", r"\bs[uú]b[eií]\w*", r"\blift\w*", r"\blevant[aeó]\w*",
             # curtains drawn back or parted, blinds rolled up ("enrolla / recoge las persianas")
             r"\b(?:draw|pull)\s+(?:back\b|(?:the|my|our)\s+(?:\w+\s+){0,3}?(?:curtains?|drapes?)\s+back\b)",
             r"\bpart\s+(?:the|my|our)\s+(?:\w+\s+){0,3}?(?:curtains?|drapes?)\b",
             r"\b(?:enroll|recog)\w*\s+(?:\w+\s+){0,2}?(?:persianas?|cortinas?|estor(?:es)?|toldos?)\b")
CLOSES = _any(r"\bclose", r"\bshut\b", r"\bci[eé]rr\w*", r"\bcerr[aá]\w*", r"\bb[aá]j[ae]\w*")
DIRECTION = _any(r"\b(?:up|down)\b")
UP = _any(r"\b(?:up|arriba)\b", r"\bmax(?:imum|imize|imise|ed)?\b", r"\bfull blast\b", r"\bal m[aá]ximo\b",
         r"\ba tope\b")  # "max out the ceiling fan" was read as turning it off
DOWN = _any(r"\b(?:down|abajo)\b", r"\bminimum\b", r"\bminimi[sz]e\b", r"\bal m[ií]nimo\b")
# more or less of what a device gives: "menos luz en la cocina" is never turning it on, "more light" never off
MORE = _any(r"\b(?:more|m[aá]s)\s+(?:light|luz|brightness|brillo|volume|volumen)\b",
            r"\b(?:poca|too\s+little)\s+(?:light|luz)\b", r"\btoo\s+(?:dark|quiet)\b", r"\b(?:muy|demasiado)\s+oscur[oa]\b")
# "no lights in the kitchen please", "sin luz en la cocina", "demasiada luz" were read as turning them on
LESS = _any(r"\b(?:less|menos)\s+(?:light|luz|brightness|brillo|volume|volumen|noise|ruido)\b",
            r"\b(?:demasiad[ao]s?|too\s+much)\s+(?:light|luz|brillo|brightness|volume|volumen|ruido|noise)\b",
            r"\b(?:sin|no)\s+(?:more\s+|m[aá]s\s+)?(?:lights?|luz|luces)\b", r"\btoo\s+(?:bright|loud)\b")
COVER_NOUN = _any(r"\b(?:blinds?|shades?|curtains?|drapes?|shutters?|awnings?|persianas?|cortinas?|toldos?|"
                  r"estor(?:es)?|contraventanas?)\b")

# A vacuum or mower started or sent back: the verbs of HA's own templates in their forms (expansion rules: en
# start, <clean>, mow; return, dock, stop / cancel mowing; es <ejecuta> with <enciende>, <limpiar>;
# <devuelve>, <vuelve>), "go home" and "a la base". Not "para" (also "for"), nor en "vacuum" (also the
# machine: "vacuum, go home").
STARTS = _any(r"\b(?:start|clean(?:ing)?|ejecut(?:a|e|ar|á)|inici(?:a|e|ar|á)|enc(?:i)?end(?:a|e|er|é)|"
              r"conect(?:a|e|ar|á)|activ(?:a|e|ar|á)|prend(?:a|e|er|é)|aspir(?:a|e|ar|á)|limp(?:ia|ie|iar|iá)|"
              r"arranc(?:a|ar|á)|arranque)\b", r"\ben marcha\b",  # "pon en marcha el robot aspirador"
              r"\bget\s+(?:\w+\s+){1,3}going\b")  # "get the vacuum going"
MACHINE_STARTS = _any(STARTS.pattern, r"\bmow(?:s|ing)?\b")
# a machine asked to stop its work ("stop cleaning", "que la aspiradora deje de limpiar"): back, not started
STOPPED_WORK = _any(r"\b(?:stop|quit|finish|done|enough)\s+(?:with\s+)?(?:cleaning|vacuuming|mowing|hoovering|mopping)\b",
                    r"\b(?:deja|deje|dejes|dejen|para|pare|paren|termina|termine|terminen)\s+de\s+"
                    r"(?:limpiar|aspirar|barrer|fregar|cortar|segar)\b")
MACHINE_RETURNS = _any(r"\b(?:return\w*|dock\w*|stop\w*|cancel\w*|go(?:es)? home|go back|back to|base|"
                       r"dev(?:uelv|olv)\w*|retorn\w*|regres\w*|vuelv\w*|volv\w*|det[eé]n\w*|detener)\b",
                       r"\b(?:send|bring|take)\s+(?:[\w']+\s+){1,4}?(?:home|back)\b",  # "send the robot vacuum home"
                       r"\b(?:re)?charg(?:e|er|ing)\b", r"\ba\s+cargar\b", r"\bcargador\b")

# Media: en play, pause / stop, unpause / resume, mute / unmute; es <reproduce>, <pausa> (with <para>),
# <continúa>, silenciar / <quita> el sonido / pon en silencio, <quita> el silencio / <enciende>, devuelve,
# pon, restaura el sonido
PLAYS = _any(r"\b(?:play\w*|listen\w*|put on|watch\w*|reprodu\w*|escuch\w*|o[ií]r|ver|pon\w*)\b")
PAUSES = _any(r"\b(?:paus\w*|stop\w*|hold|halt|freeze|par(?:a|ar|e|á)|det[eé]n\w*|detener|deteng\w*)\b")
RESUMES = _any(r"\b(?:unpaus\w*|resum\w*|contin[uú]\w*|sig(?:ue|a)|segu(?:ir|í)|reactiv\w*|reanud\w*)\b")
MUTES = _any(r"\bmute\w*", r"\bsilence\b", r"\bsilenci(?:a|e|á|ar)\b", r"\ben silencio\b", r"\bquit\w* (?:el )?(?:sonido|audio|volumen)\b")
UNMUTES = _any(r"\bunmute\w*", r"\bquit\w* (?:el )?silencio\b", r"\b(?:sound|volume|audio) back\b",
               r"\b(?:enciend|devuelv|restaur|pon)\w* (?:el )?(?:sonido|audio|volumen)\b")
PREVIOUS = _any(r"\b(?:previous|back|last|before|rewind|again|replay|restart|anterior|atr[aá]s|vuelve|vuelva|otra vez|"
                r"repite|repetir|de nuevo|retroced\w*)\b")
NEXT = _any(r"\b(?:next|skip|another|forward|siguiente|salta|s[aá]ltate|pasa|p[aá]sate|otra|adelanta|cambia)\w*")
# which way along the queue, said outright: "skip back" is the previous track, whatever "skip" says
FORWARD = _any(r"\b(?:next|forwards?|ahead|siguiente|adelante|adelanta\w*)\b")
BACKWARD = _any(r"\b(?:back|backwards?|previous|rewind|anterior|atr[aá]s|retroced\w*)\b")
ALONG_THE_QUEUE = _any(r"\b(?:next|previous|anterior|siguiente)\b")  # a track asked, not the music resumed

# Lists: en add / put, check / complete / delete / remove; es <añadir>, <tacha>, <marca>, <elimina>, <quita>,
# <suprime>, <completa>
ADDS = _any(r"\b(?:add\w*|put\w*|append\w*|include|throw|stick|añad\w*|apunt\w*|pon\w*|sum(?:e|a|ar|á)|"
            r"agreg\w*|mete\w*|met[ae]|incluy\w*|anot\w*)\b")
COMPLETES = _any(r"\b(?:check\w*|complet\w*|delet\w*|remov\w*|cross\w*|tick\w*|mark\w*|done|got|bought|"
                 r"tach\w*|marc\w*|marqu\w*|elimin\w*|borr\w*|quit\w*|suprim\w*|retir\w*|rem(?:ueve|ueva|over|ové)|"
                 r"finaliz\w*|termin\w*|comprad[oa]s?|hech[oa]s?|listo)\b",
                 r"\btake\s+(?:[\w'-]+\s+){1,4}off\b")  # "take milk off the shopping list"

# a room cleaned: HA's <clean> words, the machine's, and others' ("mop the kitchen", "barre el salón"); without
# one, "oscurece el salón" was read as cleaning the living room
CLEANS = _any(r"\b(?:clean\w*|vacuum\w*|hoover\w*|mop\w*|sweep\w*|tidy\w*|robot\w*|roomba\w*|limpi\w*|aspir\w*|"
              r"barr[eaií]\w*|freg\w*|frieg\w*)\b")

MOWER = _any(r"\b(?:mow\w*|lawn\w*|grass|c[eé]sped|cortac[eé]sped\w*|podadora\w*|segador\w*|seg(?:ar|ad)\w*)\b")

# HA's templates ask the temperature with one of these ("how warm is it", "¿qué temperatura hace?", "¿hace frío?")
TEMPERATURE = _any(r"\b(?:temperatur\w*|temp|warm\w*|hot|cold\w*|cool\w*|chilly|freezing|degrees?|heat\w*|thermostat|"
                   r"calor|fr[ií]o|fresc\w*|caliente|calient\w*|grados?|termostato|calefacci[oó]n|templad\w*)\b")

TIMER_WORDS = _any(r"\b(?:timers?|temporizador(?:es)?|cuenta atr[aá]s|countdown|alarms?|alarmas?)\b")

# any word of turning something on or off, either way, or of running it: HA's own (its <turn>, <open>,
# <close>, <enciende>, <apaga>, <abre>, <cierra>, <ejecuta> rules and lock words) and common others, accents
# folded. A sentence with none ("Parent Trap", "can you write a generator", "my kettle") asks no turning: only
# HA's bare-name templates turn on without one (edge_agent/inference/unsaid_way.py)
TURNING_WORDS = _any(r"\b(?:on|off|out|up|down)\b",
                     r"\b(?:turn|switch|chang|bring|flip|power|toggl|activat|deactivat|enabl|disabl|illuminat|"
                     r"light(?:s)?\s+up|press|push|run|start|stop|kill|cut|launch|execut|trigger|lock|unlock|"
                     r"bolt|unbolt|secur|open|clos|shut|lower|rais|lift|dim|brighten|get|set|put|make|fire|scene|"
                     r"script|transition)\w*",
                     r"\b(?:need|want)\s+(?:some\s+|more\s+)?light",
                     # a verb of the device's own work: "water the front lawn", "heat the den", "riega el jardín"
                     r"\b(?:water|irrigate|sprinkle|heat|warm|cool|brew|wash|ventilate|dehumidify|humidify)(?:s|ing)?"
                     r"(?:\s+up|\s+down)?\s+(?:the|my|our|a|some|all|every|this|that)\b",
                     r"\b(?:riega|riegue|riegues|regar|calienta|caliente|calentar|enfria|enfrie|enfriar|refresca|"
                     r"refrescar|ventila|ventilar|lava|lave|lavar|deshumidifica|humidifica)(?:me|nos)?"
                     r"\s+(?:el|la|los|las|mi|mis|un|una|unos|unas|todo|toda|todos|todas|este|esta)\b",
                     r"\b(?:enci?e?nd|prend|conect|desconect|activ[ae]|desactiv|apag|abiert|cierr|cerr|levant|"
                     r"aument|increment|baj|reduc|reduz|decrement|disminu|acort|ejecut|inici|comien|empie|empez|"
                     r"quit|deten|ech[ae]|llave|bloque|desbloque|asegur|atranc|escena|aten[uo]|oscurec|ilumin|"
                     r"cambi|arranc|lanz|dispar|puls|oprim|apriet|enchuf|desenchuf|cort[ae])\w*",
                     # whole forms of short stems: "para", "ábrela", "súbela", "pónmelo"; not "Parent", "Abraham"
                     r"\b(?:par|abr|sub)(?:a|e|ar|ir|i|en|an|ad|id|as|es)(?:l[oa]s?|me|nos)?\b",
                     r"\bpon(?:er|ga|gan|go|e|es|en|ed)?(?:me|le|lo|la|los|las|melo|mela)?\b",
                     r"\b(?:necesit|quier)\w*\s+(?:mas\s+)?luz", r"\ben\s+marcha\b", r"\ba\s+funcionar\b")


# turning either way, which the words alone do not settle: "toggle the porch light", "switch the fan", "cambia la
# luz" say no way, and the model's guess of one is a guess
TOGGLES = _any(r"\b(?:toggl\w*|flip(?:s|ped|ping)?|switch(?:es|ed|ing)?|chang\w*|cambi\w*|altern\w*|conmut\w*)\b")


def says_turning(text: str) -> bool:
    """Whether the sentence has a word of turning a way (TURNING_WORDS; a toggle says none), accents aside."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bool(TURNING_WORDS.search(TOGGLES.sub(" ", folded)))


# read without any of these, the model guessed: "hold the music" as the previous track, "can you write a linked
# list in Python", "Pocahontas", "Detroit" as a list or a play, "how old is the universe" as a temperature
OWN_WORDS: dict[str, re.Pattern[str]] = {
    "HassMediaPrevious": PREVIOUS, "HassMediaNext": NEXT,
    "HassShoppingListAddItem": ADDS, "HassListAddItem": ADDS,
    "HassShoppingListCompleteItem": COMPLETES, "HassListCompleteItem": COMPLETES,
    "HassMediaSearchAndPlay": PLAYS, "HassMediaPause": PAUSES,
    "HassClimateGetTemperature": TEMPERATURE,
    "HassVacuumCleanArea": CLEANS,
    "HassMediaPlayerMute": MUTES, "HassMediaPlayerUnmute": UNMUTES,  # "turn the ceiling fan to full": unmuting
    # every HA template of these says the timer: "bloquea la puerta de atrás" was read as cancelling a timer
    **dict.fromkeys(("HassCancelTimer", "HassCancelAllTimers", "HassPauseTimer", "HassUnpauseTimer",
                     "HassIncreaseTimer", "HassDecreaseTimer"), TIMER_WORDS),
}
# what is sent to a vacuum or a mower says the machine or its way ("sí, Pinocho" was read as starting the
# vacuum); checked on what HA would be sent (unsaid_way.py), since "get the heater going" is turned on there
MACHINE_WORDS: dict[str, re.Pattern[str]] = {
    "HassVacuumStart": _any(CLEANS.pattern, MACHINE_STARTS.pattern),
    "HassVacuumReturnToBase": _any(CLEANS.pattern, MACHINE_RETURNS.pattern),
    "HassLawnMowerStartMowing": _any(MOWER.pattern, MACHINE_STARTS.pattern),
    "HassLawnMowerDock": _any(MOWER.pattern, MACHINE_RETURNS.pattern),
}
# a to-do list's item added or checked off says the list ("add milk to my shopping list", "… de mi listado …"),
# or names one of the home's lists (unsaid_way.py): "can you write a … checker" was read as checking an item off
LIST_SAID = _any(r"\b(?:lists?|listas?|listados?)\b")
# said, these are another intent's: "pon la anterior" (the previous track) was read as resuming the music
OTHERS_WORDS: dict[str, re.Pattern[str]] = {"HassMediaUnpause": ALONG_THE_QUEUE}


# the state wanted, said: "luces encendidas en el comedor" (not where it is the state not wanted: "no quiero la
# luz encendida" says off)
ON_WANTED = _any(r"\bencendid[oa]s?\b")
NOT_WANTED = _any(NOT_WANTED_ES,
                  r"\bsin\b")


def turns_on(text: str) -> bool:
    text = unaccented(text)
    return bool(TURNS_ON.search(text) or (not LOCK_SAID.search(text) and OPENS.search(text))
                or _cover_goes(text, UP, DOWN) or (ON_WANTED.search(text) and not NOT_WANTED.search(text)))


def turns_off(text: str) -> bool:
    text = unaccented(text)
    return bool(TURNS_OFF.search(text) or (not LOCK_SAID.search(text) and CLOSES.search(text))
                or _cover_goes(text, DOWN, UP))


# a state of each way said, besides the verbs: "lights on in the kitchen, off in the den", "luces apagadas"
ON_SAID = _any(r"\b(?:on|open|encendid[oa]s?|prendid[oa]s?|abiert[oa]s?)\b")
OFF_SAID = _any(r"\b(?:off|closed|shut|apagad[oa]s?|cerrad[oa]s?)\b")


def ways_said(text: str) -> tuple[bool, bool]:
    """(on, off): whether a verb or a state word of each way is said ("… off in the den", "desk lamp off")."""
    return turns_on(text) or bool(ON_SAID.search(text)), turns_off(text) or bool(OFF_SAID.search(text))


def _cover_goes(text: str, way: re.Pattern[str], other: re.Pattern[str]) -> bool:
    """A blind or curtain said to go up (open: "on") or down ("pull down the blinds": closed)."""
    return bool(COVER_NOUN.search(text) and way.search(text) and not other.search(text))


def _words(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: bool(pattern.search(text))


_Said = Callable[[str], bool]
_PAIRS: tuple[tuple[tuple[str, ...], _Said, tuple[str, ...], _Said], ...] = (
    (("HassTurnOn",), turns_on, ("HassTurnOff",), turns_off),
    (("HassVacuumStart", "HassVacuumCleanArea", "HassLawnMowerStartMowing"),
     lambda text: bool(MACHINE_STARTS.search(STOPPED_WORK.sub(" ", text))),
     ("HassVacuumReturnToBase", "HassLawnMowerDock"),
     lambda text: bool(MACHINE_RETURNS.search(text) or STOPPED_WORK.search(text))),
    (("HassMediaPause", "HassPauseTimer"), _words(PAUSES), ("HassMediaUnpause", "HassUnpauseTimer"), _words(RESUMES)),
    (("HassMediaPlayerMute",), _words(MUTES), ("HassMediaPlayerUnmute",), _words(UNMUTES)),
    (("HassMediaNext",), _words(FORWARD), ("HassMediaPrevious",), _words(BACKWARD)),
    (("HassListAddItem", "HassShoppingListAddItem"), _words(ADDS),
     ("HassListCompleteItem", "HassShoppingListCompleteItem", "HassListRemoveItem"), _words(COMPLETES)),
)
# intent -> (says its own way, says the other way)
WAYS: dict[str, tuple[_Said, _Said]] = {
    intent: ways for one, says_one, other, says_other in _PAIRS
    for intents, ways in ((one, (says_one, says_other)), (other, (says_other, says_one))) for intent in intents}


def says_the_opposite(text: str, intent: str) -> bool:
    """Whether the sentence's verbs say only the other way of `intent`'s opposite pair ("bloquea …" read as
    HassTurnOff, "que la aspiradora vuelva" read as cleaning, "reanuda la música" read as pausing it)."""
    ways = WAYS.get(intent)
    return ways is not None and ways[1](text) and not ways[0](text)


def says_its_way(text: str, intent: str) -> bool:
    """Whether the sentence's verbs say only `intent`'s own way of its opposite pair ("stop the vacuum" of
    docking it, "quita el silencio" of unmuting): the words settle what the model's scores left close."""
    ways = WAYS.get(intent)
    return ways is not None and ways[0](text) and not ways[1](text)


def says_a_way(text: str) -> bool:
    """Any verb of turning or opening either way, or up or down: a cover's way is said."""
    return bool(TURNS_ON.search(text) or TURNS_OFF.search(text) or DIRECTION.search(text)
                or OPENS.search(text) or CLOSES.search(text))


def says_lock_way(text: str, intent: str) -> bool:
    """Whether the words say locking (`HassTurnOn`) or unlocking (`HassTurnOff`) a lock, and not the other."""
    own, other = (LOCKS, UNLOCKS) if intent == "HassTurnOn" else (UNLOCKS, LOCKS)
    return bool(own.search(text)) and not other.search(text)
