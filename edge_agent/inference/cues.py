"""Grammar that marks a sentence as asking for no action (issue 33): whatever intent the model reads, the
agent does not act on it. Cues, not sentences; en and es. Their cost in refused commands is measured on
held-out generated commands (`python benchmarks/abstain_calibration.py`).

- negated: "don't turn on …", "never open …", "no enciendas …", "nunca abras …";
- deferred: "… later", "not yet", "in an hour", "I'll do it myself", "luego", "dentro de una hora", "lo
  cierro yo";
- done or past: "I already turned off …", "we locked …", "the fan was on all day", "… an hour ago", "ya
  apagué …", "apagué …", "se quedó …", "hace un minuto";
- kept as it is: "leave the lights on", "keep … open", "can stay off", "deja encendidas …", "mantén …",
  "puede quedarse apagada";
- a question about a state: "is the heater running", "are … still on", "did I lock …", "¿está …?",
  "¿siguen …?" (HassGetState's, not an action's);
- talk: asking how ("how do I …", "¿cómo se …?") or saying what one likes ("I love …", "me gustan …");
- for later, on a condition or a schedule the agent cannot keep (HA's intents act now; later.py): "remind me to …",
  "remember to …", "if it rains close …", "every night at ten lock …", "at seven pm …", "recuérdame …",
  "si llueve …", "todas las noches …", "a las siete …", or after the command ("… if nobody is home", "… as long as
  …", "… si no hay nadie", "… en caso de que llueva"); not "if you can …", "cuando puedas …", "even if …";
- not wanted ("I don't want the heater on", "no quiero que enciendas …"); all but one ("turn off everything
  except the porch light", "apaga todo menos …": HA cannot leave one out, and acting reaches the one
  excluded); a plan or task of the speaker's own ("I'm going to turn off …", "I have to lock …", "voy a encender
  …", "necesito limpiar …"); "unless …";
- asked to stop doing it ("stop turning on …", "deja de encender …"); taken back at the end ("…, no wait",
  "…, mejor no"); who did it ("who turned on …"); what a device does by itself or as a habit ("turns itself
  off", "usually opens", "se apaga sola", "siempre cierra"); a fault ("the front door won't lock", "la verja
  no cierra");
- done by someone or something ("you turned on …", "the wind opened …", "they turn off …" in a story, "¿has
  apagado …?"), or thanked for ("thanks for turning off …", "gracias por encender …"); either way ("on or off,
  I don't care"); words about words ("what does … mean", "translate …", "say '…'", "traduce …"); a state said
  ("great, the den light is off": asked as the state question it reports);
- advice or what-ifs: "should I turn on …", "what happens if I unlock …", "tell me how to …", "¿debería …?",
  "qué pasa si …";
- noted: something to add to a list ("add close the garage door to my tasks", "apunta apagar el horno en la
  lista"): a to-do, not an action on a device now (a list intent stays).
"""

from __future__ import annotations

import re

from edge_agent.home.numbers import unaccented
from edge_agent.home.verbs import COVER_NOUN, OTHERS_WORDS, OWN_WORDS, says_a_way
from edge_agent.inference.cue_words import (
    DO,
    DONE,
    HOME_VERB_ES,
    NUMBER_WORDS,
    PRETERITE_ES,
    STATES_EN,
    STATES_ES,
)
from edge_agent.inference.later import AT_HOUR, DELAYED, LATER, SWITCHED

