"""The generated broker's access rules as Mosquitto's dynamic-security plugin config (shipped with Mosquitto
2.0). Why not an acl_file: Mosquitto 2.0 grants any `$share/G/...` subscription an acl_file cannot read,
deals that subscriber its round-robin share of G's requests and then drops them at delivery, so any login
could make a group's requests vanish. Dynamic security checks a subscription when it is made: a
subscription no `subscribePattern` allows is refused in the SUBACK, and nothing is dealt to it.

The rules are acl.py's, translated: read → receive + subscribe, write → send. A `$share` subscription is
matched as written (the `$share/G/` prefix included), so only a group's members get a pattern for it."""

from __future__ import annotations

import glob
import json
import platform

from edgelm.broker_setup.acl import Identity, rules

CONFIG_NAME = "dynamic-security.json"
PLUGIN_NAME = "mosquitto_dynamic_security.so"
# nothing unless a rule allows it; unsubscribing never hurts anyone
DEFAULT_ACCESS = {"publishClientSend": False, "publishClientReceive": False, "subscribe": False,
                  "unsubscribe": True}
_ACCESS = {"read": ("publishClientReceive", "subscribePattern"), "write": ("publishClientSend",),
           "readwrite": ("publishClientReceive", "subscribePattern", "publishClientSend")}


def plugin_path() -> str:
    """Where this host's Mosquitto keeps the plugin (Debian: /usr/lib/<triplet>/); the Debian path for
    this machine's architecture when Mosquitto is not installed here."""
    found = sorted(glob.glob(f"/usr/lib/*/{PLUGIN_NAME}") + glob.glob(f"/usr/lib/{PLUGIN_NAME}")
                   + glob.glob(f"/usr/local/lib/{PLUGIN_NAME}"))
    if found:
        return found[0]
    triplet = {"aarch64": "aarch64-linux-gnu", "armv7l": "arm-linux-gnueabihf"}.get(platform.machine(),
                                                                                   "x86_64-linux-gnu")
    return f"/usr/lib/{triplet}/{PLUGIN_NAME}"


def acls(identity: Identity, prefix: str) -> list[dict[str, object]]:
    out = []
    for rule in rules(identity, prefix):
        _, access, topic = rule.split(" ", 2)
        out += [{"acltype": kind, "topic": topic, "priority": 0, "allow": True} for kind in _ACCESS[access]]
    if identity.role == "agent" and identity.group:
        group = identity.group  # the shared subscriptions a member makes (edge_agent/service.py)
        out += [{"acltype": "subscribePattern", "topic": f"$share/{group}/{topic}", "priority": 0, "allow": True}
                for topic in (f"{prefix}/group/{group}/request/#", "hermes/nlu/query")]
    return out


def dynsec_config(identities: list[Identity], hashes: dict[str, tuple[str, str, int]], prefix: str) -> str:
    """One role per login, named after it. `hashes`: username → (base64 hash, base64 salt, iterations),
    PBKDF2-SHA512 as mosquitto_passwd writes them; a login without one (certificate mode) has no password
    and is known by its certificate's CN."""
    clients, roles = [], []
    for identity in identities:
        client: dict[str, object] = {"username": identity.name, "textname": identity.role,
                                     "roles": [{"rolename": identity.name}]}
        if identity.name in hashes:
            digest, salt, iterations = hashes[identity.name]
            client.update(password=digest, salt=salt, iterations=iterations)
        clients.append(client)
        roles.append({"rolename": identity.name, "acls": acls(identity, prefix)})
    config = {"defaultACLAccess": DEFAULT_ACCESS, "clients": clients, "groups": [], "roles": roles}
    return json.dumps(config, indent=1) + "\n"
