"""The deploy in progress, on disk (`state_dir/models/deploy.json`): its id, name, version and phase, so
that an agent restarted after a crash mid-deploy still ends that deploy with a final status: `failed`
when it stopped while receiving or verifying (the sender deploys again; a transfer resumes), the health
gate run again when it stopped while the new version was on trial, `rolled_back` when start-up fell back."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RECEIVING, VERIFYING, APPLIED = "receiving", "verifying", "applied"


@dataclass(frozen=True)
class Entry:
    deploy_id: str
    name: str
    version: str
    phase: str


class DeployJournal:
    def __init__(self, root: Path):
        self.path = root / "deploy.json"

    def write(self, entry: Entry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(entry)))
        os.replace(tmp, self.path)  # atomic: a crash leaves the old entry or the new one

    def read(self) -> Entry | None:
        try:
            data = json.loads(self.path.read_text())
            return Entry(**{key: str(data[key]) for key in ("deploy_id", "name", "version", "phase")})
        except (OSError, ValueError, KeyError, TypeError):  # none, or torn: nothing to finish
            return None

    def done(self, deploy_id: str) -> None:
        """The deploy reached a final status: nothing is left to finish (another deploy's entry stays)."""
        entry = self.read()
        if entry is not None and entry.deploy_id == deploy_id:
            self.path.unlink(missing_ok=True)