NEGATED = (
    r"(?:^|[,.;:!?¡¿]\s*|\bplease\s+|\bno\s+)(?:don'?t|do not|never(?!\s+mind))\s+\w+",
    r"\bhold off\b",
    # not wanted: "I don't want the heater on", "no quiero que enciendas …"
    r"\b(?:I|we)\s+(?:really\s+)?(?:don'?t|do not)\s+(?:want|need)\b",
    r"\bno\s+(?:quiero|queremos|necesito|necesitamos|(?:me\s+|nos\s+)?hace\s+falta)\s+que\b",
    r"\bno need (?:to|for)\b",
    # all but one: HA cannot leave one out, and the one named is the one not to touch
    r"\b(?:except|excepting|other than|apart from|besides|but not)\b",
    r"\b(?:all|every\w*)\b(?:\s+[\w']+){0,6}?\s+but\b",
    r"\b(?:excepto|salvo|menos\s+(?:el|la|los|las)\b)", r"\btod[oa]s?\b(?:\s+\w+){0,6}?\s+menos\b",
    # either way: "turn it on or off, I don't care", "enciende o apaga …": which one is not said
    r"\b(?:on|off|open|close|up|down)\W+or\W+(?:on|off|open|close|up|down)\b",  # locks: targets.lock_way_unsaid
    r"\b(?:enciende|apaga|abre|cierra|sube|baja)\s+o\s+(?:enciende|apaga|abre|cierra|sube|baja)\b",
    # asked to stop doing it: "stop turning on the porch light", "deja de encender …" (not "stop playing")
    r"\b(?:stop|quit)\s+(?:turning|switching|opening|closing|locking|unlocking)\b",
    r"\b(?:deja|dejad|dejen|para|parad)\s+de\s+(?:encender|apagar|abrir|cerrar|bloquear|desbloquear|subir|bajar|"
    r"poner|quitar|prender)\b",
    # taken back at the end: "turn on the den light, no wait", "apaga la luz, mejor no"
    r"[,.;!]\s*(?:no\s+)?(?:wait|actually\s+no|never\s*mind|cancel(?:\s+that)?|forget\s+it)\W*$",
    r"[,.;!]\s*(?:no,?\s+espera|espera|mejor\s+no|olv[ií]dalo|d[eé]jalo)\W*$",
    r"[,.;!?]\s*(?:no way|no thanks|ni hablar|de ninguna manera|para nada)\W*$",  # "open the garage door? no way"
    r"[,.;!?]\s*(?:(?:absolutely|definitely|certainly|of\s+course|hell|actually,?|maybe)\s+not|nah|nope|not\s+really|"
    r"actually,?\s+don'?t|ni\s+de\s+broma|ni\s+loc[oa]|bueno,?\s+no|(?:mejor\s+)?no\s+lo\s+hagas)\W*$",
    r"\b(?:or|o)\s+(?:not|no)\W*$",  # "open the garage door, or not": either way
    # a joke: "unlock the front door, just kidding", "abre la puerta del garaje, es broma"
    r"\b(?:just\s+)?(?:kidding|joking)\b|\bj/?k\b|\bhaha\w*\s+no\b|\b(?:es|era)\s+(?:una\s+)?broma\b|\bbromeo\b",
    # asked whether it was done: "¿abriste la puerta del garaje?" opened it
    r"\b(?:abr|cerr|encend|apag|prend|bloque|desbloque|sub|baj|quit|activ|desactiv|arranc|paus)(?:iste|aste)\b",
    # Spanish: "no"/"nunca" + the subjunctive ("no enciendas", "no me abras", "nunca desbloquees")
    r"(?:^|[,.;:!?¡¿]\s*|\bpor favor,?\s+|\bno,\s*)(?:no|nunca)\s+(?:(?:me|te|lo|la|los|las|le|les)\s+)?\w+(?:es|as|éis|áis)\b",
    # advised or not needed, anywhere: "you'd better not unlock …", "you shouldn't open …", "I'd rather you
    # didn't …", "you don't need to …", "no es necesario encender …" (not "why don't you …": a request)
    r"\b(?:shouldn'?t|should\s+not|mustn'?t|must\s+not|needn'?t|(?:better|best)\s+not)\b",
    r"\b(?:could|can|would|will)\s+you\s+(?:please\s+)?not\b",  # "could you not turn on …": please don't
    r"\brather\s+(?:you\s+|we\s+)?(?:not|didn'?t|did\s+not)\b", r"\b(?:not|no longer)\s+necessary\b",
    r"\b(?:you|we)\s+(?:don'?t|do\s+not)\s+(?:need|have)\s+to\b",
    r"\bno\s+(?:es\s+necesario|hace\s+falta)\s+\w+(?:ar|er|ir)\b",
    r"\bni\s+se\s+(?:te|le|os|les)\s+ocurra\b", r"\bno\s+se\s+(?:te|le|os|les)\s+ocurra\b",
    # a home verb negated mid-sentence: "mejor no abras …", "tú no abras …", "que no se encienda …",
    # "tampoco enciendas …" (its subjunctive or present; "no la del salón" names, it does not negate)
    rf"(?<!por\sque\s)(?<!por\squé\s)(?<!porque\s)(?<!porqué\s)"  # "¿por qué no apagas …?" asks for it
    rf"\b(?:no|nunca|jam[aá]s|tampoco|ni)\s+(?:(?:se|me|te|nos|os)\s+)?(?:(?:lo|la|los|las|le|les)\s+)?{HOME_VERB_ES}\b",
)
A_WHILE = (r"(?:hours?|minutes?|mins?|secs?|seconds?|moment|bit|while|horas?|minutos?|segundos?|momento|rato|"
           r"ratito)\b")
