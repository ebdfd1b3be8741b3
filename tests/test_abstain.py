"""When the agent abstains instead of acting (edge_agent/inference/abstain.py): the two likeliest intents
opposite actions within the margin, or a sentence that asks for no action while the likeliest intent acts."""

from __future__ import annotations

import numpy as np
import pytest

from edge_agent.inference.abstain import abstain_reason, decide, opposite_margin

MARGIN = 0.5

LABELS = ["HassTurnOn", "HassTurnOff", "HassGetState", "OutOfDomain"]


def probs(*values: float) -> np.ndarray:
    return np.array(values)


@pytest.mark.parametrize(("text", "p", "reason"), [
    ("the front door, please", probs(0.55, 0.40, 0.03, 0.02), "opposite"),  # on or off: not sure which
    # the verbs settle close scores when they say only the top intent's way; never the other way's
    ("lock the front door", probs(0.55, 0.40, 0.03, 0.02), None),
    ("unlock the front door", probs(0.55, 0.40, 0.03, 0.02), "opposite"),
    ("lock or unlock the front door", probs(0.55, 0.40, 0.03, 0.02), "opposite"),
    ("echa la llave de la puerta", probs(0.55, 0.40, 0.03, 0.02), None),
    ("lock the front door", probs(0.95, 0.03, 0.01, 0.01), None),
    ("lock the front door", probs(0.50, 0.05, 0.45, 0.0), None),  # the runner-up only tells
    ("is the front door locked", probs(0.50, 0.05, 0.45, 0.0), "no_action"),  # a state question read as an action
    ("don't turn on the porch light yet", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("please don't open the garage", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("turn on the lights later", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("I already switched off the heater", probs(0.05, 0.9, 0.05, 0.0), "no_action"),
    ("no enciendas la luz del porche", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("ya apagué las luces", probs(0.05, 0.9, 0.05, 0.0), "no_action"),
    ("acabo de cerrar la puerta", probs(0.05, 0.9, 0.05, 0.0), "no_action"),
    ("don't forget: is the porch light on", probs(0.05, 0.05, 0.9, 0.0), None),  # a question acts on nothing
    ("never mind, turn off the lights", probs(0.05, 0.9, 0.05, 0.0), None),  # "never mind" negates nothing
    ("apaga las luces de la cocina", probs(0.05, 0.9, 0.05, 0.0), None),
    ("enciende la luz de las escaleras", probs(0.9, 0.05, 0.05, 0.0), None),  # "las" is no negated verb
    # talk: asking how, or what one likes; "I'd like", "me gustaría" ask
    ("how do I get the lounge lamp on", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("¿cómo se enciende la luz del garaje?", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("I love the porch light at night", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("me encanta la lámpara del salón", probs(0.9, 0.05, 0.05, 0.0), "no_action"),
    ("I'd like the porch light on", probs(0.9, 0.05, 0.05, 0.0), None),
    ("me gustaría encender la lámpara", probs(0.9, 0.05, 0.05, 0.0), None),
])
def test_abstain_reason(text, p, reason):
    assert abstain_reason(text, LABELS, p, MARGIN) == reason


def test_the_margin_is_the_bundles_own_calibrated_one():
    assert opposite_margin("home", "1.0.0", {"ood": 0.5}) == 0.9
    assert opposite_margin("home", "9.9.9", {"ood": 0.5, "opposite_margin": 0.3}) == 0.3
    assert opposite_margin("intents-en-tiny", "0.1.0", {"ood": 0.5}) is None  # not calibrated: no opposite rule
    close = probs(0.5, 0.45, 0.05, 0.0)
    assert abstain_reason("x", LABELS, close, MARGIN) == "opposite"
    assert abstain_reason("x", LABELS, close, None) is None
    assert abstain_reason("don't turn it on yet", LABELS, close, None) == "no_action"


@pytest.mark.parametrize(("text", "p", "expected"), [
    ("are the porch lights still on", probs(0.9, 0.05, 0.05, 0.0), ("HassGetState", None)),  # asked, not an action
    ("¿sigue abierta la verja?", probs(0.05, 0.9, 0.05, 0.0), ("HassGetState", None)),
    ("is the porch light on? don't touch it", probs(0.9, 0.05, 0.05, 0.0), (None, "no_action")),  # negated: refused
    ("bloquea la puerta del patio", probs(0.05, 0.95, 0.0, 0.0), (None, "opposite")),  # the verb says on: lock
    ("power down the attic fan", probs(0.95, 0.05, 0.0, 0.0), (None, "opposite")),
    ("power down the attic fan", probs(0.05, 0.95, 0.0, 0.0), (None, None)),
    ("cut the shed lights", probs(0.3, 0.64, 0.06, 0.0), (None, None)),  # "cut" says off: the close scores stand
    # HA's own open / close verbs (its templates' expansion rules): shut closes, lift and levantar open
    ("pull the patio curtains shut", probs(0.95, 0.05, 0.0, 0.0), (None, "opposite")),
    ("lift the shed door", probs(0.05, 0.95, 0.0, 0.0), (None, "opposite")),
    ("levanta la persiana del patio", probs(0.05, 0.95, 0.0, 0.0), (None, "opposite")),
    ("levanta la persiana del patio", probs(0.95, 0.05, 0.0, 0.0), (None, None)),
    ("abre la cerradura del patio", probs(0.05, 0.95, 0.0, 0.0), (None, None)),  # opening a lock unlocks it
    ("cierra con llave la puerta del patio", probs(0.95, 0.05, 0.0, 0.0), (None, None)),  # locks it: on
    ("switch on the lamp, close the blinds", probs(0.05, 0.95, 0.0, 0.0), (None, None)),  # both: says none
    # two commands: the one intent read would do one of them; asked one at a time instead
    ("switch on the lamp and close the blinds", probs(0.95, 0.05, 0.0, 0.0), (None, "compound")),
    ("enciende la lámpara y después baja las persianas", probs(0.95, 0.05, 0.0, 0.0), (None, "compound")),
    ("is the lamp on and then the blinds", probs(0.0, 0.05, 0.95, 0.0), (None, None)),  # a question acts on nothing
])
def test_decide(text, p, expected):
    assert decide(text, LABELS, p, MARGIN) == expected


def test_without_the_state_intent_a_state_question_is_refused():
    labels = ["HassTurnOn", "HassTurnOff", "OutOfDomain"]
    assert decide("are the porch lights still on", labels, probs(0.9, 0.05, 0.05), MARGIN) == (None, "no_action")


@pytest.mark.parametrize(("text", "intent", "expected"), [
    ("hold the radio a moment", "HassMediaPrevious", "unsaid"),  # nothing says "previous"
    ("go back one song", "HassMediaPrevious", None),
    ("salta esta canción", "HassMediaNext", None),
    ("make sure the shed door is locked", "HassTurnOff", "opposite"),  # the state asked for is "locked": on
    ("pon el horno", "HassTurnOff", "opposite"),
    ("pon las persianas abajo", "HassTurnOff", None),  # "pon" and "abajo": no polarity said
    ("sobra la luz del baño", "HassTurnOn", "opposite"),  # not needed: off
    ("la luz del baño sobra, apágala", "HassTurnOff", None),
    ("ya no nos hace falta el ventilador", "HassTurnOn", "opposite"),
    ("ya no necesito la estufa, apágala", "HassTurnOff", None),
    ("corta la luz del patio", "HassTurnOn", "opposite"), ("cut the lights in the shed", "HassTurnOn", "opposite"),
    ("corta el césped", "HassTurnOn", None),  # a mower's work, not cutting power
    # a cover with no verb that says which way: "draw" and "correr" say either, "echar" the agent reads not
    ("draw the study curtains", "HassTurnOn", "unsaid"),
    ("corre los estores de la cocina", "HassTurnOn", "unsaid"),
    ("echa el toldo de la terraza", "HassTurnOff", "unsaid"),
    ("kitchen blinds down please", "HassTurnOff", None),  # a way said
    ("lift the study curtains", "HassTurnOn", None),
    ("draw the study lamp", "HassTurnOn", None),  # no cover: not this rule's
    ("how tall is the eiffel tower", "HassClimateGetTemperature", "unsaid"),  # no word of temperature
    ("¿hace frío en el salón?", "HassClimateGetTemperature", None),
    ("how warm is it upstairs", "HassClimateGetTemperature", None),
    ("escuché la radio toda la tarde", "HassMediaSearchAndPlay", "no_action"),  # past, as "apagué"
    # a list, playing, pausing: HA's own verbs (chit-chat the model read as these says none of them)
    ("can you write a linked list in Python?", "HassShoppingListAddItem", "unsaid"),
    ("add milk to the shopping list", "HassShoppingListAddItem", None),
    ("apunta pan en la lista de la compra", "HassShoppingListAddItem", None),
    ("Here's a list comprehension: squares = [x*x for x in range(10)]", "HassShoppingListCompleteItem", "unsaid"),
    ("tacha la leche de la lista de la compra", "HassShoppingListCompleteItem", None),
    ("take the milk off the shopping list", "HassShoppingListCompleteItem", None),  # was refused as unsaid
    ("cierra con llave la verja del patio", "HassCancelTimer", "unsaid"),  # every HA timer template says the timer
    ("cancel the oven timer", "HassCancelTimer", None), ("para la cuenta atrás", "HassPauseTimer", None),
    ("pon la anterior", "HassMediaUnpause", "unsaid"),  # the previous track asked: the shipped model resumed
    ("continúa con la radio", "HassMediaUnpause", None),
    ("Pocahontas", "HassMediaSearchAndPlay", "unsaid"),
    ("pon algo de jazz en la cocina", "HassMediaSearchAndPlay", None),
    ("Detroit", "HassMediaPause", "unsaid"),
    ("stop the music", "HassMediaPause", None),
    ("turn the ceiling fan to full", "HassMediaPlayerUnmute", "unsaid"),  # nothing says unmuting
    ("silence the speaker", "HassMediaPlayerMute", None),
    ("give the tv some sound back", "HassMediaPlayerUnmute", None),
])
def test_the_words_an_intent_needs(text, intent, expected):
    labels = [intent, "HassGetState", "OutOfDomain"]
    assert decide(text, labels, probs(0.9, 0.05, 0.05), None) == (None, expected)


@pytest.mark.parametrize(("text", "intent", "expected"), [
    # a vacuum or mower: HA's start and clean verbs against its return and dock verbs
    ("que el aspirador en el dormitorio regrese", "HassVacuumCleanArea", "opposite"),  # returns, not cleans
    ("stop the vacuum", "HassVacuumStart", "opposite"),
    ("send the mower back to its dock", "HassLawnMowerStartMowing", "opposite"),
    ("inicia la aspiradora", "HassVacuumReturnToBase", "opposite"),
    ("mow the lawn", "HassLawnMowerDock", "opposite"),
    ("devuelve la aspiradora a la base", "HassVacuumReturnToBase", None),
    ("clean the kitchen", "HassVacuumCleanArea", None),
    ("vuelve a encender la aspiradora", "HassVacuumStart", None),  # "vuelve a" with a start verb: says none
    ("stop mowing the lawn", "HassLawnMowerDock", None),  # HA's own dock template ("stop mowing")
    # asked to stop its work: back, however much the work's own word says "clean"
    ("que la aspiradora deje de limpiar", "HassVacuumCleanArea", "opposite"),
    ("stop cleaning the hallway", "HassVacuumStart", "opposite"),
    ("deja de aspirar", "HassVacuumReturnToBase", None),
    ("stop mowing", "HassLawnMowerDock", None),  # the work word alone said "start" before: both ways, neither
    # a room cleaned needs a word of cleaning or of the machine ("oscurece el salón" was cleaning it)
    ("oscurece el salón", "HassVacuumCleanArea", "unsaid"),
    ("mop the kitchen", "HassVacuumCleanArea", None),
    ("barre el pasillo", "HassVacuumCleanArea", None),
])
def test_a_machine_is_not_sent_the_opposite_way(text, intent, expected):
    labels = [intent, "HassGetState", "OutOfDomain"]
    assert decide(text, labels, probs(0.9, 0.05, 0.05), None) == (None, expected)


@pytest.mark.parametrize(("text", "intent", "expected"), [
    # pause / resume, mute / unmute, add / check off: HA's own verbs of each way (edge_agent/home/verbs.py)
    ("reanuda la música del salón", "HassMediaPause", "opposite"),
    ("stop the music in the kitchen", "HassMediaUnpause", "opposite"),
    ("resume the pasta timer", "HassPauseTimer", "opposite"),
    ("unmute the living room tv", "HassMediaPlayerMute", "opposite"),
    ("quita el silencio de la tele", "HassMediaPlayerMute", "opposite"),  # "silencio" is no muting verb
    ("pon en silencio la tele", "HassMediaPlayerUnmute", "opposite"),
    ("quita la leche de la lista de la compra", "HassShoppingListAddItem", "opposite"),
    ("add eggs to the grocery list", "HassListRemoveItem", "opposite"),
    ("sigue con la música", "HassMediaUnpause", None),
    ("silencia el altavoz de la cocina", "HassMediaPlayerMute", None),
    ("restaura el sonido de la tele", "HassMediaPlayerUnmute", None),
    ("pausa la canción que sigue", "HassMediaPause", None),  # both ways said: neither
])
def test_media_and_lists_are_not_done_the_opposite_way(text, intent, expected):
    labels = [intent, "HassGetState", "OutOfDomain"]
    assert decide(text, labels, probs(0.9, 0.05, 0.05), None) == (None, expected)
