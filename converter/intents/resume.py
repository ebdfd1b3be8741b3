"""Resumable fine-tuning: long runs (issue 33's encoder comparison: hours on two cores) survive a killed
session. Every `every` steps the whole training state (weights, optimizer, schedule, the step, the shuffled
order still to come and both random generators) is written to one file, whole and then renamed, so a kill
mid-write leaves the previous one. A restarted run with the same fingerprint continues from it and ends with
the weights an uninterrupted run would have; a different run starts afresh.
"""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
STATE = "state.pt"


@dataclass
class Resumable:
    folder: Path
    every: int
    fingerprint: dict = field(default_factory=dict)  # what must match to continue (steps, rows, seed, labels)

    def load(self, model, optimizer, schedule, rng: random.Random) -> tuple[int, list[int]]:
        """(the step to start at, the order still to come); (0, []) when there is nothing to resume."""
        import torch

        path = self.folder / STATE
        if not path.exists():
            return 0, []
        state = torch.load(path, weights_only=False)
        if state.get("fingerprint") != self.fingerprint:
            log.warning("%s is from another run (%s); starting afresh", path, state.get("fingerprint"))
            return 0, []
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        log.info("resuming at step %d of %s", state["step"], self.fingerprint.get("steps"))
        return int(state["step"]), list(state["order"])

    def save(self, step: int, model, optimizer, schedule, rng: random.Random, order: list[int]) -> None:
        import torch

        if self.every <= 0 or step % self.every:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / (STATE + ".partial")
        torch.save({"fingerprint": self.fingerprint, "step": step, "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "rng": rng.getstate(),
                    "torch_rng": torch.get_rng_state(), "order": order}, partial)
        partial.replace(self.folder / STATE)

    def finished(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
