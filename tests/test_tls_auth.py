"""mqtts:// with a CA, username/password, against a real Mosquitto TLS listener with a password file."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mqtt_helpers import running_agent

from edge_agent.client import EdgeClient
from edge_agent.mqtt import MqttError
from edgelm.broker import Mosquitto, free_port


def _cert(subject: str, issuer_key, issuer_name, key, ca: bool):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tls")
    ca_key, srv_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("edgelm test CA", ca_key, None, ca_key, ca=True)
    srv = _cert("127.0.0.1", ca_key, ca.subject, srv_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp / "ca.pem").write_bytes(ca.public_bytes(pem))
    broker = Mosquitto(per_listener_settings=True)
    (broker.dir / "ca.pem").write_bytes(ca.public_bytes(pem))
    (broker.dir / "server.pem").write_bytes(srv.public_bytes(pem))
    (broker.dir / "server.key").write_bytes(srv_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                                  serialization.NoEncryption()))
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(broker.dir / "passwd"), "board", "s3cret"], check=True)
    tls_port = free_port()
    broker.extra_config = (f"listener {tls_port} 127.0.0.1\nallow_anonymous false\n"
                           f"password_file {broker.dir}/passwd\ncafile {broker.dir}/ca.pem\n"
                           f"certfile {broker.dir}/server.pem\nkeyfile {broker.dir}/server.key\n")
    with broker:
        broker.tls_url = f"mqtts://board:s3cret@127.0.0.1:{tls_port}"
        broker.tls_port = tls_port
        broker.ca_file = str(tmp / "ca.pem")
        yield broker


def test_agent_and_client_over_tls_with_password(bert_bundle, tls_broker, device_id):
    class Url:
        url = tls_broker.tls_url

    with running_agent(bert_bundle, Url, device_id, ca_file=tls_broker.ca_file), \
            EdgeClient(tls_broker.tls_url, ca_file=tls_broker.ca_file) as client:
        answer = client.request("turn on the porch light", device=device_id)
    assert answer["intent"]["name"].startswith("Hass")


def test_wrong_password_and_plain_tcp_are_refused(tls_broker):
    wrong = f"mqtts://board:nope@127.0.0.1:{tls_broker.tls_port}"
    with pytest.raises(MqttError, match="no connection"):
        EdgeClient(wrong, ca_file=tls_broker.ca_file).connect(timeout=2)
    with pytest.raises(MqttError):  # no CA given: the server certificate is not trusted
        EdgeClient(f"mqtts://board:s3cret@127.0.0.1:{tls_broker.tls_port}").connect(timeout=2)
