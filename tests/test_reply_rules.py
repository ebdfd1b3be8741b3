"""Answers only where they belong: reply prefixes on an open broker, and senders tied to users by an ACL."""

from __future__ import annotations

import json
import queue
import subprocess

import pytest
from mqtt_helpers import Listener, props, running_agent

from edge_agent.client import EdgeClient
from edgelm.demo_broker import Mosquitto, free_port

ACL = """\
user edgelm-agent
topic readwrite edgelm/#
topic readwrite hermes/#
topic readwrite homeassistant/#
pattern write edgelm/+/request/%u
pattern read edgelm/reply/%u/#
"""


def test_reply_topics_outside_the_prefixes_get_an_error_on_the_default_topic(agent_bundle, broker, device_id):
    request = f"edgelm/{device_id}/request"
    with running_agent(agent_bundle, broker, device_id):
        listener = (Listener(broker).subscribe("homeassistant/light/#").subscribe(f"edgelm/{device_id}/response")
                    .subscribe("edgelm/reply/#").subscribe("edgelm/other/request"))
        for rid, topic in (("ha", "homeassistant/light/x/set"), ("dev", "edgelm/other/request"),
                           ("ok", "edgelm/reply/me/r")):
            listener.publish(request, json.dumps({"id": rid, "text": "turn on the light"}), props(topic))
        listener.publish(f"{request}/me", json.dumps({"id": "sent", "text": "lights on", "reply_to": "edgelm/reply/me/s"}))
        got = {json.loads(m.payload)["id"]: m for m in (listener.get() for _ in range(4))}
        assert listener.drain() == []
    assert {rid: m.topic for rid, m in got.items()} == {
        "ha": f"edgelm/{device_id}/response", "dev": f"edgelm/{device_id}/response",
        "ok": "edgelm/reply/me/r", "sent": "edgelm/reply/me/s"}
    for rid in ("ha", "dev"):
        error = json.loads(got[rid].payload)["error"]
        assert error["code"] == "bad_request"
        assert "edgelm/reply/" in error["message"]
    assert "intent" in json.loads(got["ok"].payload)


def test_reply_prefixes_configure_where_answers_may_go(agent_bundle, broker, device_id):
    with running_agent(agent_bundle, broker, device_id, reply_prefixes=["nodered/answers/"]):
        listener = Listener(broker).subscribe("nodered/#").subscribe(f"edgelm/{device_id}/response")
        listener.publish(f"edgelm/{device_id}/request", json.dumps({"id": "a", "text": "hi"}), props("nodered/answers/1"))
        listener.publish(f"edgelm/{device_id}/request", json.dumps({"id": "b", "text": "hi"}), props("edgelm/reply/x/r"))
        got = {json.loads(m.payload)["id"]: m.topic for m in (listener.get(), listener.get())}
    assert got == {"a": "nodered/answers/1", "b": f"edgelm/{device_id}/response"}


@pytest.fixture(scope="module")
def acl_broker():
    broker = Mosquitto(per_listener_settings=True)
    for user in ("edgelm-agent", "alice", "bob"):
        flag = ["-c"] if user == "edgelm-agent" else []
        subprocess.run(["mosquitto_passwd", "-b", *flag, str(broker.dir / "passwd"), user, f"{user}-pw"], check=True)
    (broker.dir / "acl").write_text(ACL)
    port = free_port()
    broker.extra_config = (f"listener {port} 127.0.0.1\nallow_anonymous false\n"
                           f"password_file {broker.dir}/passwd\nacl_file {broker.dir}/acl\n")
    with broker:
        broker.acl_port = port
        yield broker


class AclUrl:
    def __init__(self, broker, user: str):
        self.url = f"mqtt://{user}:{user}-pw@127.0.0.1:{broker.acl_port}"


def test_with_require_sender_one_user_cannot_answer_into_anothers_replies(agent_bundle, acl_broker, device_id):
    agent_url = AclUrl(acl_broker, "edgelm-agent")
    with running_agent(agent_bundle, agent_url, device_id, require_sender=True):
        alice_sees = Listener(acl_broker, port=acl_broker.acl_port, username="alice", password="alice-pw")
        alice_sees.subscribe("edgelm/reply/alice/#")
        agent_sees = Listener(acl_broker, port=acl_broker.acl_port, username="edgelm-agent",
                              password="edgelm-agent-pw").subscribe(f"edgelm/{device_id}/response")
        bob = Listener(acl_broker, port=acl_broker.acl_port, username="bob", password="bob-pw")
        request = f"edgelm/{device_id}/request"
        # Bob names Alice's reply topic on his own sender topic: the error goes to the default topic.
        bob.publish(f"{request}/bob", json.dumps({"id": "b1", "text": "unlock", "reply_to": "edgelm/reply/alice/r"}))
        # Bob claims to be Alice: the broker's ACL drops it, the agent never sees it.
        bob.publish(f"{request}/alice", json.dumps({"id": "b2", "text": "unlock", "reply_to": "edgelm/reply/alice/r"}))
        # The plain topic: the ACL drops Bob's; a user allowed to write there is not answered where it asks.
        bob.publish(request, json.dumps({"id": "b3", "text": "unlock", "reply_to": "edgelm/reply/alice/r"}))
        agent_sees.publish(request, json.dumps({"id": "b4", "text": "unlock", "reply_to": "edgelm/reply/alice/r"}))
        errors = {json.loads(m.payload)["id"]: json.loads(m.payload)["error"]["code"]
                  for m in (agent_sees.get(), agent_sees.get())}
        with EdgeClient(AclUrl(acl_broker, "alice").url, sender="alice") as alice:
            answer = alice.request("turn on the porch light", device=device_id)
        leaked = alice_sees.drain(0.5)
    assert errors == {"b1": "bad_request", "b4": "bad_request"}
    assert answer["intent"]["name"].startswith("Hass")
    assert [json.loads(m.payload)["id"] for m in leaked] == [answer["id"]]  # only Alice's own answer
    with pytest.raises(queue.Empty):
        agent_sees.get(timeout=0.2)


def test_ask_with_a_sender_gets_its_answer_under_the_senders_replies(agent_bundle, broker, device_id):
    from click.testing import CliRunner

    from edgelm.cli import cli

    with running_agent(agent_bundle, broker, device_id, require_sender=True):
        listener = Listener(broker).subscribe("edgelm/reply/carol/#")
        ok = CliRunner().invoke(cli, ["ask", "turn on the light", "--broker", broker.url, "--device", device_id,
                                      "--sender", "carol", "--json"])
        seen = listener.get()
    bad = CliRunner().invoke(cli, ["ask", "hi", "--broker", broker.url, "--device", device_id, "--sender", "a/b"])
    assert ok.exit_code == 0, ok.output
    assert "intent" in json.loads(ok.output)
    assert seen.topic.startswith("edgelm/reply/carol/")
    assert bad.exit_code != 0
    assert "one topic level" in bad.output
