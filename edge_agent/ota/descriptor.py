"""A deploy descriptor signed by the trust key: the only way an MQTT deploy can roll a board back to an
older version. A flag in the (unsigned) begin message would let anyone who replays an old signed bundle
downgrade a fleet; the descriptor names the archive, its targets and an expiry, and only the key's
owner can make one."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from edge_agent.ota.wire import Begin, DeployError

PURPOSE = "edgelm-downgrade"
DEFAULT_VALID_S = 24 * 3600


def make_descriptor(begin: Begin, targets: list[str], key_path: Path,
                    valid_s: float = DEFAULT_VALID_S) -> tuple[str, str]:
    """(descriptor, signature), both base64, for Begin.descriptor / descriptor_sig.

    targets: device ids and `group/G` names the downgrade is for."""
    from edge_agent.inference import signing

    data = json.dumps({"purpose": PURPOSE, "name": begin.name, "version": begin.version, "sha256": begin.sha256,
                       "targets": sorted(targets), "expires_at": round(time.time() + valid_s)},
                      sort_keys=True).encode()
    return base64.b64encode(data).decode(), base64.b64encode(signing.sign_bytes(data, key_path)).decode()


def check_descriptor(begin: Begin, device_id: str, group: str | None, trust_key: Path | None) -> None:
    """Raise DeployError unless the begin carries a valid downgrade descriptor for this board and archive."""
    if not begin.descriptor or not begin.descriptor_sig:
        raise DeployError("no downgrade descriptor signed by the trust key")
    if trust_key is None:
        raise DeployError("a downgrade descriptor needs a trust_key on the agent to check it")
    from edge_agent.inference import signing

    try:
        data = base64.b64decode(begin.descriptor, validate=True)
        signature = base64.b64decode(begin.descriptor_sig, validate=True)
        signing.verify_bytes(data, signature, trust_key)
        descriptor = json.loads(data)
    except (ValueError, signing.SignatureError) as exc:
        raise DeployError(f"downgrade descriptor invalid: {exc}") from exc
    names = {device_id} | ({f"group/{group}"} if group else set())
    problems = [
        what for what, bad in (
            ("it is not a downgrade descriptor", descriptor.get("purpose") != PURPOSE),
            ("it names another archive", descriptor.get("sha256") != begin.sha256
             or descriptor.get("version") != begin.version or descriptor.get("name") != begin.name),
            ("it does not name this device or its group", not names & set(descriptor.get("targets") or [])),
            ("it has expired", not isinstance(descriptor.get("expires_at"), int | float)
             or descriptor["expires_at"] < time.time()),
        ) if bad
    ]
    if problems:
        raise DeployError("downgrade descriptor refused: " + "; ".join(problems))
