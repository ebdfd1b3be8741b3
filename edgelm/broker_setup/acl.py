"""Who may read and write what, by role. Identities are usernames (or certificate CNs with
use_identity_as_username), never client ids: a client picks its own id, not its login.

Mosquitto silently drops a publish the ACL forbids and never delivers a message the reader may not read,
even under a wildcard subscription that was granted."""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES = ("agent", "client", "home", "hermes", "monitor", "operator")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# The words of EdgeLM's topic layout. A login named like one would meet another's topics through a `+`:
# client `reply` may write edgelm/+/request/reply, which is edgelm/reply/request/reply, the answer topic
# of a client named `request`. So no identity of any role (nor a group) may be called one of these.
RESERVED = ("group", "reply", "echo", "request", "response", "status", "telemetry", "deploy", "watchdog", "answers")


class AclError(ValueError):
    pass


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    group: str | None = None  # agents only: the group it serves in

    @classmethod
    def parse(cls, text: str, role: str) -> Identity:
        """`name`, or for an agent `ID@GROUP`."""
        name, _, group = text.partition("@") if role == "agent" else (text, "", "")
        return cls(name, role, group or None)

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise AclError(f"{self.role} name {self.name!r}: use letters, digits, . _ -")
        if self.name in RESERVED:
            raise AclError(f"{self.role} name {self.name!r} is a word of the topic layout; not one of "
                           f"{', '.join(RESERVED)}")
        if self.group is not None and (not NAME.match(self.group) or self.group in RESERVED):
            raise AclError(f"group name {self.group!r}: use letters, digits, . _ -, and not one of "
                           f"{', '.join(RESERVED)}")


def _echo(p: str, user: str) -> str:
    """Its own echo topics: how the CLI knows it has every retained status (edgelm/retained.py)."""
    return f"topic readwrite {p}/echo/{user}/#"


def _asker(p: str, user: str) -> list[str]:
    """Sends requests as itself and reads only its own answers (with agents' require_sender = true); reads
    the agents' statuses, so `edgelm ask` can tell an offline device from a silent one."""
    return [f"topic write {p}/+/request/{user}", f"topic write {p}/group/+/request/{user}",
            f"topic read {p}/reply/{user}/#", f"topic read {p}/+/status", _echo(p, user)]


def rules(identity: Identity, prefix: str = "edgelm", discovery: str = "homeassistant") -> list[str]:
    p, name = prefix, identity.name
    if identity.role == "agent":
        # a member reads its group's requests, deploys and answers, and writes the answers it commits
        group = ([f"topic read {p}/group/{identity.group}/#", f"topic write {p}/group/{identity.group}/answers"]
                 if identity.group else [])
        return [
            f"topic read {p}/{name}/request", f"topic read {p}/{name}/request/#", f"topic read {p}/{name}/deploy",
            *group, "topic read hermes/nlu/query", f"topic read {discovery}/status",
            f"topic readwrite {p}/{name}/watchdog/#",  # its own delivery probes
            # not edgelm/ID/#: that would let a stolen board login deploy to, or send requests as, itself
            *(f"topic write {p}/{name}/{what}" for what in ("status", "telemetry", "response", "deploy/status")),
            f"topic write {p}/reply/#", "topic write hermes/intent/#",
            "topic write hermes/nlu/intentNotRecognized", "topic write hermes/error/nlu",
            f"topic write {discovery}/+/edgelm_{name}/#",
            f"topic readwrite {discovery}/+/{name}/#",  # the one-time cleanup of bare-id discovery topics
        ]
    if identity.role == "client":
        return _asker(p, name)
    if identity.role == "home":
        return [f"topic readwrite {discovery}/#", f"topic read {p}/+/telemetry", *_asker(p, name)]
    if identity.role == "hermes":
        return ["topic readwrite hermes/#"]
    if identity.role == "monitor":
        return [f"topic read {p}/+/status", f"topic read {p}/+/telemetry", f"topic read {p}/+/deploy/status",
                _echo(p, name)]
    if identity.role == "operator":
        return [f"topic write {p}/+/deploy", f"topic write {p}/group/+/deploy", f"topic read {p}/+/status",
                f"topic read {p}/+/telemetry", f"topic read {p}/+/deploy/status", _echo(p, name)]
    raise AclError(f"unknown role {identity.role!r}; one of {', '.join(ROLES)}")


def check_identities(identities: list[Identity]) -> None:
    names = [i.name for i in identities]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise AclError(f"each identity has one role; given twice: {', '.join(doubles)}")