DEFERRED = (
    r"\bnot (?:yet|now)\b", r"\blater\b", r"\btomorrow\b", r"\bmyself\b", r"\bI'?ll\b", r"\bI will\b",
    r"\bwe'?ll\b", r"\bwhen I\b",
    # the speaker's own plan, an action of the home's ("I'm going to turn off …"; not "I'm going to sleep", nor
    # the reason given for a command: "enciende la luz del sótano, que voy a bajar")
    rf"\bI(?:'?m|\s+am)\s+going\s+to\s+(?:{DO}|dim|raise|lower|set|put|pause|play)\b",
    r"(?<!que )\bvoy\s+a\s+(?:encender|apagar|abrir|cerrar|bloquear|desbloquear|subir|bajar|poner|quitar|activar|desactivar|"
    r"parar|pausar|iniciar|arrancar|prender)\b",
    # the speaker's own future: "encenderé la luz del porche", "la apagaremos luego" (not "¿encenderás …?")
    r"\b(?:encender|apagar|abrir|cerrar|bloquear|desbloquear|subir|bajar|activar|desactivar|prender|pausar|iniciar|"
    r"arrancar|limpiar|aspirar|quitar|pondr)(?:é|emos)\b",
    # the speaker's own task: "I have to lock the front door", "necesito limpiar la cocina" (not "I need you to …")
    rf"\bI(?:'ve|\s+have)?\s+(?:have|need|got|must|ought)\s+(?:to\s+)?(?:{DO}|dim|raise|lower|pause|play|clean|vacuum|"
    rf"mow)\b",
    r"\b(?:tengo|tenemos|necesito|necesitamos|debo|debemos)\s+(?:que\s+)?(?:encender|apagar|abrir|cerrar|bloquear|"
    r"desbloquear|subir|bajar|poner|quitar|activar|desactivar|parar|pausar|iniciar|arrancar|prender|limpiar|"
    r"aspirar)\b",
    r"\btodav[ií]a no\b", r"\ba[uú]n no\b", r"\bahora no\b", r"\bluego\b", r"\bm[aá]s tarde\b", r"\bma[ñn]ana\b",
    r"\byo mism[oa]\b", r"\b\w+o yo\b", r"\bcuando (?:me|llegue|vuelva|despierte|salga|termine)\b",
    r"^\W*espera\b",
    # for a while only, then back: "turn on the porch light for 10 minutes" (read as a timer named after it)
    rf"\b(?:on|off|open|encendid[oa]s?|apagad[oa]s?|abiert[oa]s?)\s+(?:for|durante|por)\s+{NUMBER_WORDS}\s+{A_WHILE}",
    rf"\b(?:turn|switch|open|close|set|put|dim|raise|lower|heat|cool|enciend\w*|apag\w*|abr[eai]\w*|cierr\w*|pon|ponga|"
    rf"sube|baja)\b(?:\s+(?!timer|temporizador|alarm|alarma)[\w']+){{1,6}}?\s+"
    rf"(?:for|durante|por)\s+{NUMBER_WORDS}\s+{A_WHILE}",
)
PAST = (
    r"\b(?:already|just)\s+\w+ed\b",
    r"\b(?:I|we|he|she|they|someone|somebody)\s+(?:\w+ly\s+)?(?!need\b|feed\b|speed\b)\w+ed\b",
    r"\b(?:was|were)\b", r"\bago\b", r"\byesterday\b", r"\blast (?:night|week|time|year|summer|month)\b",
    r"\b(?:cleaned|vacuumed|mowed|turned|switched)\b(?!\s+(?:on|off)\b)",
    r"\bya\s+\w+(?:[ée]|[ií]|amos|imos)\b", r"\bya\s+(?:he|hemos|has|ha|han)\s+\w+(?:ado|ido)\b", r"\bacab(?:o|amos) de\b",
    rf"^\W*(?:who|what)\s+(?:{DONE}|left|put)\b",
    # done by someone or something, now or in a story: "you turned on …", "the wind opened …", "in the movie they
    # turn off …", "¿has apagado …?", "thanks for turning off …", "gracias por encender …"
    rf"(?<!if\s)\b(?:you|it)\s+(?:\w+ly\s+)?(?:{DONE}|left)\b",  # not "I'd appreciate it if you turned off …"
    rf"\b(?:the|a|my|our|his|her|their)\s+\w+\s+{DONE}\b",  # not "left": "… the light the kids left on"
    rf"(?<!can\s)(?<!could\s)(?<!will\s)(?<!would\s)"  # "can someone turn off the tv": asked
    rf"\b(?:they|he|she|people|someone|somebody|nobody|no one|everyone|everybody|who)\s+(?:\w+ly\s+)?{DO}(?:s|es)?\b",
    rf"\b(?:nobody|no one|noone|everyone|everybody)\s+(?:\w+ly\s+)?(?:{DONE}|left)\b",  # "nobody turned off …"
    # what something or someone does: "the wind opens the garage door", "mi gato abre la puerta del garaje"
    rf"\b(?:the|my|our|his|her|their|a|an)\s+\w+\s+(?:\w+ly\s+)?{DO}(?:s|es)\b",
    r"\b(?:mi|mis|tu|tus|su|sus|el|nuestr[oa]s?)\s+\w+\s+(?:abre|cierra|enciende|apaga|bloquea|desbloquea|prende|"
    r"arranca)\b",  # not "sube" / "baja": adjectives too ("el planta baja")
    r"\b(?:qui[eé]n|qui[eé]nes|nadie)\s+(?:\w+\s+)?(?:abre|cierra|enciende|apaga|bloquea|desbloquea|sube|baja|pone|quita|"
    r"prende)n?\b",
    r"\b(?:has|ha|han|hemos|he|habéis)\s+\w+(?:ado|ido)\b", r"\b(?:thanks|thank you)\s+for\b", r"\bgracias\s+por\b",
    # what it does by itself, or as a habit: a description, not a request
    r"\b(?:itself|by itself|on its own|automatically|autom[aá]ticamente|por s[ií] mism[oa])\b",
    r"\bse\s+\w+\s+sol[oa]s?\b",
    r"\b(?:always|usually|often|sometimes|normally|generally|rarely|seldom)\b",
    r"\b(?:siempre|normalmente|a veces|a menudo|suel(?:e|en|es)|solemos)\b",
    # something that does not work: "the front door won't lock", "la puerta no cierra"
    r"\b(?:won'?t|doesn'?t|does not|will not|isn'?t|aren'?t|wouldn'?t)\b(?!\s+you\b)",
    r"\bno\s+(?:se\s+)?(?:funciona|cierra|abre|enciende|apaga|bloquea|arranca)\b",
    PRETERITE_ES, r"\b(?:estuvo|estuvieron|fue|fueron|hubo|era|eran)\b",
    r"\bhace (?:un|una|unos|unas|dos|tres|\d+|media|mucho|poco|rato)\b", r"\banoche\b", r"\bayer\b",
)
# (every gap between cue words is a bounded number of words: a 2,000-character request stays linear)
KEPT = (
    rf"\b(?:leave|keep)\s+(?:the|my|our|it|them|that|this|those|all)\b(?:\s+[\w']+){{0,6}}?\s+{STATES_EN}\b",
    rf"\b(?:can|may|should|could)\s+stay\s+{STATES_EN}\b",
    rf"\b(?:deja|dejad|dejen|dejar|mant[eé]n|mantened|mantener|mantenga)(?:\s+\w+){{0,6}}?\s+{STATES_ES}\b",
    rf"\bquedarse\s+(?:as[ií]|{STATES_ES})", r"\bd[eé]ja(?:l[oa]s?|me)\s+(?:as[ií]|como est[aá])",
)
QUESTION = (
    r"^\W*(?:is|are|was|were)\s+(?:the|my|our|any|all)\b",
    r"^\W*(?:is|are|was|were)\s+(?:it|there|that|this)\b(?!\s+possible\b)",
    rf"^\W*(?:could|might|may|can)\s+(?:the|my|our)\b(?:\s+[\w']+){{0,6}}?\s+be\s+(?:still\s+)?{STATES_EN}\b",
    # a state said, not asked for: "great, the den light is off" (answered as the question it reports)
    rf"^\W*(?:\w+,\s*)?(?:the|my|our)\b(?:\s+[\w']+){{0,5}}?\s+(?:is|are)\s+"
    rf"(?:now\s+|already\s+|still\s+)?{STATES_EN}\W*$",
    r"^\W*(?:did|have|has)\s+(?:I|we|you|someone|somebody|anyone|anybody)\s+(?:\w+ly\s+)?"
    r"(?:leave|left|lock|locked|unlock|unlocked|open|opened|close|closed|shut|turn|turned|switch|switched|start|"
    r"started|stop|stopped|forget|forgot|remember)\b",  # "did you open the garage door" opened it
    rf"\bstill\s+{STATES_EN}\b",
    # "¿está encendida …?", "¿siguen abiertas …?", "¿la puerta está sin llave?", "¿se ha quedado encendida …?",
    # "¿me he dejado … encendida?" (not "deje la luz encendida": leave it on): not "sigue con la música"
    rf"\b(?:est[aá]n?|estaban?|sigue|siguen|queda|quedan|qued[oó]|quedaron|quedad[oa]s?|dejad[oa]s?|dejé|dejaste)"
    rf"\s+(?:[\w]+\s+){{0,4}}?"
    rf"(?:{STATES_ES}|funcionando|en marcha|sin llave|con llave)\b",
)
# asking how, or saying what one likes: information or taste, not a request ("how do I make pancakes", "¿cómo
# se enciende …?", "I love warm colours in the lounge", "me gustan los colores cálidos"); "I'd like …",
# "me gustaría …" ask, and stay requests
TALK = (
    r"^\W*how\s+(?:do|can|should|would)\s+(?:I|you|we|one)\b", r"^\W*how\s+to\b",
    r"^\W*c[oó]mo\s+(?:se|hago|puedo|podemos|hacemos|puedes|funciona)\b",
    r"\bI\s+(?:really\s+)?(?:like|love|hate|enjoy)\b", r"\bme\s+(?:gusta|gustan|encanta|encantan)\b",
    r"\bodio\b",
    # advice or a what-if: "should I turn on …", "what happens if I unlock …", "¿debería encender …?"
    r"^\W*(?:should|shall|must)\s+(?:I|we)\b", r"\bwhat\s+(?:happens|would happen|if)\b", r"\btell\s+me\s+how\b",
    r"\bexplain\b", r"^\W*(?:debo|deber[ií]a|deber[ií]amos|debemos)\b",
    # words about words: "what does … mean", "translate …", "say '…'", "¿qué significa …?", "traduce …"
    r"\bwhat\s+does\b(?:\s+[\w']+){0,8}?\s+mean\b", r"\btranslat\w*\b", r"\btraduc\w*\b", r"\bsignifica\b",
    r"^\W*(?:say|repeat|spell|pronounce|repite|deletrea)\b", r"\bqu[eé]\s+pasa(?:r[ií]a)?\s+si\b",
    r"\bd[ií]me\s+c[oó]mo\b", r"\bexpl[ií]ca(?:me)?\b",
    # a question of one clause asked with a question word asks to be told ("which fruit floats …", "what colour
    # is …", "¿qué color tiene …?"); not "why don't you …", "what about …", "¿qué tal si …?", "¿por qué no …?",
    # nor one followed by a command ("qué oscuro está, enciende las luces")
    r"^\W*(?:what|which|who|whose|why|where|how\s+(?:many|much|come|long|old|far|big))\b"
    r"(?!\s+(?:about|don'?t|not|if)\b)[^,;.!]*$",
    r"^[^\w¿]*(?:¿\s*(?:qu[eé]|cu[aá]l(?:es)?|qui[eé]n(?:es)?|por\s+qu[eé]|d[oó]nde|cu[aá]nt[oa]s?)|"
    r"(?:qué|cuál(?:es)?|quién(?:es)?|por\s+qué|dónde|cuánt[oa]s?))\b(?!\s+(?:tal|no)\b)[^,;.!]*$",
    # whether it can be done, or is wise: "do you know how to open …", "¿sabes abrir …?", "¿es seguro abrir …?"
    # (not "can you open …": a request)
    r"\bhow\s+to\b", r"^\W*sab(?:es|e|éis|en)\s+(?:c[oó]mo\s+)?\w+(?:ar|er|ir)\b",
    r"^\W*(?:es|ser[ií]a)\s+(?:seguro|buena\s+idea|mala\s+idea|peligroso|recomendable|conveniente)\b",
    # said by someone else, or asked of the speaker: "my son wants me to unlock …", "the kids told me to …"
    r"\b(?:said|says|told\s+(?:me|us|him|her|them)|asked\s+(?:me|us|him|her|them)|wants?\s+(?:me|us)\s+to)\b",
    r"\b(?:dijo|dice|dicen|dijeron)\s+que\b", r"\bme\s+(?:pidi[oó]|ha\s+pedido|pide)\b",
    # the command quoted: "enciende la luz del porche, dijo mi padre", "abre la puerta … es lo primero que dice
    # mi hijo", "turn off the den light is what my kid yells"
    r",\s*(?:dijo|dice|dicen|dijeron|dec[ií]a|grit[oó]|grita)\b", r"\bque\s+(?:dice|dijo|dicen|dijeron|grita|grit[oó])\b",
    r",\s*(?:[\w']+\s+){0,4}?(?:wrote|writes|shouted|shouts|yelled|yells|screamed|whispered|sang|sings|"
    r"used\s+to\s+(?:say|yell|shout)|escribi[oó]|escribe|gritaba|susurr[oó]|cantaba|canta)\b",
    r"\b(?:is|was)\s+(?:what|the\s+(?:first|last|only|best|worst)|my\s+(?:favou?rite|least))\b",
    r"\bes\s+(?:lo\s+(?:primero|[uú]ltimo|que|[uú]nico)|mi\s+(?:canci[oó]n|frase|pel[ií]cula))\b",
    # a state said as the circumstance: "I can't sleep with the bedroom lights on" was read as turning them on
    rf"\bwith\s+(?:the|my|our|all|these|those|that|this)\s+(?:[\w']+\s+){{0,4}}?{STATES_EN}\b",
    rf"\bcon\s+(?:el|la|los|las|mi|mis|tanta|tantas|tanto|tantos)\s+(?:\w+\s+){{0,4}}?{STATES_ES}\b",
    # make-believe: "pretend to unlock the front door", "imagina que abres …"
    r"\b(?:pretend\w*|imagine|suppose|finge|fingir|imagina|sup[oó]n|supongamos)\b",
    # doing it, spoken about: "switching off the dehumidifier makes the basement smell", "encender el calefactor
    # cuesta un dineral" (the -ing or infinitive is the subject of a verb said after it, in one clause)
    r"^\W*(?:turning|switching|leaving|keeping|opening|closing|locking|unlocking|running|starting|stopping|setting|"
    r"putting|dimming|raising|lowering|using|heating|powering|playing|vacuuming)\b[^,;.!?]*?\b(?:is|was|costs?|"
    r"makes?|made|uses?|used|wastes?|takes?|took|saves?|saved|helps?|helped|seems?|feels?|wakes?|woke|annoys?)\b",
    r"^\W*(?:encender|apagar|dejar|abrir|cerrar|subir|bajar|poner|quitar|usar|bloquear|desbloquear|activar|"
    r"desactivar|conectar|desconectar|mantener)\b[^,;.!?]*?\b(?:es|era|fue|cuesta|cost[oó]|gasta|gast[oó]|"
    r"despierta|molesta|supone|ayuda|ahorra|consume|resulta|parece)\b",
    # thinking or dreaming of it: "I can't stop thinking about the new garage door" was read as stopping it
    r"\b(?:think|thinks|thinking|thought|dream|dreaming|dreamt|worry|worrying|worried)\s+(?:about|of)\b",
    r"\bcan'?t\s+stop\s+\w+ing\b", r"\b(?:pienso|pensando|pensar|pens[eé]|sueño|soñando|soñar)\s+(?:en|con)\b",
    # unsure which: "turn the porch light on? or off? I'm not sure"
    r"\b(?:I'?m|I\s+am)\s+not\s+sure\b", r"\bno\s+estoy\s+segur[oa]\b",
)
# the thing to do written down, not done: only the list intents stand ("List" in their names)
NOTED = re.compile(
    r"^\W*(?:(?:please|can you|could you)\s+)?(?:add|put|write|jot|note)\b(?:\s+[\w'’-]+){1,12}?\s+"
    r"(?:to|on|onto|in|into)\s+(?:the|my|our)\s+(?:[\w'’-]+\s+){0,3}(?:list|tasks|to-?dos?|chores|notes)\b"
    r"|^\W*(?:(?:por favor|puedes)\s+)?(?:añad\w*|anad\w*|agreg\w*|apunt\w*|anot\w*|pon|mete)\b"
    r"(?:\s+[\w'’-]+){1,12}?\s+"
    r"(?:a|en)\s+(?:la|mi|mis|nuestra|las)\s+(?:[\w-]+\s+){0,3}(?:lista|tareas|pendientes|notas)\b",
    re.IGNORECASE)
