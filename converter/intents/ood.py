"""Out-of-domain sentences (chit-chat, questions, statements that are no command) and the confidence
threshold below which the agent answers no intent: "I love this song" must not open the garage."""

from __future__ import annotations

import numpy as np

from edge_agent.protocol.labels import OUT_OF_DOMAIN

OOD = {
    "en": [
        "I love this song", "what a beautiful day", "tell me a joke", "who won the game last night",
        "my sister is coming for dinner", "how tall is mount everest", "I am so tired today",
        "that movie was great", "do you like pizza", "what is the meaning of life", "I need a vacation",
        "the dog is sleeping on the couch", "can you sing", "how do you spell necessary",
        "I had a long day at work", "where did I put my glasses", "thank you so much", "good morning everyone",
        "what should I cook tonight", "my favourite colour is blue", "the kids are playing outside",
        "who wrote romeo and juliet", "I think it might rain", "this coffee tastes amazing",
        "remember to call grandma", "how old is the universe", "let's watch something funny",
        "I forgot my password", "are you a robot", "the traffic was terrible", "happy birthday",
        "what is two plus two", "I can't find the remote", "we are out of ideas", "football is boring",
        "how many legs does a spider have", "I'm going for a run", "the neighbours are loud again",
        "what's your name", "see you tomorrow",
    ],
    "es": [
        "me encanta esta canción", "qué día tan bonito", "cuéntame un chiste", "quién ganó el partido anoche",
        "mi hermana viene a cenar", "qué altura tiene el everest", "estoy muy cansado hoy",
        "esa película fue genial", "te gusta la pizza", "cuál es el sentido de la vida",
        "necesito unas vacaciones", "el perro duerme en el sofá", "sabes cantar", "tuve un día largo",
        "dónde dejé mis gafas", "muchas gracias", "buenos días a todos", "qué cocino esta noche",
        "mi color favorito es el azul", "los niños juegan fuera", "quién escribió el quijote",
        "creo que va a llover", "este café está buenísimo", "recuerda llamar a la abuela",
        "vamos a ver algo divertido", "olvidé mi contraseña", "eres un robot", "el tráfico fue horrible",
        "feliz cumpleaños", "cuánto es dos más dos", "no encuentro el mando", "el fútbol es aburrido",
        "cuántas patas tiene una araña", "voy a correr", "los vecinos hacen ruido otra vez",
        "cómo te llamas", "hasta mañana", "qué bonito es el mar", "tengo hambre", "me duele la cabeza",
    ],
}
TARGET_RECALL = 0.95
# With a trained out-of-domain class the class rejects chit-chat; the threshold only catches what is far
# from everything, so it may cost less in-domain recall.
TARGET_RECALL_WITH_CLASS = 0.99


def split(lang: str) -> tuple[list[str], list[str]]:
    """Half the sentences calibrate (validation), the other half measure (test)."""
    rows = OOD[lang]
    return rows[0::2], rows[1::2]


def calibrate(in_domain_conf: np.ndarray, target_recall: float = TARGET_RECALL) -> float:
    """The highest threshold that keeps `target_recall` of in-domain validation sentences."""
    if in_domain_conf.size == 0:
        return 0.0
    return float(np.quantile(in_domain_conf, 1.0 - target_recall))


class Rejection:
    """How a model says "no intent": its out-of-domain class (when trained), a confidence threshold over
    the in-domain labels, or both, as the agent does."""

    def __init__(self, labels: list[str]):
        self.ood = labels.index(OUT_OF_DOMAIN) if OUT_OF_DOMAIN in labels else None

    def confidence(self, probs: np.ndarray) -> np.ndarray:
        """The best in-domain probability of each row."""
        if probs.size == 0:
            return np.zeros(0)
        return np.delete(probs, self.ood, axis=1).max(1) if self.ood is not None else probs.max(1)

    def accepted(self, probs: np.ndarray, threshold: float, mode: str = "both") -> np.ndarray:
        by_class = probs.argmax(1) != self.ood if self.ood is not None else np.ones(len(probs), bool)
        by_threshold = self.confidence(probs) >= threshold
        return {"class": by_class, "threshold": by_threshold, "both": by_class & by_threshold}[mode]

    def rates(self, threshold: float, inside: np.ndarray, outside: np.ndarray) -> dict:
        """In-domain sentences kept and out-of-domain ones let through, per way of rejecting."""
        modes = ("class", "threshold", "both") if self.ood is not None else ("threshold",)
        out: dict = {"threshold": round(threshold, 4), "n_in_domain": len(inside), "n_out_of_domain": len(outside)}
        for mode in modes:
            out[mode] = {
                "in_domain_recall": round(float(np.mean(self.accepted(inside, threshold, mode))), 4) if len(inside) else None,
                "false_trigger_rate": round(float(np.mean(self.accepted(outside, threshold, mode))), 4) if len(outside) else None}
        return out
