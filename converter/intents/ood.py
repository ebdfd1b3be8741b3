"""Out-of-domain sentences (chit-chat, questions, statements that are no command) and the confidence
threshold below which the agent answers no intent: "I love this song" must not open the garage."""

from __future__ import annotations

import numpy as np

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


def split(lang: str) -> tuple[list[str], list[str]]:
    """Half the sentences calibrate (validation), the other half measure (test)."""
    rows = OOD[lang]
    return rows[0::2], rows[1::2]


def calibrate(in_domain_conf: np.ndarray, target_recall: float = TARGET_RECALL) -> float:
    """The highest threshold that keeps `target_recall` of in-domain validation sentences."""
    if in_domain_conf.size == 0:
        return 0.0
    return float(np.quantile(in_domain_conf, 1.0 - target_recall))


def rates(threshold: float, in_domain_conf: np.ndarray, ood_conf: np.ndarray) -> dict:
    return {"threshold": round(threshold, 4),
            "in_domain_recall": round(float(np.mean(in_domain_conf >= threshold)), 4),
            "false_trigger_rate": round(float(np.mean(ood_conf >= threshold)), 4) if ood_conf.size else None}
