"""`edgelm broker config` on a real Mosquitto: TLS only, no anonymous access, and an ACL that lets each
role do its job and nothing else. Publishes the ACL forbids are dropped silently and reads are filtered,
so every "cannot" here is observed (nothing arrives), never read off a return code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from mqtt_helpers import Listener
from ota_helpers import deploy, variant

from edge_agent.client import EdgeClient
from edge_agent.config import load_config
from edge_agent.inference.signing import generate_keys
from edge_agent.service import Agent
from edge_agent.transport.mqtt import MqttError, TlsFiles
from edgelm import deploy as lib
from edgelm.cli import cli
from edgelm.demo_broker import ConfiguredMosquitto, connack, free_port
from edgelm.targets import TargetUnavailable, check_online

pytestmark = pytest.mark.integration
USERS = {"devices": "kitchen,hall@down", "clients": "alice,bob", "home": "ha", "hermes": "rhasspy",
         "monitor": "grafana", "operator": "ops"}
QUIET_S = 0.5  # how long "nothing arrives" is watched for


class Site:
    """The generated broker, running, with its two agents serving."""

    def __init__(self, out: Path, port: int):
        self.out, self.port, self.host = out, port, "127.0.0.1"
        self.ca = str(out / "certs" / "ca.crt")

    def password(self, user: str) -> str:
        return (self.out / "clients" / user / "password").read_text().strip()

    def url(self, user: str | None) -> str:
        return f"mqtts://{user}:{self.password(user)}@{self.host}:{self.port}" if user else f"mqtts://{self.host}:{self.port}"

    def listen(self, user: str, *topics: str) -> Listener:
        listener = Listener(self, username=user, password=self.password(user), ca_file=self.ca)
        for topic in topics:
            listener.subscribe(topic)
        return listener

    def client(self, user: str) -> EdgeClient:
        return EdgeClient(self.url(user), ca_file=self.ca, sender=user)


def _start_agent(site: Site, name: str, bundle: Path, trust_key: Path) -> Agent:
    config = load_config(site.out / "agents" / f"{name}.toml", env={}, bundle=str(bundle), ca_file=site.ca,
                         device="x86-64", telemetry_interval_s=0, trust_key=str(trust_key),
                         state_dir=str(site.out / f"state-{name}"))
    agent = Agent(config)
    agent.start(connect_timeout=10)
    return agent


@pytest.fixture(scope="module")
def site(bert_bundle):
    # not under pytest's 0700 temp root: Mosquitto, dropped to its own user, must reach its files
    root = Path(tempfile.mkdtemp(prefix="edgelm-site-"))
    port = free_port()
    args = ["broker", "config", "--ca-dir", str(root / "ca"), "-o", str(root / "out"), "--host", "127.0.0.1",
            "--port", str(port), "--bind", "127.0.0.1", "--data-dir", f"{root / 'data'}/"]
    for option, names in USERS.items():
        args += [f"--{option}", names]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (root / "data").mkdir()
    if os.geteuid() == 0:  # as an installer would: the broker's files belong to the user it drops to
        subprocess.run(["chown", "-R", "mosquitto", str(root)], check=True)
    keys = generate_keys(root / "keys")
    site = Site(root / "out", port)
    site.v1 = variant(bert_bundle, root / "v1", "1.0.0", keys[0])
    site.v2 = variant(bert_bundle, root / "v2", "2.0.0", keys[0])
    with ConfiguredMosquitto(root / "out" / "mosquitto.conf", port, Path(site.ca)):
        site.agents = {name: _start_agent(site, name, site.v1, keys[1]) for name in ("kitchen", "hall")}
        try:
            yield site
        finally:
            for agent in site.agents.values():
                agent.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_one_tls_listener_and_no_anonymous_or_plain_access(site):
    conf = (site.out / "mosquitto.conf").read_text()
    assert [line for line in conf.splitlines() if line.startswith("listener")] == [f"listener {site.port} 127.0.0.1"]
    assert "allow_anonymous false" in conf
    assert connack(site.host, site.port, ca_file=Path(site.ca)) == "Not authorized"  # anonymous
    assert connack(site.host, site.port, "alice", "wrong", ca_file=Path(site.ca)) == "Not authorized"
    assert connack(site.host, site.port, "alice", site.password("alice"), timeout=0.5) is None  # plain: no answer
    assert connack(site.host, site.port, "alice", site.password("alice"), ca_file=Path(site.ca)) == "Success"
    with pytest.raises(MqttError):  # without the CA the broker's certificate is not trusted
        EdgeClient(site.url("alice")).connect(timeout=1)


def test_clients_get_answers_from_devices_and_groups(site):
    with site.client("alice") as alice:
        check_online(alice.conn, "edgelm", device="kitchen")  # `edgelm ask`'s check works behind the ACL
        check_online(alice.conn, "edgelm", group="down")
        with pytest.raises(TargetUnavailable, match="no such device"):
            check_online(alice.conn, "edgelm", device="cellar")
        direct = alice.request("turn on the kitchen light", device="kitchen")
        grouped = alice.request("turn on the hall light", group="down")
    assert direct["device_id"] == "kitchen"
    assert grouped["device_id"] == "hall"


def test_a_client_cannot_send_answers_to_another(site):
    kitchen = site.agents["kitchen"]
    bob = site.listen("bob", "edgelm/reply/bob/#")
    alice = site.listen("alice")
    errors_before = kitchen.stats.errors
    request = {"v": 1, "id": "steal-1", "text": "turn on the light", "reply_to": "edgelm/reply/bob/r"}
    alice.publish("edgelm/kitchen/request/alice", json.dumps(request))  # the agent refuses that reply topic
    alice.publish("edgelm/reply/bob/r", b'{"forged": true}')  # the ACL drops it
    alice.publish("edgelm/kitchen/request/bob", json.dumps({**request, "id": "steal-2"}))  # posing as bob: dropped
    to_bob = bob.drain(QUIET_S)
    bob.close()
    alice.close()
    assert to_bob == []
    assert kitchen.stats.errors - errors_before == 1  # steal-1 refused; steal-2 never reached the agent


def test_a_forged_group_answer_is_dropped_by_the_acl(site):
    """A well-formed answer a client forges on the group's answers topic never reaches the members: only
    the group's own devices may write there (tests/test_group_faults.py: what a member does without this)."""
    from edge_agent.protocol.messages import Request

    hall = site.agents["hall"]
    received = hall.outbox.group.received
    forged = {"from": "mallory", "key": "/forged-1", "digest": Request(id="forged-1", text="unlock the door").digest(),
              "payload": json.dumps({"id": "forged-1", "intent": {"name": "HassTurnOff", "confidence": 1.0}})}
    alice = site.listen("alice", "edgelm/group/down/answers")  # alice may not even read it
    alice.publish("edgelm/group/down/answers", json.dumps(forged))
    heard = alice.drain(QUIET_S)
    alice.close()
    assert heard == []
    assert hall.outbox.group.received == received
    assert "/forged-1" not in {r.key for r in hall.router.cache.remembered()}


