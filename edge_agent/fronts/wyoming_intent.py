"""The model's answer as the event Home Assistant acts on and speaks: `intent` with HA's slots, aimed at
what the home names (home/targets.py), with the values HA requires (home/values.py) and the words HA will
speak (home/replies.py); or `not-recognized` with the reason, spoken. And the `info` HA reads first."""

from __future__ import annotations

from edge_agent.home.language import spoken
from edge_agent.home.players import aim_player
from edge_agent.home.refusals import Refusal
from edge_agent.home.releases import cannot_yet, known_intents, starts_timers
from edge_agent.home.replies import States, reply
from edge_agent.home.retarget import on_the_way
from edge_agent.home.slots import HomeEntities
from edge_agent.home.targets import target
from edge_agent.home.values import ask_for, missing, out_of_range
from edge_agent.inference.reading import HA_REFUSES

try:  # imported only when wyoming_uri is set
    from wyoming.error import Error
    from wyoming.info import Attribution, Info, IntentModel, IntentProgram
    from wyoming.intent import Entity, Intent, NotRecognized
except ImportError as exc:
    raise ImportError("the Wyoming service needs the `wyoming` package: pip install 'edgelm[assist]'") from exc

SORRY = {"en": "Sorry, I couldn't understand that", "es": "Lo siento, no lo he entendido"}
UNSURE = {"en": "Sorry, I'm not sure what you want me to do", "es": "Lo siento, no estoy seguro de qué quieres que haga"}
# what a refused sentence says, by the agent's error code: words for a person, never an exception's text
REFUSED = {
    "en": {"overloaded": "Sorry, I'm busy right now; please try again", "too_large": "Sorry, that was too long for me",
           "bad_request": SORRY["en"], "other": "Sorry, something went wrong"},
    "es": {"overloaded": "Lo siento, ahora estoy ocupado; inténtalo de nuevo",
           "too_large": "Lo siento, eso es demasiado largo para mí", "bad_request": SORRY["es"],
           "other": "Lo siento, algo ha fallado"},
}


def refusal_events(code: str, context: dict | None, language: str | None) -> list:
    """A sentence the agent could not answer, in words HA can speak: `error` (HA's current source speaks it and
    stops there), then `not-recognized` with the same words (releases up to 2026.2.3 ignore `error` and
    would wait on)."""
    words = REFUSED[spoken(language)]
    said = words.get("overloaded" if code == "timeout" else code, words["other"])
    return [Error(text=said, code=code).event(), NotRecognized(text=said, context=context).event()]


def intent_event(response, context: dict | None, language: str | None = None, text: str = "",
                 home: HomeEntities | None = None, states: States | None = None):
    """`intent` with HA's slot names and values, or `not-recognized`; the incoming context (HA's
    conversation_id) goes back, with EdgeLM's confidence and each slot's raw text under `edgelm`."""
    if response.intent is None:
        # Always with a text: HA speaks it, and HA 2025.4's wyoming 1.5.4 fails on a not-recognized
        # event without data (it asserts the event has some)
        if response.abstained == "compound":
            return NotRecognized(text=Refusal("compound").text(language), context=context).event()
        if response.abstained in HA_REFUSES and response.alternatives:  # asked or refused in HA's own words
            first = response.alternatives[0]
            event = _sent(first["name"], first.get("confidence"), response.slots, context, language, text, home,
                          states)
            if not Intent.is_type(event.type):
                return event
        said = (UNSURE if response.abstained else SORRY)[spoken(language)]
        return NotRecognized(text=said, context=context).event()
    return _sent(response.intent["name"], response.intent.get("confidence"), response.slots, context, language,
                 text, home, states)


def _sent(name: str, confidence: float | None, slots: list[dict], context: dict | None,  # noqa: PLR0913
          language: str | None, text: str, home: HomeEntities | None, states: States | None):
    """The reading `name` with `slots` as HA's `intent` event, or `not-recognized` saying why HA could not
    carry it out."""
    home = home or HomeEntities()
    ours = {"confidence": confidence, "intent": name,
            "slots": [{"name": s["name"], "value": s["value"], "raw": s.get("raw")} for s in slots]}
    answered = {**(context or {}), "edgelm": ours}  # what the model read, with a refusal too: why it was refused
    name, entities = on_the_way(name, slots, text, home)
    handled = known_intents(home.ha_version)
    aimed_player = aim_player(name, entities, text, home, states, handled)
    if isinstance(aimed_player, Refusal):
        return NotRecognized(text=aimed_player.text(language), context=answered).event()
    name, entities = aimed_player
    if handled is not None and name not in handled:  # HA would answer "Unknown intent"
        return NotRecognized(text=cannot_yet(name, language), context=answered).event()
    if name == "HassStartTimer" and not starts_timers(home.ha_version):  # HA gives it no device to run on
        return NotRecognized(text=Refusal("no_timer_support").text(language), context=answered).event()
    aimed = target(name, entities, text, home)
    if isinstance(aimed, Refusal):  # in HA's words where HA has them; never a traceback in HA's log
        return NotRecognized(text=aimed.text(language), context=answered).event()
    lacking = missing(name, aimed, text)
    if lacking is not None:  # HA would reject it with "Received invalid slot info"
        return NotRecognized(text=ask_for(lacking, language), context=answered).event()
    if (refused := out_of_range(name, aimed, home, states, language)) is not None:
        return NotRecognized(text=refused, context=answered).event()
    said = reply(name, aimed, language, home, states, text)  # HA speaks this text and nothing else
    return Intent(name=name, entities=[Entity(slot, value) for slot, value in aimed], text=said,
                  context=answered).event()


def service_info(manifest, device_id: str, agent_version: str):
    """`info`: one intent program with the bundle as its model, both `installed` (HA ignores programs
    that are not), with the bundle's languages (a bundle from before the manifest recorded them: en)."""
    ours = Attribution(name="EdgeLM", url="https://github.com/edgelm/edgelm")
    model = IntentModel(name=manifest.name, attribution=ours, installed=True, version=manifest.version,
                        description=f"{manifest.task} model {manifest.name} {manifest.version}",
                        languages=list(manifest.languages or ["en"]))
    program = IntentProgram(name="edgelm", attribution=ours, installed=True, version=agent_version,
                            description=f"EdgeLM intent recognition on {device_id}", models=[model])
    return Info(intent=[program])
