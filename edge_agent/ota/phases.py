"""One state object per phase of a deploy, as Mender's update states: each holds exactly what its phase
needs and names itself with the `State` the status messages use. An agent holds at most one `Receiving`
(the transfer in progress) and one `Trial` (the last applied version while its health gate watches): a
newer version may arrive while the previous one is on trial, and applying it ends that trial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from edge_agent.ota.health import HealthGate
from edge_agent.ota.staging import Transfer
from edge_agent.ota.swap import Swapped
from edge_agent.ota.wire import CREDIT_STEP, State


@dataclass
class Receiving:
    state: ClassVar[State] = State.RECEIVING
    transfer: Transfer

    @property
    def deploy_id(self) -> str:
        return self.transfer.begin.deploy_id

    def progress(self, force: bool, reason: str | None = None) -> dict | None:
        """The progress status to publish: every CREDIT_STEP chunks (the sender's credit), at the end, and
        when forced, with the missing ranges only then (a periodic one stays small); None between."""
        transfer = self.transfer
        if not (force or transfer.acked % CREDIT_STEP == 0 or transfer.complete()):
            return None
        return {"deploy_id": self.deploy_id, "version": transfer.begin.version, "received": transfer.received,
                "chunks": transfer.begin.chunks, "acked": transfer.acked,
                "missing": transfer.missing() if force else [], "reason": reason}


@dataclass
class Trial:
    """Applied and serving; the health gate's verdict ends it: healthy, or rolled back to `swapped.before`."""

    state: ClassVar[State] = State.APPLIED
    deploy_id: str
    name: str
    version: str
    swapped: Swapped
    gate: HealthGate
