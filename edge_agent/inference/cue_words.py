"""The words the no-action cues are made of (cues.py, later.py): the home's states and verbs, en and es."""

from __future__ import annotations

STATES_EN = r"(?:on|off|open|closed|shut|locked|unlocked|running|up|down)"
STATES_ES = r"(?:encendid|apagad|abiert|cerrad|prendid|bloquead|desbloquead|subid|bajad|puest|quitad)[oa]s?"
# the preterite of the Spanish verbs of the home's actions ("apagué", "encendí", "cerró", "abrieron"); not
# "abrí" nor "subí", which are also the voseo imperatives HA's templates use ("abrí la puerta")
AR_STEMS = (r"(?:apag|cerr|bloque|desbloque|baj|quit|par|paus|dej|conect|desconect|activ|desactiv|limpi|aspir|arranc|"
            r"escuch)")
PRETERITE_ES = (rf"\b(?:apagu|arranqu|{AR_STEMS})é\b|\b{AR_STEMS}(?:ó|aron)\b|\b(?:encend|prend)í\b|"
                r"\b(?:encend|prend|abr|sub)(?:ió|ieron)\b|\bpus(?:e|o|imos|ieron)\b|\breproduj(?:e|o|imos|eron)\b")
# the home's actions, done (a report of the past) and to do (a plan, a story's present)
DONE = r"(?:turned|switched|opened|closed|shut|locked|unlocked|started|stopped)"
DO = r"(?:turn|switch|open|close|shut|lock|unlock|start|stop)"
# a home verb's stem with a subjunctive or present ending ("abras", "enciendan", "se apague", "bajes")
HOME_VERB_ES = (r"(?:abr|cierr|enciend|apag|apagu|prend|bloque|desbloque|sub|baj|pong|quit|activ|desactiv|inici|"
                r"arranc|arranqu|paus|reanud|silenci|aspir)(?:as|es|a|e|an|en|áis|éis)")
NUMBER_WORDS = r"(?:an?|one|two|three|five|ten|fifteen|twenty|thirty|forty|\d+|a few|half an?|un|una|unos|unas|dos|tres|cinco|diez|quince|veinte|media)"
