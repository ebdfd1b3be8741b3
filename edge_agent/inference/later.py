"""Cues of an action asked for later, on a condition, or on a schedule the agent cannot keep (HA's intents
act now): "remind me to …", "if it rains close …", "every night at ten lock …", "… in a bit", "… if nobody is
home", "a las siete …". Part of the no-action grammar of cues.py; these do not apply to a timer's intents,
whose durations say the same words ("remind me in ten minutes")."""

from __future__ import annotations

import re

from edge_agent.inference.cue_words import DONE, NUMBER_WORDS, STATES_EN, STATES_ES

# a delay a timer takes as its duration ("a timer in ten minutes" is not deferred): not for timer intents
DELAYED = (rf"\bin {NUMBER_WORDS}\s+(?:hours?|minutes?|mins?)\b", rf"\bdentro de {NUMBER_WORDS}\s+(?:horas?|minutos?|rato)\b",
           rf"\ben {NUMBER_WORDS}\s+(?:horas?|minutos?)\b")  # "apaga la tele en diez minutos"

# for later, on a condition, or on a schedule
HOURS_EN = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
TIMES_EN = rf"(?:\d{{1,2}}(?::\d\d)?|{HOURS_EN})"
TIMES_ES = r"(?:\d{1,2}(?::\d\d)?|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce)"
LATER = (
    r"\bremind\s+(?:me|us|him|her|them)\b", r"\bremember\s+to\b", r"\b(?:make|take|leave)\s+a\s+note\b",
    r"\bunless\b", r"\ba menos que\b", r"\bsalvo que\b",
    r"\brecu[eé]rd(?:a|ale|ame|anos|e)\b", r"\bacu[eé]rdate\b", r"\bhaz\s+una\s+nota\b",
    r"^\W*(?:if|when|whenever|as soon as|once)\s+(?!you\s+(?:can|could|get a chance)\b|possible\b|"
    r"it'?s\s+(?:still\s+)?(?:on|off|open|closed)\b)\w+",
    r"^\W*(?:si|cuando|en cuanto|siempre que)\s+(?!(?:puedes|puedas|puede|pueda|es posible)\b)\w+",
    r"\b(?:every|each)\s+(?:night|morning|evening|day|afternoon|weekday|hour)\b",
    rf"\bat\s+{TIMES_EN}\s*(?:am|pm|a\.m\.|p\.m\.|o'?clock)(?!\w)",
    r"\bat\s+(?:noon|midnight|night|sunset|sunrise|dawn|dusk)\b",
    r"\bin\s+the\s+(?:morning|evening|afternoon)\b",
    r"\b(?:todas\s+las|cada)\s+(?:noches|mañanas|tardes|d[ií]as|noche|mañana|tarde|d[ií]a)\b",
    rf"\ba\s+las?\s+{TIMES_ES}\b(?!\s*(?:%|por\s*ciento|grados))",
    r"\bal\s+(?:anochecer|amanecer|atardecer|mediod[ií]a)\b",
    # on a condition said after the command: "turn off the tv when the movie ends" (not "when you can")
    r"\b(?:when|whenever|once|after|as soon as)\s+(?:the|my|our|i|i'm|we|we're|it|it's|he|she|they|someone|"
    r"everyone|everybody)\b",
    r"\ba\s+medianoche\b", r"\bpor\s+la\s+(?:noche|tarde)\b",
    # a while from now, or after something the speaker does: "in a bit", "soon", "after dinner", "before bed",
    # "en un rato", "dentro de poco", "después de cenar", "a la hora de dormir" ("en un segundo": a timer's too)
    r"\b(?:soon|shortly)\b", r"\bin\s+a\s+(?:little\s+)?(?:bit|while|sec|second|moment|jiffy)\b",
    r"\b(?:after|before)\s+(?:dinner|lunch|breakfast|bed|bedtime|work|school|dark|sunset|sunrise)\b",
    r"\bat\s+bedtime\b", r"\ben\s+(?:un|una)\s+(?:rato|ratito|momento|momentito|segundo|minutito)\b",
    r"\bdentro\s+de\s+(?:poco|un\s+rato|un\s+momento)\b", r"\ben\s+breve\b", r"\bal\s+rato\b",
    r"\b(?:despu[eé]s|antes)\s+de\s+(?:cenar|comer|desayunar|dormir|acostar\w*|salir|irme|la\s+cena|la\s+comida)\b",
    r"\ba\s+la\s+hora\s+de\b",
    # on a condition said after the command, which the agent cannot judge: "turn off the porch light if nobody
    # is home", "… only if it's dark", "… si no hay nadie" (not "if you can", "even if", "por si acaso", the
    # suggestion "¿qué tal si …?", nor a condition on the device's own state: "lock the front door if it's
    # unlocked" ends the same either way)
    rf"(?<!even)(?<=\w)\s+if\s+(?!you\s+(?:can|could|would|will|wouldn'?t|don'?t|do\s+not|please|get|have|are|"
    rf"mind|want|like|feel|{DONE})\b|you'?[dr]e?\b|I\s+(?:may|might|could)\b|possible\b|necessary\b|needed\b|need\s+be\b|so\b|not\b|ok\b|"
    rf"okay\b|that'?s\b|it'?s\s+(?:ok|okay|alright|fine|possible|not)\b|"
    rf"(?:it'?s|it\s+is|they'?re|they\s+are)\s+(?:still\s+)?{STATES_EN}\b)\w+",
    rf"(?<!por)(?<!aun)(?<!incluso)(?<!tal)(?<=\w)\s+si\s+(?!(?:puedes|puedas|puede|pueda|podr[ií]as?|pod[eé]is|quieres|"
    rf"quiere|gustas|es\s+posible|fuera\s+posible|no\s+(?:te|le|os|les)\s+importa|no\s+es\s+molestia|"
    rf"(?:te|le)\s+parece|(?:eres|es)\s+tan\s+amable|me\s+haces?\s+el\s+favor|por\s+favor|hace\s+falta|"
    rf"es\s+necesario|acaso|(?:est[aá]n?|sigue|siguen)\s+(?:todav[ií]a\s+)?{STATES_ES})\b)\w+",
    r"\b(?:as\s+long\s+as|provided\s+that|on\s+condition\s+that|en\s+caso\s+de\s+que|siempre\s+y\s+cuando|"
    r"con\s+tal\s+de\s+que|a\s+condici[oó]n\s+de\s+que)\b",
    r"(?<=\w)\s+(?:when|whenever)\s+(?!you\s+(?:can|get|have|are)\b|you'?re\b|possible\b|ready\b|convenient\b)\w+",
    r"(?<=\w)\s+cuando\s+(?!(?:puedas|puedes|pueda|quieras|gustes|tengas|tenga)\b)\w+",
    r"\b(?:half|quarter)\s+(?:past|to)\s+\w+", r"\bwake\s+(?:me|us)\b", r"\bdespi[eé]rta(?:me|nos)\b",
    # told when it happens, not asked to make it happen: "avísame si se abre la puerta del garaje" opened it
    r"\b(?:av[ií]s(?:a|e)me|av[ií]s(?:a|e)nos|notif[ií]ca(?:me|nos)|let\s+(?:me|us)\s+know|notify\s+(?:me|us)|"
    r"alert\s+(?:me|us)|tell\s+(?:me|us)|d[ií]me|dinos)\s+(?:si|cuando|en\s+cuanto|when|if|once|as\s+soon\s+as)\b",
)

# an hour without am / pm, for switching only: "turn on the coffee maker at 7" (not "set the fan at 3")
AT_HOUR = re.compile(rf"\bat\s+(?:[1-9]|1[0-2]|{HOURS_EN})(?::[0-5]\d)?\b"
                     r"(?!\s*(?:%|percent|degrees?))"
                     rf"|\b(?:in|en)\s+{NUMBER_WORDS}\s*[.!?]*$", re.IGNORECASE)  # "turn off the tv in 30": later
SWITCHED = frozenset({"HassTurnOn", "HassTurnOff", "HassVacuumStart", "HassVacuumCleanArea", "HassLawnMowerStartMowing"})
