"""What the agent says when it will not send an intent to Home Assistant: HA's own error responses where HA
has one (so a refusal sounds as HA's would), EdgeLM's own where HA has none, in English and Spanish.
targets.py and players.py decide when; this module only words it."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge_agent.home.language import spoken

# what the home lacks for HA to have an intent at all (targets.missing_integration), as it is spoken
THINGS = {"en": {"lawn_mower": "lawn mower", "vacuum": "vacuum", "media_player": "media player",
                 "todo.shopping_list": "shopping list", "todo": "to-do list", "climate": "thermostat",
                 "fan": "fan", "weather": "weather service"},
          "es": {"lawn_mower": "ningún cortacésped", "vacuum": "ningún aspirador",
                 "media_player": "ningún reproductor", "todo.shopping_list": "ninguna lista de la compra",
                 "todo": "ninguna lista de tareas", "climate": "ningún termostato", "fan": "ningún ventilador",
                 "weather": "ningún servicio del tiempo"}}
# HA's own error responses (home-assistant-intents `responses.errors`; tests/test_targets.py checks them
# against the installed package)
HA_ERRORS = {
    "en": {"no_entity": "Sorry, I am not aware of any device called {entity}",
           "no_area": "Sorry, I am not aware of any area called {area}",
           "no_floor": "Sorry, I am not aware of any floor called {floor}",
           "entity_wrong_state": "Sorry, no device is {state}",
           "no_timer_support": "Sorry, timers are not supported on this device"},
    "es": {"no_entity": "Lo siento, no conozco ningún dispositivo llamado {entity}",
           "no_area": "Lo siento, no conozco ningún área llamada {area}",
           "no_floor": "Lo siento, no conozco ninguna planta llamada {floor}",
           "entity_wrong_state": "Lo siento, ningún dispositivo está en estado {state}",
           "no_timer_support": "Lo siento, este dispositivo no es compatible con temporizadores"},
}
# EdgeLM's own, where HA has none: an action it will not guess the target of
OWN = {
    "en": {"which": "Which device in the {area}? Please name it",
           "ambiguous": "More than one device is called {entity}: which kind do you mean?",
           "cannot": "Sorry, {entity} cannot do that",
           "compound": "Sorry, please ask me for one thing at a time",
           "no_domain_in_area": "Sorry, I am not aware of any {kind} in the {area} area",  # HA's, rendered
           "no_entity_in_area": "Sorry, I am not aware of any device called {entity} in the {area} area",
           "no_device_class_in_area": "Sorry, I am not aware of any {class_said} in the {area} area",
           "none_here": "Sorry, there is no {thing} in your home",
           "which_one": "Which one? Please tell me its name or its room",
           "which_list": "Which list, {lists}?"},
    "es": {"which": "¿Qué dispositivo del área {area}? Dímelo por su nombre",
           "ambiguous": "Hay más de un dispositivo llamado {entity}: ¿de qué tipo?",
           "cannot": "Lo siento, {entity} no puede hacer eso",
           "compound": "Lo siento, pídeme las cosas de una en una",
           "no_domain_in_area": "Lo siento, no conozco {kind} en el área {area}",  # HA's, rendered
           "no_entity_in_area": "Lo siento, no conozco ningún dispositivo llamado {entity} en el área {area}",
           "no_device_class_in_area": "Lo siento, no conozco {class_said} en el área {area}",
           "none_here": "Lo siento, no hay {thing} en tu casa",
           "which_one": "¿Cuál? Dime su nombre o la habitación",
           "which_list": "¿En qué lista, {lists}?"},
}
# HA's own names of a device class in its Spanish errors (no_device_class_in_area)
CLASSES_ES = {"awning": "ningún toldo", "blind": "ninguna persiana", "curtain": "ninguna cortina",
              "door": "ninguna puerta", "garage": "ninguna puerta de garaje", "gate": "ninguna puerta",
              "shade": "ningún estor", "shutter": "ninguna contraventana", "window": "ninguna ventana"}
# HA's own names of a domain in its Spanish errors (no_domain_in_area); the English one is the domain's
KINDS_ES = {"fan": "ningún ventilador", "climate": "ningún termostato", "light": "ninguna luz",
            "switch": "ningún interruptor", "lock": "ninguna cerradura", "vacuum": "ningún aspirador",
            "media_player": "ningún reproductor multimedia", "lawn_mower": "ningún cortacésped",
            "valve": "ninguna válvula"}

@dataclass(frozen=True)
class Refusal:
    kind: str  # a key of HA_ERRORS or OWN
    values: dict[str, str] = field(default_factory=dict)

    def text(self, language: str | None) -> str:
        lang = spoken(language)
        values = {**self.values, **({"thing": THINGS[lang][self.values["needs"]]} if "needs" in self.values else {})}
        if "domain" in self.values:
            domain = self.values["domain"]
            values["kind"] = (KINDS_ES.get(domain, f"ningún elemento del tipo {domain}") if lang == "es"
                              else domain.replace("_", " "))
        if "lists" in self.values:  # the home's list names, one per line: "A or B"
            values["lists"] = (" o " if lang == "es" else " or ").join(self.values["lists"].splitlines())
        if "device_class" in self.values:
            said = self.values["device_class"]
            values["class_said"] = (CLASSES_ES.get(said, f"ningún elemento de la clase {said}") if lang == "es"
                                    else said)
        return {**HA_ERRORS[lang], **OWN[lang]}[self.kind].format(**values)
