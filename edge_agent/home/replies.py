"""What Home Assistant speaks for an intent EdgeLM recognised. HA's Wyoming conversation speaks the intent
event's text and nothing else (it renders no template, up to 2026.2 at least), so the agent renders HA's
own response template for the intent, language and slots (ha_responses.json, from home-assistant-intents)
with the target taken from the home file, as HA's built-in agent would have said it: "Turned off the
lights", "Locking", "{{ slots.name }} se ha cerrado" → "Garage Door se ha cerrado".

The response key is chosen as HA's sentence templates choose it (by domain and by which slots are there).
Templates that speak a state ("is the kitchen light on?") get the state HA has now (ha_states.py); without
a current one the reply says it does not know, in the language. Rendering needs jinja2 (the `assist`
extra), sandboxed."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_agent.home.language import spoken
from edge_agent.home.slots import HomeDevice, HomeEntities

log = logging.getLogger(__name__)
States = Callable[[str], "dict[str, Any] | None"]  # HA's current state of an entity id, None if not known
TABLE = Path(__file__).with_name("ha_responses.json")
FALLBACK = {"en": "Done", "es": "Hecho"}
UNKNOWN_STATE = {"en": "Sorry, I don't know", "es": "Lo siento, no lo sé"}
STATE_INTENTS = frozenset({"HassGetState", "HassClimateGetTemperature", "HassGetWeather"})
KEYED_BY_DOMAIN = {"lock": "lock", "valve": "valve", "scene": "scene", "script": "script", "button": "button"}
# which of HA's HassGetState answers a question without a name takes, by its words (HA's sentence templates
# pick it the same way: "which lights are on" -> which, "how many" -> how_many, "are all" -> all)
QUESTION_KEYS = ((re.compile(r"\bhow many\b|\bcu[aá]nt[oa]s\b", re.IGNORECASE), "how_many"),
                 (re.compile(r"\bwhich\b|\bwhat\b|\bqu[eé]\b|\bcu[aá]l(es)?\b", re.IGNORECASE), "which"),
                 (re.compile(r"\ball\b|\bevery\b|\btod[oa]s\b", re.IGNORECASE), "all"))
# HA's states as its Spanish frontend says them; HA's own replies speak the raw state ("su estado es unlocked")
STATES_ES = {"on": "encendido", "off": "apagado", "open": "abierto", "closed": "cerrado", "opening": "abriéndose",
             "closing": "cerrándose", "locked": "bloqueado", "unlocked": "desbloqueado", "locking": "bloqueándose",
             "unlocking": "desbloqueándose", "jammed": "atascado", "playing": "reproduciendo", "paused": "en pausa",
             "idle": "inactivo", "standby": "en espera", "docked": "en la base", "cleaning": "limpiando",
             "returning": "volviendo a la base", "heat": "en modo calefacción", "cool": "en modo frío",
             "auto": "en modo automático", "unavailable": "no disponible", "home": "en casa", "not_home": "fuera"}


@dataclass
class TargetState:
    """What a template may read of the entity acted on (HA's TemplateState, as far as the home file knows)."""

    name: str
    domain: str
    entity_id: str = ""
    state: str = "unknown"
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def state_with_unit(self) -> str:
        unit = self.attributes.get("unit_of_measurement")
        return f"{self.state} {unit}" if unit else self.state


@functools.lru_cache(maxsize=1)
def responses() -> dict[str, dict[str, dict[str, str]]]:
    """{language: {intent: {key: template}}}."""
    return json.loads(TABLE.read_text())["intents"]


def response_key(intent: str, slots: dict[str, Any], keys: dict[str, str]) -> str | None:
    domain = slots.get("domain")
    candidates = []
    if intent in ("HassTurnOn", "HassTurnOff"):
        if domain == "cover":
            candidates += ["cover_device_class"] if "device_class" in slots else []
            candidates += ["cover"]
        if domain in KEYED_BY_DOMAIN:
            candidates.append(KEYED_BY_DOMAIN[domain])
        if "name" not in slots and domain in ("light", "fan"):
            where = "floor" if "floor" in slots and "area" not in slots else "area"
            candidates += [f"{domain}s_{where}", f"{domain}_all"] if (slots.get("area") or slots.get("floor")) \
                else [f"{domain}_all"]
    elif intent == "HassLightSet":
        candidates += [slot for slot in ("brightness", "color", "temperature") if slot in slots]
    elif intent == "HassGetState":
        candidates.append("one" if "name" in slots else "any")
    elif intent == "HassSetPosition" and "device_class" in slots:
        candidates.append("cover_device_class")
    candidates += ["default", *sorted(keys)]
    return next((key for key in candidates if key in keys), None)


def target_state(slots: dict[str, Any], home: HomeEntities) -> TargetState | None:
    """The entity a reply names: the named one, else the first of the domain in the area."""
    devices = home.devices
    if "name" in slots:
        named = [d for d in devices if d.name == slots["name"]]
        match = next((d for d in named if d.domain == slots.get("domain")), named[0] if named else None)
        if match is None:
            return TargetState(str(slots["name"]), str(slots.get("domain") or ""))
        return TargetState(match.name, match.domain or "")
    in_area = [d for d in devices if d.domain == slots.get("domain") and d.area == slots.get("area")]
    if in_area:
        return TargetState(in_area[0].name, in_area[0].domain or "")
    return TargetState(str(slots.get("area") or ""), str(slots["domain"])) if slots.get("domain") else None


def reply(intent: str, entities: list[tuple[str, Any]], language: str | None, home: HomeEntities,
          states: States | None = None, text: str = "") -> str:
    """The words HA's own agent would have spoken for this intent, in the sentence's language; `states`
    gives HA's current state of an entity id (None: not known now); `text` the sentence asked."""
    lang = spoken(language)
    if intent in STATE_INTENTS:  # a state not known now is never made up
        try:
            told = _state_reply(intent, dict(entities), lang, home, states, text) if states is not None else None
        except Exception:  # as below: a reply still, never an exception's text (nor a dropped connection)
            log.warning("cannot render HA's %s/%s state reply", lang, intent, exc_info=True)
            told = None
        return told or UNKNOWN_STATE[lang]
    keys = responses()[lang].get(intent, {})
    slots = dict(entities)
    if intent in ("HassGetCurrentTime", "HassGetCurrentDate"):  # what HA's handler gives its template
        now = datetime.datetime.now()
        slots.update(time=now.time(), date=now.date())
    state = target_state(slots, home)
    # the named entity's domain picks the reply as HA's sentence would have ("close the garage door": cover)
    key = response_key(intent, {"domain": state.domain, **slots} if state and state.domain else slots, keys)
    if key is None:
        return FALLBACK[lang]
    try:
        text = _render(keys[key], slots, state)
    except Exception:  # a template this context cannot fill: still a reply, never an exception's text
        log.warning("cannot render HA's %s/%s response %r", lang, intent, key, exc_info=True)
        return FALLBACK[lang]
    return text or FALLBACK[lang]


def _state_reply(intent: str, slots: dict[str, Any], lang: str, home: HomeEntities, states: States,
                 text: str = "") -> str | None:
    """HA's template for a state question, filled with the states HA reports now; None if any is unknown."""
    domain = {"HassClimateGetTemperature": "climate", "HassGetWeather": "weather"}.get(intent, slots.get("domain"))
    devices = [d for d in home.devices if d.entity_id and (domain is None or d.domain == domain)
               and ("name" not in slots or d.name == slots["name"])
               and ("area" not in slots or d.area == slots["area"])
               and ("device_class" not in slots or d.device_class == slots["device_class"])]
    if not devices or ("name" not in slots and "area" not in slots and not domain):
        return None
    if intent == "HassGetState" and "state" not in slots and {d.domain for d in devices} == {"climate"}:
        intent = "HassClimateGetTemperature"  # "what is the thermostat set to": its temperature, not "heat"
    if intent != "HassGetState" or "name" in slots:
        devices = devices[:1]
    targets = [_target(d, states(d.entity_id or "")) for d in devices]
    if any(t is None for t in targets):
        return None
    told = [t for t in targets if t is not None]
    asked = slots.get("state")
    matched = [t for t in told if asked is None or t.state.lower() == str(asked).lower()]
    keys = responses()[lang].get(intent, {})
    key = ("one_yesno" if asked else "one") if "name" in slots else ("default" if not asked else next(
        (key for pattern, key in QUESTION_KEYS if pattern.search(text) and key in keys), "any"))
    key = key if key in keys else "default"
    if key not in keys:
        return None
    attributes = {t.entity_id: t.attributes for t in told}
    said = [_said_state(t, lang) for t in told]
    return _render(keys[key], slots, said[0], [s for s, t in zip(said, told) if t in matched],
                   [s for s, t in zip(said, told) if t not in matched],
                   lambda entity_id, name: attributes.get(entity_id, {}).get(name)) or None


def _said_state(target: TargetState, lang: str) -> TargetState:
    """The state as a person says it in that language (weather conditions stay: HA's template reads them)."""
    if lang != "es" or target.domain == "weather":
        return target
    return dataclasses.replace(target, state=STATES_ES.get(target.state, target.state))


def _target(device: HomeDevice, state: dict[str, Any] | None) -> TargetState | None:
    if state is None:
        return None
    return TargetState(device.name, device.domain or "", device.entity_id or "", state["state"], state["attributes"])


def _render(template: str, slots: dict[str, Any], state: TargetState | None,
            matched: list[TargetState] | None = None, unmatched: list[TargetState] | None = None,
            state_attr: Callable[[str, str], Any] = lambda entity_id, name: None) -> str:
    if matched is None:
        matched = [state] if state is not None else []
    rendered = _compiled(template).render(slots=slots, state=state, state_attr=state_attr,
                                          query={"matched": matched, "unmatched": unmatched or []})
    return " ".join(rendered.split())


@functools.lru_cache(maxsize=256)  # each of HA's ~300 templates compiled once, not on every reply
def _compiled(template: str):
    try:
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError as exc:
        raise RuntimeError("speaking replies needs jinja2: pip install 'edgelm[assist]'") from exc
    return _environment(ImmutableSandboxedEnvironment).from_string(template)


@functools.lru_cache(maxsize=1)
def _environment(cls):
    return cls(trim_blocks=True, lstrip_blocks=True, finalize=lambda value: "" if value is None else value)
