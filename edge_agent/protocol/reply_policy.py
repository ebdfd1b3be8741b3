"""Where an answer may go. A request names its reply topic, so without a rule any client could make the
agent publish anywhere: onto another device's request topic, a Home Assistant command topic, or into
another client's replies. Answers go only under the allowed prefixes; with `require_sender` a request
that arrived on `<prefix>/ID/request/<sender>` is answered only under `<prefix>/reply/<sender>/`, which a
broker ACL can tie to the user who published it."""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.protocol import strict


@dataclass(frozen=True)
class ReplyPolicy:
    prefix: str  # the topic prefix, e.g. "edgelm"
    allowed: tuple[str, ...]  # reply topics must start with one of these ("" allows any valid topic)
    require_sender: bool
    default_topic: str  # where errors for unroutable requests go: <prefix>/ID/response

    def prefixes_for(self, sender: str | None) -> tuple[str, ...]:
        if self.require_sender and sender is not None:
            return (f"{self.prefix}/reply/{sender}/",)
        return self.allowed

    def problem(self, named: str | None, sender: str | None) -> str | None:
        """Why a request may not be answered where it asks (None: it may)."""
        if self.require_sender and sender is None:
            return f"this agent answers only requests sent to {self.prefix}/<device>/request/<sender>"
        if named is None:
            return None
        problem = strict.topic_problem(named)
        if problem:
            return problem
        prefixes = self.prefixes_for(sender)
        if not any(named.startswith(p) for p in prefixes):
            return f"reply topic must start with {' or '.join(prefixes)}"
        return None

    def topic(self, named: str | None, sender: str | None) -> str:
        """The topic an answer goes to: the one named when it is allowed, else the default topic."""
        if named is None or self.problem(named, sender):
            return self.default_topic
        return named


def sender_of(topic: str, request_topic: str) -> str | None:
    """`<request topic>/<sender>` -> sender; the plain request topic -> None."""
    if topic.startswith(request_topic + "/"):
        return topic[len(request_topic) + 1:] or None
    return None