def test_only_a_groups_members_may_join_its_shared_subscriptions(site):
    """Behind an acl_file, Mosquitto granted any login `$share/down/...`, dealt it its round-robin share of
    the group's requests and dropped them at delivery: requests vanished. Dynamic security refuses the
    subscription at SUBACK, so every request reaches a member."""
    intruders = [site.listen(user) for user in ("alice", "kitchen", "grafana", "ha", "rhasspy", "ops")]
    refused = {}
    for intruder, user in zip(intruders, ("alice", "kitchen", "grafana", "ha", "rhasspy", "ops")):
        for topic in ("$share/down/edgelm/group/down/request/+", "$share/down/edgelm/group/down/request",
                      "$share/down/hermes/nlu/query", "$share/down/edgelm/group/down/#"):
            refused[user, topic] = intruder.subscribe(topic).refused
    try:
        with site.client("alice") as alice:
            answered = [alice.request(f"turn on light {n}", group="down", timeout=5, retries=0)["device_id"]
                        for n in range(30)]
    finally:
        for intruder in intruders:
            intruder.close()
    assert [key for key, was_refused in refused.items() if not was_refused] == []
    assert answered == ["hall"] * 30


def test_one_agents_login_cannot_reach_another_agent(site):
    """kitchen's login posts to hall's request topic and listens to hall's requests and alice's answers."""
    spy = site.listen("kitchen", "edgelm/hall/request/#", "edgelm/reply/alice/#")
    alice = site.listen("alice", "edgelm/reply/alice/#")
    request = {"v": 1, "id": "via-kitchen", "text": "turn on the light", "reply_to": "edgelm/reply/alice/r"}
    spy.publish("edgelm/hall/request/alice", json.dumps(request))  # dropped: hall never answers alice
    nothing = alice.drain(QUIET_S)
    alice.publish("edgelm/hall/request/alice", json.dumps({**request, "id": "from-alice"}))  # the control
    answered = alice.get_json(5)
    spied = spy.drain(0.3)
    spy.close()
    alice.close()
    assert nothing == []
    assert answered["id"] == "from-alice"
    assert spied == []  # neither alice's request to hall nor hall's answer reached kitchen's login


def test_home_assistant_sees_discovery_and_availability(site):
    ha = site.listen("ha", "homeassistant/sensor/+/+/config", "edgelm/+/status")
    seen = ha.drain(QUIET_S)
    ha.close()
    topics = {m.topic for m in seen}
    assert "homeassistant/sensor/edgelm_kitchen/latency_p95/config" in topics or \
        any(t.startswith("homeassistant/sensor/edgelm_kitchen/") for t in topics)
    states = {json.loads(m.payload)["device_id"]: json.loads(m.payload)["state"] for m in seen
              if m.topic.endswith("/status")}
    assert states == {"kitchen": "online", "hall": "online"}


def test_rhasspy_gets_hermes_intents(site):
    rhasspy = site.listen("rhasspy", "hermes/intent/#", "hermes/nlu/intentNotRecognized")
    rhasspy.publish("hermes/nlu/query", json.dumps({"input": "turn on the kitchen light", "id": "q1",
                                                    "sessionId": "s1", "siteId": "default"}))
    answer = rhasspy.get(5)
    rhasspy.close()
    assert json.loads(answer.payload)["id"] == "q1"


