"""Generated out-of-domain lines: off-domain requests a home hears (ordering, calling, messaging, facts,
how-tos), everyday talk (feelings, plans) and near-misses that name devices without commanding them.
The corpora give real chat; these cover what chat corpora rarely hold, in both languages."""

from __future__ import annotations

import random
import re

GENERATED = {
    "en": {
        "templates": ["order {food}", "order {food} for dinner", "call {person}", "ring {person} please",
                      "send a message to {person}", "text {person} that I'm on my way", "email {person} the photos",
                      "book a taxi to the {place}", "what's the capital of {country}", "who is the king of {country}",
                      "how far is {country} from here", "remind me to call {person} tomorrow",
                      "I bought a new {device} yesterday", "the {device} in the {area} is broken",
                      "my {person} loves the {device}", "the {device} was really expensive",
                      "we should get a new {device} for the {area}", "I fixed the {device} last week",
                      "do you like the new {device}", "the {area} needs cleaning", "the {device} makes a funny noise",
                      "I read about smart {device} online", "my {device} is older than me",
                      "is the {device} under warranty", "the {area} looks nice today", "buy {food} online",
                      # facts, how-tos and opinions: questions a home hears that no intent answers
                      "how do you {activity}", "what is the best way to {activity}", "what does {word} mean",
                      "who invented the {thing}", "when was the {thing} invented", "how much does a {thing} cost",
                      "who won the {event}", "what happened in the {event}", "is {food2} good for you",
                      "how many calories are in {food2}", "what's a good recipe for {food2}",
                      "recommend a {media} for tonight", "what {media} should I watch", "who sings {song}",
                      # everyday talk: feelings, plans, news
                      "I'm so {feeling} today", "I feel {feeling}", "we're going to {place2} on {day}",
                      "my {relative} is coming on {day}", "I had {food2} for lunch", "{relative} says hello",
                      "what a {adjective} day", "that was a {adjective} {media}", "I can't find my {object}",
                      "have you seen my {object}", "I left my {object} at work", "work was {adjective} today"],
        "food": ["a pizza", "sushi", "a burger", "chinese food", "groceries", "flowers"],
        "person": ["mom", "dad", "john", "my sister", "anna", "grandma", "the office"],
        "place": ["airport", "station", "city centre", "hospital"],
        "country": ["spain", "japan", "canada", "brazil", "norway"],
        "device": ["lamp", "heater", "fan", "tv", "thermostat", "vacuum", "speaker", "coffee machine", "blinds",
                   "light bulb"],
        "area": ["kitchen", "living room", "bedroom", "garage", "office"],
        "activity": ["bake bread", "tie a tie", "learn guitar", "change a tire", "fall asleep faster", "save money",
                     "train a puppy", "boil an egg"],
        "word": ["serendipity", "ubiquitous", "algorithm", "nostalgia", "entropy"],
        "thing": ["telephone", "light bulb", "bicycle", "internet", "microwave", "television"],
        "event": ["world cup", "election", "match last night", "oscars"],
        "food2": ["avocado", "pasta", "chocolate", "rice", "coffee", "an apple"],
        "media": ["movie", "book", "series", "podcast", "show"],
        "song": ["yesterday", "bohemian rhapsody", "imagine", "hey jude"],
        "feeling": ["tired", "happy", "bored", "hungry", "stressed", "sleepy", "excited"],
        "place2": ["the beach", "the mountains", "my parents' house", "the cinema", "the zoo"],
        "day": ["monday", "friday", "saturday", "the weekend", "sunday"],
        "relative": ["my brother", "my aunt", "grandpa", "my cousin", "my friend"],
        "adjective": ["long", "lovely", "strange", "boring", "great", "busy"],
        "object": ["keys", "glasses", "wallet", "phone", "umbrella"],
    },
    "es": {
        "templates": ["pide {food}", "pide {food} para cenar", "llama a {person}", "llama a {person} por favor",
                      "manda un mensaje a {person}", "escribe a {person} que ya voy", "envía las fotos a {person}",
                      "pide un taxi al {place}", "cuál es la capital de {country}", "quién es el rey de {country}",
                      "a qué distancia está {country}", "recuérdame llamar a {person} mañana",
                      "ayer compré {device} nuevo", "{device} de {area} está roto", "a {person} le encanta {device}",
                      "{device} fue carísimo", "deberíamos comprar {device} nuevo para {area}",
                      "la semana pasada arreglé {device}", "te gusta {device} nuevo", "{area} necesita una limpieza",
                      "{device} hace un ruido raro", "leí sobre {device} inteligente en internet",
                      "{device} es más viejo que yo", "{device} tiene garantía", "{area} está muy bonito hoy",
                      "compra {food} por internet",
                      "cómo se {activity}", "cuál es la mejor manera de {activity_inf}", "qué significa {word}",
                      "quién inventó {thing}", "cuándo se inventó {thing}", "cuánto cuesta {thing}",
                      "quién ganó {event}", "qué pasó en {event}", "es sano comer {food2}",
                      "cuántas calorías tiene {food2}", "dame una receta de {food2}", "recomiéndame {media} para esta noche",
                      "qué {media_q} debería ver", "quién canta {song}",
                      "estoy muy {feeling} hoy", "me siento {feeling}", "vamos a {place2} el {day}",
                      "{relative} viene el {day}", "he comido {food2}", "{relative} te manda saludos",
                      "qué día más {adjective}", "fue {media} muy {adjective}", "no encuentro {object}",
                      "has visto {object}", "me dejé {object} en el trabajo", "hoy el trabajo fue {adjective}"],
        "food": ["una pizza", "sushi", "una hamburguesa", "comida china", "la compra", "flores"],
        "person": ["mamá", "papá", "juan", "mi hermana", "ana", "la abuela", "la oficina"],
        "place": ["aeropuerto", "centro", "hospital"],
        "country": ["españa", "japón", "canadá", "brasil", "noruega"],
        "device": ["el ventilador", "el televisor", "el termostato", "el aspirador", "el altavoz", "el radiador",
                   "el calefactor", "el enchufe"],
        "area": ["la cocina", "el salón", "el dormitorio", "el garaje", "la oficina"],
        "activity": ["hace el pan", "ata una corbata", "aprende a tocar la guitarra", "cambia una rueda",
                     "cuece un huevo", "ahorra dinero"],
        "activity_inf": ["dormir mejor", "aprender inglés", "ahorrar dinero", "adiestrar a un perro", "hacer paella"],
        "word": ["serendipia", "ubicuo", "algoritmo", "nostalgia", "entropía"],
        "thing": ["el teléfono", "la bombilla", "la bicicleta", "internet", "el microondas", "un coche nuevo"],
        "event": ["el mundial", "las elecciones", "el partido de anoche", "los óscar"],
        "food2": ["aguacate", "pasta", "chocolate", "arroz", "café", "una manzana"],
        "media": ["una película", "un libro", "una serie", "un podcast"],
        "media_q": ["película", "serie", "programa", "documental"],
        "song": ["bésame mucho", "la bamba", "despacito", "macarena"],
        "feeling": ["cansado", "contenta", "aburrido", "hambriento", "estresada", "feliz"],
        "place2": ["la playa", "la montaña", "casa de mis padres", "el cine", "el zoo"],
        "day": ["lunes", "viernes", "sábado", "fin de semana", "domingo"],
        "relative": ["mi hermano", "mi tía", "el abuelo", "mi primo", "mi amiga"],
        "adjective": ["largo", "bonito", "raro", "aburrido", "genial", "intenso"],
        "object": ["las llaves", "las gafas", "la cartera", "el móvil", "el paraguas"],
    },
}


def generated_texts(lang: str, n: int, seed: int) -> list[str]:
    words = GENERATED[lang]
    rng = random.Random(seed)
    return [re.sub(r"\{(\w+)\}", lambda m: rng.choice(words[m.group(1)]), rng.choice(words["templates"]))
            for _ in range(n)]
