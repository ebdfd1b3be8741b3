"""`edgelm ask` reads the target's retained status before it sends anything, names a broker it cannot
reach, and prints slots on its one line."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from mqtt_helpers import Listener

from edge_agent.transport.mqtt import Connection, MqttError
from edge_agent.transport.session import BrokerUrl
from edgelm.agent_process import start_agent_process
from edgelm.cli import cli
from edgelm.demo_broker import Mosquitto
from edgelm.retained import read_retained


def ask(broker, *args: str):
    return CliRunner().invoke(cli, ["ask", "turn on the kitchen light", "--broker", broker.url, *args])


def requests_seen(listener: Listener, device: str) -> list[str]:
    """Everything that reached the request topics: a marker published after the command ended arrives after
    anything the command sent (the broker forwards in the order it received)."""
    listener.publish(f"edgelm/{device}/request/marker", b"end")
    seen = []
    while True:
        msg = listener.get(5)
        if msg.topic.endswith("/marker"):
            return seen
        seen.append(msg.topic)


def retain_status(listener: Listener, device: str, **status) -> None:
    listener.publish(f"edgelm/{device}/status", json.dumps({"v": 1, "device_id": device, **status}), retain=True)


def test_offline_device_is_refused_without_a_request(broker, device_id):
    listener = Listener(broker).subscribe(f"edgelm/{device_id}/request/#").subscribe("edgelm/group/+/request/#")
    try:
        retain_status(listener, device_id, state="offline", ts=time.time() - 60, group="house")
        offline = ask(broker, "--device", device_id)
        assert offline.exit_code == 1
        assert f"device {device_id} is offline since " in offline.output
        nobody = ask(broker, "--device", f"{device_id}-x")
        assert nobody.exit_code == 1
        assert "no such device" in nobody.output
        group = ask(broker, "--group", "house")
        assert group.exit_code == 1
        assert f"no member of group house is online ({device_id} offline since" in group.output
        assert "no such group" in ask(broker, "--group", "nowhere").output
        assert requests_seen(listener, device_id) == []
    finally:
        listener.close()


def test_online_agent_answers_with_slots_on_one_line(broker, device_id):
    agent, _ = start_agent_process(None, broker.url, device_id)  # the shipped home model (slots)
    try:
        plain = ask(broker, "--device", device_id)
        assert plain.exit_code == 0, plain.output
        line, = plain.output.strip().splitlines()
        assert line.startswith("HassTurnOn (")
        assert "area=kitchen" in line
        assert line.endswith(" ms")
        skipped = ask(broker, "--device", device_id, "--no-status-check", "--json")
        assert json.loads(skipped.output)["intent"]["name"] == "HassTurnOn"
    finally:
        agent.terminate()
        agent.wait(15)
    after = ask(broker, "--device", device_id)  # its clean stop left a retained `offline`
    assert after.exit_code == 1
    assert "is offline since" in after.output


def test_unreachable_and_unresolvable_brokers_are_named():
    runner = CliRunner()
    unknown = runner.invoke(cli, ["ask", "hi", "--device", "a", "--broker", "mqtt://no-such-host.invalid:1883"])
    assert unknown.exit_code == 1
    assert "cannot resolve broker host 'no-such-host.invalid'" in unknown.output
    refused = runner.invoke(cli, ["ask", "hi", "--device", "a", "--broker", "mqtt://127.0.0.1:9", "--timeout", "0.5"])
    assert refused.exit_code == 1
    assert "no connection to broker 127.0.0.1:9 within 0.5s" in refused.output


def test_read_retained_ends_after_every_retained_message(broker):
    listener = Listener(broker)
    for i in range(300):  # more than the broker's in-flight window: all must come before the echo
        listener.publish(f"edgelm/many-{i}/status", json.dumps({"state": "online", "i": i}), retain=True)
    listener.publish("edgelm/many-7/status", b"", retain=True)  # cleared: not there
    listener.close()
    conn = Connection(BrokerUrl.from_url(broker.url), "t-retained")
    conn.connect()
    try:
        found = read_retained(conn, ["edgelm/+/status"])
    finally:
        conn.disconnect()
        cleaner = Listener(broker)  # the broker is the session's: later status readers must not see these
        for i in range(300):
            cleaner.publish(f"edgelm/many-{i}/status", b"", retain=True)
        cleaner.close()
    mine = {t for t in found if t.startswith("edgelm/many-")}
    assert len(mine) == 299
    assert "edgelm/many-7/status" not in found


def test_read_retained_without_an_echo_raises():
    """A broker whose ACL drops the echo (read-only login): an error that says so, not an empty answer."""
    broker = Mosquitto()  # the ACL file goes into its directory before it starts
    broker.extra_config = f"acl_file {broker.dir}/acl"
    (broker.dir / "acl").write_text("topic read edgelm/#\n")
    with broker:
        conn = Connection(BrokerUrl.from_url(broker.url), "t-no-echo")
        conn.connect()
        try:
            with pytest.raises(MqttError, match="did not echo"):
                read_retained(conn, ["edgelm/+/status"], timeout=0.5)
        finally:
            conn.disconnect()


def test_the_echo_user_of_a_certificate_login_is_its_common_name(tmp_path):
    """Under `use_identity_as_username` the broker knows a certificate login by its CN, so the echo topic
    (and its ACL line) is the CN's; a username wins; neither: the client id."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from edge_agent.transport.mqtt import TlsFiles
    from edgelm.retained import login

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "site-operator")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "op.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "op.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    tls = TlsFiles(None, str(tmp_path / "op.crt"), str(tmp_path / "op.key"))
    assert login(Connection(BrokerUrl.from_url("mqtts://h"), "cli-1", tls=tls)) == "site-operator"
    assert login(Connection(BrokerUrl.from_url("mqtts://bob:pw@h"), "cli-1", tls=tls)) == "bob"
    assert login(Connection(BrokerUrl.from_url("mqtt://h"), "cli-1")) == "cli-1"
