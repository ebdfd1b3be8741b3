"""Units of the over-the-air path, no broker: the deploy messages, versions, the model store's links,
pruning, the crash-loop guard, and the archive the deploy command packs."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import jsonschema
import pytest

from edge_agent.inference.bundle import Manifest, write_manifest
from edge_agent.ota import wire
from edge_agent.ota.store import CRASH_LOOP_STARTS, ModelStore
from edge_agent.ota.wire import Begin, ChunkHeader, Commit, DeployError, DeployStatus, State
from edge_agent.protocol.messages import load_schema
from edgelm.deploy import pack

pytestmark = pytest.mark.unit
SHA = "ab" * 32


LIMIT = 1 << 20  # the unpacked bytes a begin announced (plus room for the manifest)


def fake_bundle(path: Path, version: str, name: str = "m") -> Path:
    path.mkdir(parents=True)
    (path / "model.onnx").write_bytes(b"not a model")
    (path / "tokenizer.json").write_text("{}")
    write_manifest(path, Manifest(name=name, version=version, task="intent", family="bert", runtime="onnxruntime",
                                  model_file="model.onnx", device="x86-64", max_seq_len=16))
    return path


def archive_of(bundle: Path, tmp: Path) -> Path:
    out = tmp / f"{bundle.name}.tar.gz"
    out.write_bytes(pack(bundle)[0])
    return out


@pytest.mark.parametrize("message", [
    Begin("d1", "home-intents", "1.2.0", "onnxruntime", "rpi5", 100, SHA, 40, 3, 500, True, "ZGVz", "c2ln"),
    ChunkHeader("d1", 2, SHA),
    Commit("d1"),
])
def test_deploy_messages_round_trip(message):
    decoded, data = wire.decode(wire.encode(message, b"\n\x00raw"))
    assert decoded == message
    assert data == b"\n\x00raw"  # everything after the first newline, newlines included


@pytest.mark.parametrize("payload", [
    b"", b"\xff\n", b"[]\n", b'{"v":2,"type":"commit","deploy_id":"x"}\n', b'{"v":1,"type":"drop"}\n',
    b'{"v":1,"type":"chunk","deploy_id":"x","index":"1","sha256":"' + SHA.encode() + b'"}\n',
    b'{"v":1,"type":"chunk","deploy_id":"x","index":true,"sha256":"a"}\n',
    b'{"v":1,"type":"begin","deploy_id":"x"}\n',
    wire.encode(Commit("x")).replace(b'"x"', b'"../x"'),
])
def test_bad_deploy_messages_are_refused(payload):
    with pytest.raises(DeployError):
        wire.decode(payload)


def test_a_begin_must_add_up():
    with pytest.raises(DeployError, match="cannot hold"):
        Begin("d", "m", "1", "onnxruntime", "x86-64", 100, SHA, 40, 2, 1)
    with pytest.raises(DeployError, match="must be 1-128"):
        Begin("d", "m", "1/../2", "onnxruntime", "x86-64", 100, SHA, 40, 3, 1)


def test_versions_compare_as_numbers():
    ordered = ["0.9", "1.2.0-rc1", "1.2.0", "1.9.2", "1.10.0", "2"]
    assert sorted(reversed(ordered), key=wire.version_key) == ordered
    assert wire.is_newer("1.10.0", "1.9.2")
    assert not wire.is_newer("1.0.0", "1.0.0")


def test_status_round_trips_and_matches_its_schema():
    status = DeployStatus("kitchen", State.MISSING, "d1", "2.0.0", {"name": "m", "version": "1"}, received=3,
                          chunks=9, acked=12, missing=wire.ranges([0, 1, 2, 7]), ts=1.5)
    assert status.missing == [[0, 2], [7, 7]]
    jsonschema.validate(status.to_dict(), load_schema("deploy_status"))
    assert DeployStatus.from_dict(json.loads(json.dumps(status.to_dict()))) == status


def test_pack_is_the_same_bytes_every_time(tmp_path):
    bundle = fake_bundle(tmp_path / "b", "1.0.0")
    first = pack(bundle)[0]
    (bundle / "model.onnx").touch()  # a new mtime changes nothing
    assert pack(bundle)[0] == first


def test_store_switches_keeps_previous_and_prunes(tmp_path):
    store = ModelStore(tmp_path / "state")
    installed = []
    for version in ("1.0.0", "1.1.0", "1.2.0", "1.10.0"):
        path = store.install(archive_of(fake_bundle(tmp_path / version, version), tmp_path), "m", version, LIMIT)
        store.switch(path, installed[-1] if installed else None)
        installed.append(path)
    removed = store.prune(keep=2)
    assert store.current() == installed[-1].resolve()
    assert store.previous() == installed[-2].resolve()
    assert sorted(p.name for p in removed) == ["1.0.0", "1.1.0"]
    assert (store.root / "current").is_symlink()


def test_an_archive_escaping_its_directory_is_refused(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../outside")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(DeployError, match="not an EdgeLM bundle"):  # refused from its headers alone
        ModelStore(tmp_path / "state").install(evil, "m", "1.0.0", LIMIT)
    assert not (tmp_path / "outside").exists()


def test_an_archive_holds_only_the_manifests_files_within_the_announced_size(tmp_path):
    """A file the manifest does not list (the signature covers only the listed ones) is refused before
    anything is unpacked, and so is an archive that unpacks to more than its begin announced."""
    store = ModelStore(tmp_path / "state")
    extra = fake_bundle(tmp_path / "extra", "2.0.0")
    (extra / "zeros.bin").write_bytes(bytes(4096))
    with pytest.raises(DeployError, match="zeros.bin: in the archive but not in the manifest's files"):
        store.install(archive_of(extra, tmp_path), "m", "2.0.0", LIMIT)
    big = fake_bundle(tmp_path / "big", "3.0.0")
    (big / "model.onnx").write_bytes(bytes(3 << 20))  # listed (and hashed) but 3 MB
    write_manifest(big, Manifest(name="m", version="3.0.0", task="intent", family="bert", runtime="onnxruntime",
                                 model_file="model.onnx", device="x86-64", max_seq_len=16))
    with pytest.raises(DeployError, match="unpacks to more than 1048576 bytes"):
        store.install(archive_of(big, tmp_path), "m", "3.0.0", LIMIT)
    assert [p.name for p in (store.root / "m").iterdir()] == []  # no staging left, nothing unpacked


def test_start_prefers_current_unless_the_flash_is_newer_or_it_crash_loops(tmp_path):
    store = ModelStore(tmp_path / "state")
    flashed = fake_bundle(tmp_path / "flashed", "1.0.0")
    v2 = store.install(archive_of(fake_bundle(tmp_path / "2", "2.0.0"), tmp_path), "m", "2.0.0", LIMIT)
    v3 = store.install(archive_of(fake_bundle(tmp_path / "3", "3.0.0"), tmp_path), "m", "3.0.0", LIMIT)
    store.switch(v2, flashed)
    store.switch(v3, v2)
    starts = [store.start_bundle(flashed) for _ in range(CRASH_LOOP_STARTS + 1)]  # never reaching online
    assert [path for path, _ in starts] == [v3.resolve()] * CRASH_LOOP_STARTS + [v2.resolve()]
    assert "crash loop" in (starts[-1][1] or "")
    assert store.rejected(v3)
    assert store.current() == v2.resolve()
    newer_flash = fake_bundle(tmp_path / "flashed-9", "9.0.0")
    assert store.start_bundle(newer_flash) == (newer_flash, None)


def test_one_deploy_error_for_sender_and_agent():
    from edgelm import deploy

    assert deploy.DeployError is DeployError


def test_the_credit_window_is_one_rule_for_sender_and_agent():
    from edge_agent.ota import phases, wire
    from edgelm import deploy

    assert deploy.CREDIT is wire.CREDIT
    assert phases.CREDIT_STEP is wire.CREDIT_STEP
    assert 0 < wire.CREDIT_STEP < wire.CREDIT  # a step at or past the credit stalls every window