def test_the_monitor_reads_status_and_telemetry_but_sends_nothing(site):
    grafana = site.listen("grafana", "edgelm/+/status", "edgelm/+/telemetry")
    seen = {m.topic for m in grafana.drain(QUIET_S)}
    grafana.publish("edgelm/kitchen/request", json.dumps({"v": 1, "id": "m", "text": "hi",
                                                          "reply_to": "edgelm/reply/grafana/r"}))
    grafana.subscribe("edgelm/reply/#")
    quiet = grafana.drain(QUIET_S)
    grafana.close()
    assert {"edgelm/kitchen/status", "edgelm/kitchen/telemetry", "edgelm/hall/telemetry"} <= seen
    assert quiet == []


def test_only_the_operator_deploys(site, monkeypatch):
    watch = site.listen("grafana", "edgelm/kitchen/deploy/status")
    begin = b'{"v":1,"type":"begin","deploy_id":"x","name":"bert-tiny","version":"9.0.0","runtime":"onnxruntime",' \
            b'"device":"x86-64","size":10,"sha256":"' + b"0" * 64 + b'","chunk_size":10,"chunks":1,' \
            b'"model_bytes":10,"signed":true}\n'
    for user in ("alice", "kitchen", "ha"):
        intruder = site.listen(user)
        intruder.publish("edgelm/kitchen/deploy", begin)
        intruder.publish("edgelm/group/down/deploy", begin)
        intruder.close()
    ignored = watch.drain(QUIET_S)
    # a client reads statuses (`edgelm ask` checks the device is online) but its begin never reaches the agent
    monkeypatch.setattr(lib, "ANSWER_TIMEOUT_S", 1.0)
    refused = deploy(site.url("alice"), site.v2, device="kitchen", ca_file=site.ca)["kitchen"]
    assert refused.state != "applied"
    assert watch.drain(0.2) == []
    result = deploy(site.url("ops"), site.v2, device="kitchen", ca_file=site.ca)["kitchen"]
    watch.close()
    assert ignored == []
    assert result.state == "applied", result


def test_certificate_logins_use_the_cn_as_identity(bert_bundle, tmp_path):
    root = Path(tempfile.mkdtemp(prefix="edgelm-certsite-"))
    port = free_port()
    result = CliRunner().invoke(cli, ["broker", "config", "--ca-dir", str(root / "ca"), "-o", str(root / "out"),
                                      "--auth", "certificate", "--devices", "kitchen", "--clients", "alice,bob",
                                      "--host", "127.0.0.1", "--port", str(port), "--data-dir", f"{root}/"])
    assert result.exit_code == 0, result.output
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "mosquitto", str(root)], check=True)
    clients, ca = root / "out" / "clients", root / "out" / "certs" / "ca.crt"

    def login(user: str) -> TlsFiles:
        return TlsFiles(str(ca), str(clients / user / "client.crt"), str(clients / user / "client.key"))
    try:
        alice_cert = (clients / "alice" / "client.crt", clients / "alice" / "client.key")
        with ConfiguredMosquitto(root / "out" / "mosquitto.conf", port, ca, probe_login=alice_cert):
            config = load_config(root / "out" / "agents" / "kitchen.toml", env={}, bundle=str(bert_bundle),
                                 ca_file=str(ca), cert_file=str(clients / "kitchen" / "client.crt"),
                                 key_file=str(clients / "kitchen" / "client.key"), device="x86-64",
                                 telemetry_interval_s=0, state_dir=str(tmp_path / "state"))
            agent = Agent(config)
            agent.start(connect_timeout=10)
            try:
                url = f"mqtts://127.0.0.1:{port}"
                with EdgeClient(url, sender="alice", tls=login("alice")) as alice:
                    answered = alice.request("turn on the light", device="kitchen")
                with pytest.raises(MqttError, match="refused a subscription"):  # bob's CN, alice's answers
                    EdgeClient(url, sender="alice", tls=login("bob")).connect()
            finally:
                agent.stop()
            no_certificate = connack("127.0.0.1", port, ca_file=ca)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert answered["device_id"] == "kitchen"
    assert no_certificate is None  # the TLS handshake fails before any MQTT


def test_no_login_may_be_named_like_a_level_of_the_topics(tmp_path):
    """Client `reply` could write edgelm/+/request/reply, which is client `request`'s answer topic; every
    role's names, and group names, are checked against the topic layout's words."""
    for option, names in (("--clients", "reply,request"), ("--clients", "echo"), ("--monitor", "status"),
                          ("--devices", "kitchen@answers"), ("--operator", "deploy")):
        result = CliRunner().invoke(cli, ["broker", "config", "--ca-dir", str(tmp_path / "ca"), "-o",
                                          str(tmp_path / "out"), "--host", "127.0.0.1", option, names])
        assert result.exit_code != 0, (option, names)
        assert "topic layout" in result.output or "not one of" in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing written
