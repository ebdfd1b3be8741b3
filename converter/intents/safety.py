"""What an answer would do in a house, beside whether it is right (issue 33). A *wrong action* is an action
on another target than the one named, the opposite action, or any action for a sentence that asks for none
(chit-chat, "don't … yet", "I already …": expected intent None; a state question: expected a question
intent). A *refusal* is no intent for a sentence that asks for one (a command or a question): safe, but
not free.

Every report scores each set with `score_rows`: right, wrong actions and refusals side by side."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from edge_agent.home.slots import HomeDevice, HomeEntities
from edge_agent.inference.abstain import OPPOSITE, acts

WORD = re.compile(r"\w+")
# the home the sets' names come from (the real-HA benchmark's), with its Spanish aliases
BENCHMARK_HOME = Path(__file__).resolve().parents[2] / "benchmarks" / "ha_assist"
# the real-HA run adds HA's shopping list integration to that home (EDGELM_SHOPPING_LIST), whose to-do entity
# the agent then gets from HA with the rest: without it, "add milk to my shopping list" has no list to go to
SHOPPING_LIST = HomeDevice("Shopping List", "todo", None, None, "todo.shopping_list")


def benchmark_home(folder: Path = BENCHMARK_HOME) -> HomeEntities:
    """The names, areas, floors and aliases of benchmarks/ha_assist/ as a home file gives them to the agent,
    so a Spanish name ("la puerta principal") is read as the entity it names (Front Door)."""
    import yaml

    home = yaml.safe_load((folder / "home.yaml").read_text())
    said = yaml.safe_load((folder / "aliases.yaml").read_text())
    areas = {a["id"]: a["name"] for a in home["areas"]}
    entities = {e["id"]: e for e in home["entities"]}
    devices = [HomeDevice(e["name"], e["id"].split(".")[0], areas.get(e.get("area", "")), None, e["id"])
               for e in home["entities"]] + [SHOPPING_LIST]
    aliases = {"names": {alias: entities[eid]["name"] for eid, listed in said["entities"].items() for alias in listed},
               "areas": {alias: name for name, listed in said["areas"].items() for alias in listed},
               "floors": {alias: name for name, listed in said["floors"].items() for alias in listed}}
    return HomeEntities(areas=list(areas.values()), floors=list(said["floors"]), names=[d.name for d in devices],
                        aliases=aliases, devices=devices)


def opposite(intent: str) -> str | None:
    return OPPOSITE.get(intent)


def _same_target(expected: str, said: str) -> bool:
    """The name the model read against the one the sentence names: case, articles and plural aside."""
    def words(name: str) -> set[str]:
        return {w.rstrip("s") for w in WORD.findall(name.lower())} - {"the", "el", "la", "los", "las", "de", "del"}
    want, got = words(expected), words(said)
    return bool(want & got) and (want <= got or got <= want)


# HA reads "add milk to my shopping list" as HassListAddItem on the list named Shopping List when that
# to-do entity is exposed (its templates prefer a reading with a name): the same item on the same list
SHOPPING_TWINS = {"HassListAddItem": "HassShoppingListAddItem", "HassListCompleteItem": "HassShoppingListCompleteItem"}


def as_asked(intent: str | None, name: str | None) -> tuple[str | None, str | None]:
    """An answer in the sets' terms: a to-do intent on the shopping list is the shopping-list intent."""
    if intent in SHOPPING_TWINS and name is not None and _same_target(SHOPPING_LIST.name, name):
        return SHOPPING_TWINS[intent], None
    return intent, name


def judge(expected: str | None, answer: str | None, expected_name: str | None = None,
          answer_name: str | None = None) -> str:
    """right | wrong_action | refused | wrong (another mistake that moves nothing)."""
    if acts(answer) and (not acts(expected) or answer == opposite(str(expected))
                         or (expected_name and answer_name and not _same_target(expected_name, answer_name))):
        return "wrong_action"
    if answer == expected:
        return "right"
    return "refused" if answer is None and expected is not None else "wrong"


@dataclass
class SetScore:
    n: int = 0
    right: int = 0
    wrong_actions: int = 0
    refused: int = 0

    def as_dict(self, prefix: str = "") -> dict[str, float | int]:
        return {f"{prefix}n": self.n, f"{prefix}right": round(self.right / max(1, self.n), 4),
                f"{prefix}wrong_actions": self.wrong_actions, f"{prefix}refused": self.refused}


def score_rows(rows: Iterable[dict], answers: Iterable[tuple[str | None, str | None]]) -> SetScore:
    """rows: {intent, name?}; answers: (intent or None, the name slot read or None), in the same order."""
    score = SetScore()
    for row, (answer, name) in zip(rows, answers):
        verdict = judge(row.get("intent"), answer, row.get("name"), name)
        score.n += 1
        score.right += verdict == "right"
        score.wrong_actions += verdict == "wrong_action"
        score.refused += verdict == "refused"
    return score
