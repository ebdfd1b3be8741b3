"""The grammar that marks a sentence as asking for no action (edge_agent/inference/cues.py): each kind of
cue fires, and the commands that look like them (polite questions, voseo imperatives, "sigue con …",
a timer's duration) do not."""

from __future__ import annotations

import pytest

from edge_agent.inference.cues import asks_no_action, asks_state


@pytest.mark.parametrize("text", [
    "do not open the shed door", "please never unlock the side gate", "hold off on starting the mower",
    "no subas el toldo", "nunca desbloquees la verja",  # negated
    "switch the attic fan on later", "I'll dim the lamp myself", "run the sprinkler in twenty minutes",
    "apaga el horno dentro de media hora", "la cocina la barro yo", "cuando vuelva enciende la estufa",  # deferred
    "we dimmed the lounge lights after dinner", "the patio heater was on for hours", "the roomba cleaned yesterday",
    "cerré la ventana del ático hace un rato", "mi hermano encendió la estufa", "ya hemos apagado el horno",
    "la lámpara del desván era de mi abuela",  # past
    "leave the attic light on for the cat", "the shed door should stay closed", "keep all the blinds down",
    "deja la estufa encendida", "mantén cerradas las ventanas", "la verja puede quedarse abierta",  # kept
    "is the attic fan running", "are my patio lights still on", "did someone lock the shed",
    "¿está abierta la verja?", "¿siguen encendidas las luces del patio?", "¿la estufa está en marcha?",  # questions
    "add shut the shed door to my chores", "please put unlock the side gate on our to-do list",
    "apunta apagar la estufa en mi lista de tareas", "añade abrir la verja a mis pendientes",  # noted
    "remind me to switch off the attic fan", "remember to lower the patio awning", "if it gets cold start the stove",
    "when the kids are asleep dim the hall lamp", "every morning raise the shed blinds", "unlock the side gate at 6 pm",
    "recuérdame cerrar la verja", "si hace frío enciende la estufa", "cada noche baja el toldo",
    "a las ocho apaga la estufa",  # for later, on a condition or a schedule
    "should I turn the stove on", "what happens if I open the side gate", "tell me how to unlock the shed",
    "¿debería subir el toldo?", "qué pasa si abro la verja",  # advice, what-ifs
    "switch off the attic fan, no wait", "sube el toldo, mejor no",  # taken back
    "who switched on the patio lights", "the stove turns itself off", "my son usually opens the shed",
    "la estufa se apaga sola", "mi hija siempre cierra la verja", "the side gate won't lock",
    "la verja no cierra", "is it safe to open the side gate",  # who did it, by itself, habits, faults
    "I don't want the attic fan on", "no quiero que subas el toldo", "switch off everything except the stove",
    "apaga todo menos la estufa", "close all the blinds but the shed's", "I'm going to switch off the stove",
    "voy a apagar la estufa", "switch off the stove unless it's freezing", "could the attic fan be on",
    "you switched off the attic fan", "the storm closed the patio awning", "in the film she locks the shed",
    "¿has subido el toldo?", "thanks for dimming the hall lamp", "gracias por bajar el toldo",
    "switch the attic fan on or off, whatever", "what does raise the awning mean", "traduce apaga la estufa",
    "say 'unlock the shed'", "ok, the attic fan is off",  # done by someone, thanked, either way, words, a state said
    "stop switching on the hall lamp", "deja de subir el toldo",  # asked to stop doing it
    "no hace falta que apagues la estufa", "no need to switch off the stove",  # not needed
    "apaga la estufa en diez minutos", "switch on the stove at 7",  # later
    "switch off the attic fan when the movie ends", "close the awning after we leave",  # on a condition said after
    "you'd better not unlock the shed", "you shouldn't raise the awning", "I'd rather you didn't open the side gate",
    "you don't need to unlock the shed", "it is not necessary to start the stove",  # advised against, not needed
    "mejor no abras la verja", "tú no subas el toldo", "que no se encienda la estufa", "tampoco desbloquees la verja",
    "ni se te ocurra abrir la verja", "no es necesario encender la estufa",  # negated mid-sentence
    "encenderé la estufa", "luego la desbloquearemos", "pondré la radio yo",  # the speaker's own future
    "avísame si se abre la verja", "let me know when the stove turns on", "dime cuando se apague la estufa",  # told
    "switch off the stove at half past ten", "wake me up at 7", "despiértame a las siete",  # a time said in words
    "the wind opens the side gate", "mi gato abre la verja", "¿quién abre la verja?", "nobody switches off the stove",
    "nadie apaga la estufa",  # what something or someone does
    "did you open the side gate", "¿abriste la verja?", "¿apagaste la estufa?", "raise the awning? no way",
    "switch off the stove if nobody is in the kitchen", "raise the awning only if it's sunny",
    "unlock the shed as long as the dog is inside", "abre la verja si llega el cartero",
    "en caso de que llueva baja el toldo", "switch on the stove whenever it gets cold",
    "apaga la radio cuando acabe el partido",  # a condition said after the command
    "I have to unlock the shed", "I need to vacuum the attic", "tengo que subir el toldo",
    "necesito aspirar el desván",  # the speaker's own task
    "do you know how to raise the awning", "¿sabes desbloquear la verja?", "¿es seguro encender la estufa?",  # can it?
    "my daughter wants me to unlock the shed", "the neighbours told me to switch off the stove",
    "my husband said to open the side gate", "mi madre dice que bajes el toldo",  # said by someone else
    "raise the awning? or lower? I'm not sure", "switch the stove on, no estoy segura",  # unsure which
    "switch off the attic fan in a little while", "lower the awning soon", "unlock the shed after lunch",
    "sube el toldo en un ratito", "apaga la estufa dentro de poco", "baja el toldo antes de acostarnos",
    "apaga la estufa a la hora de comer",  # a while from now
    "I can't work with the attic lights on", "no puedo dormir con la estufa encendida",  # a state as circumstance
    "nobody switched off the stove", "no one unlocked the shed",  # nobody did it
    "unlock the shed? absolutely not", "raise the awning? nah", "desbloquea la verja, bueno no",
    "open the side gate, or not", "apaga la estufa. mejor no lo hagas",  # taken back at the end
    "unlock the shed, just kidding", "abre la verja, es broma", "raise the awning lol jk",  # a joke
    "pretend to unlock the shed", "imagina que abres la verja",  # make-believe
    "what colour is a flamingo's feather?", "which song has the loudest chorus", "how many watts does a stove use",
    "¿qué volumen tiene un litro?", "¿cuántas luces tiene un faro?",  # a question of one clause, asking to be told
    "switching off the attic fan makes the shed stuffy", "turning the stove up costs a fortune",
    "encender la estufa cuesta un dineral", "dejar la verja abierta es peligroso",  # doing it, spoken about
    "I can't stop thinking about the new shed door", "I keep dreaming of a smart stove",
    "no dejo de pensar en la verja nueva",  # thinking of it
    "enciende la estufa, dijo mi padre", "abre la verja es lo primero que dice mi hijo",
    "switch off the stove is what my kid yells every night", "switch off the stove, she wrote in her diary",
    "turn off the radio, my mother used to yell", "apaga la radio, gritaba mi madre",  # a command quoted
])
def test_these_ask_for_no_action(text):
    assert asks_no_action(text, "HassTurnOn")