NO_ACTION = re.compile("|".join((*NEGATED, *DEFERRED, *PAST, *KEPT, *QUESTION, *TALK)), re.IGNORECASE)
STATE_QUESTION = re.compile("|".join(QUESTION), re.IGNORECASE)
NEGATED_OR_DEFERRED = re.compile("|".join((*NEGATED, *DEFERRED)), re.IGNORECASE)
NO_ACTION_NOW = re.compile("|".join((*DELAYED, *LATER)), re.IGNORECASE)


def asks_no_action(text: str, intent: str) -> bool:
    """Whether the sentence asks for nothing to be done now, whatever `intent` the model read."""
    return bool(NO_ACTION.search(text) or ("Timer" not in intent and NO_ACTION_NOW.search(text))
                or ("List" not in intent and NOTED.search(text)) or (intent in SWITCHED and AT_HOUR.search(text)))


def asks_state(text: str) -> bool:
    """A question about a state ("is the heater running", "¿siguen encendidas …?") and nothing that
    negates or defers it."""
    return bool(STATE_QUESTION.search(text)) and not NEGATED_OR_DEFERRED.search(text)


def unsaid(text: str, intent: str) -> bool:
    """Whether `intent` is one said with a few words only, none of which the sentence has, or the sentence says
    another intent's own words ("pon la anterior" read as resuming); or opening or
    closing a cover with no verb or direction that says which ("draw the curtains", "corre las cortinas" say
    either; "echa las persianas", "junta las cortinas" neither that the agent knows)."""
    text = unaccented(text)  # "apúntame leche …": apunta
    if (others := OTHERS_WORDS.get(intent)) is not None and others.search(text):
        return True
    words = OWN_WORDS.get(intent)
    if words is not None:
        return not words.search(text)
    return intent in ("HassTurnOn", "HassTurnOff") and bool(COVER_NOUN.search(text)) and not says_a_way(text)