@pytest.mark.parametrize(("text", "intent"), [
    ("can you turn on the attic fan", "HassTurnOn"), ("could you switch the patio lights off", "HassTurnOff"),
    ("lights off, I'm going to sleep", "HassTurnOff"), ("make sure the shed is locked", "HassTurnOn"),
    ("¿me enciendes la estufa?", "HassTurnOn"), ("encendé la estufa", "HassTurnOn"),  # voseo, not a preterite
    ("abrí la verja", "HassTurnOn"), ("sigue con la radio", "HassMediaUnpause"),
    ("qué frío está, enciende la estufa", "HassTurnOn"), ("asegúrate de que la verja quede cerrada", "HassTurnOn"),
    ("vuelve a poner la radio donde estaba", "HassMediaUnpause"), ("aspira esta habitación", "HassVacuumCleanArea"),
    ("start a timer in ten minutes", "HassStartTimer"),  # a timer's duration, not a delay
    ("pause the oven timer", "HassPauseTimer"),
    ("set the attic fan at 3", "HassFanSetSpeed"),  # a value, not an hour: only switching waits for "at 7"
    ("could you switch on the stove when you get a chance", "HassTurnOn"),
    ("add shut the shed door to my chores", "HassListAddItem"),  # a list intent writes it down
    ("apunta apagar la estufa en mi lista de tareas", "HassShoppingListAddItem"),
    ("put the attic fan on the lowest setting", "HassFanSetSpeed"), ("pon la estufa en la sala", "HassTurnOn"),
    ("if you can, switch on the attic fan", "HassTurnOn"), ("cuando puedas apaga la estufa", "HassTurnOff"),
    ("if it's on, turn off the stove", "HassTurnOff"), ("set the stove at 21", "HassClimateSetTemperature"),
    ("pon la estufa a 21 grados", "HassClimateSetTemperature"), ("sube el toldo al cincuenta por ciento", "HassSetPosition"),
    ("remind me in ten minutes", "HassStartTimer"),  # a timer stands for the reminder
    ("can't you switch on the attic fan", "HassTurnOn"), ("is it possible to raise the awning", "HassTurnOn"),
    ("aspira el suelo del salón", "HassVacuumCleanArea"), ("switch on the stove and wait", "HassTurnOn"),
    ("ya no necesito la estufa, apágala", "HassTurnOff"), ("I'm going to bed, switch off the stove", "HassTurnOff"),
    ("voy a dormir, apaga la estufa", "HassTurnOff"), ("pon la estufa menos fuerte", "HassTurnOn"),
    ("switch the attic fan on", "HassTurnOn"), ("the attic fan, switch it off", "HassTurnOff"),
    ("make sure the attic fan is off", "HassTurnOff"), ("turn the lamp on, it is dark", "HassTurnOn"),
    ("stop playing the radio", "HassMediaPause"), ("stop mowing", "HassLawnMowerDock"),
    ("why don't you switch off the stove", "HassTurnOff"),  # a request, not a negation
    ("¿por qué no apagas la estufa?", "HassTurnOff"), ("I'd appreciate it if you switched off the stove", "HassTurnOff"),
    ("can someone switch off the stove", "HassTurnOff"),
    ("bajar la música de el planta baja", "HassSetVolumeRelative"), ("alexa abre la verja", "HassTurnOn"),
    ("¿encenderás la estufa?", "HassTurnOn"), ("¿encenderías la estufa?", "HassTurnOn"),  # asked of the agent
    ("enciende la estufa, no la del salón", "HassTurnOn"), ("activa el modo no molestar", "HassTurnOn"),
    ("ya no quiero la estufa, apágala", "HassTurnOff"),  # not wanted: off (verbs.TURNS_OFF), not nothing
    ("switch on the stove if you would", "HassTurnOn"), ("raise the awning if I may", "HassTurnOn"),
    ("unlock the shed when you're ready", "HassTurnOff"), ("apaga la estufa, ¿no?", "HassTurnOff"),  # a tag ("raise the awning if possible", "HassTurnOn"),
    ("switch on the attic fan even if it's cold", "HassTurnOn"), ("unlock the shed if it's locked", "HassTurnOff"),
    ("sube el toldo si puedes", "HassTurnOn"), ("apaga la estufa por si acaso", "HassTurnOff"),
    ("abre la verja si no te importa", "HassTurnOn"), ("baja el toldo cuando puedas", "HassTurnOff"),
    ("I need you to unlock the shed", "HassTurnOff"), ("necesito que subas el toldo", "HassTurnOn"),
    ("add one second to the attic timer", "HassIncreaseTimer"), ("quita en un segundo el temporizador", "HassDecreaseTimer"),
    ("set a timer for twenty minutes", "HassStartTimer"), ("pon un temporizador durante diez minutos", "HassStartTimer"),
    ("are you able to unlock the shed", "HassTurnOff"), ("switch the stove on, I know how cold it gets", "HassTurnOn"),
    ("why don't you switch on the stove", "HassTurnOn"), ("¿por qué no subes el toldo?", "HassTurnOn"),
    ("¿qué tal si apagas la estufa?", "HassTurnOff"), ("qué frío hace, enciende la estufa", "HassTurnOn"),
    ("what a mess, start the robot", "HassVacuumStart"), ("que el robot vuelva a su base", "HassVacuumReturnToBase"),
    ("turning on the attic fan please", "HassTurnOn"), ("encender la estufa", "HassTurnOn"),  # no verb after it
    ("encender la estufa, que es tarde", "HassTurnOn"),  # the verb after it in another clause
    ("enciende la estufa, que voy a bajar", "HassTurnOn"),  # the speaker's plan as the reason for the command
])
def test_commands_that_look_like_them_do_not(text, intent):
    assert not asks_no_action(text, intent)


@pytest.mark.parametrize(("text", "intent"), [
    ("switch on the attic fan for 10 minutes", "HassStartTimer"), ("enciende la estufa durante media hora", "HassTurnOn"),
    ("leave the shed light on for an hour", "HassStartTimer"), ("shed light on for a sec", "HassTurnOn"),
    ("enciende la estufa por un rato", "HassTurnOn"),
])
def test_on_for_a_while_only_is_not_done_whatever_was_read(text, intent):
    """Done now and never undone: the shipped model reads the first as a timer named after the fan."""
    assert asks_no_action(text, intent)


@pytest.mark.parametrize(("text", "intent", "later"), [
    ("switch on the stove at seven", "HassTurnOn", True), ("switch off the stove in 30", "HassTurnOff", True),
    ("apaga la estufa en diez", "HassTurnOff", True),
    ("set the attic fan at three", "HassFanSetSpeed", False),  # a value, not an hour
    ("set a timer in 30", "HassStartTimer", False), ("switch on the stove in the attic", "HassTurnOn", False),
])
def test_an_hour_or_a_delay_said_without_its_unit_defers_switching(text, intent, later):
    assert asks_no_action(text, intent) is later



@pytest.mark.parametrize(("text", "asked"), [
    ("¿se ha quedado encendida la estufa?", True), ("¿me he dejado abierta la verja?", True),
    ("¿dejé la estufa encendida?", True), ("creo que me he dejado la radio encendida", True),
    ("deje la estufa encendida", False), ("déjame la verja abierta", False),  # leave it so: asked, not a question
])
def test_left_on_or_open_in_spanish_asks_its_state(text, asked):
    """'did I leave … on?' said in Spanish: read as turning it on (refused as no action), now answered."""
    assert asks_state(text) is asked


@pytest.mark.parametrize(("text", "intent"), [
    ("apúntame leche en la lista de la compra", "HassShoppingListAddItem"),
    ("sáltate esta canción", "HassMediaNext"),
])
def test_a_verb_said_with_its_accent_is_its_own_word(text, intent):
    """'apúntame …' was refused as `unsaid` (the list's verbs were written without the accent)."""
    from edge_agent.inference.cues import unsaid
    assert not unsaid(text, intent)


@pytest.mark.parametrize(("text", "on"), [("préndeme la luz de la cocina", True), ("apágame la tele", False),
                                          ("préndela ya", True)])
def test_turning_words_said_with_an_accent(text, on):
    from edge_agent.home.verbs import turns_off, turns_on
    assert (turns_on(text), turns_off(text)) == (on, not on)
