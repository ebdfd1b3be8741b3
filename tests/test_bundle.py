import json
import shutil

import pytest
from click.testing import CliRunner

from edge_agent.inference.bundle import BundleError, Manifest, open_bundle, pack_bundle
from edge_agent.inference.model import load_model
from edgelm.cli import cli


@pytest.fixture
def bundle_copy(bert_bundle, tmp_path):
    return shutil.copytree(bert_bundle, tmp_path / "b")


def test_manifest_round_trip(bert_bundle):
    data = json.loads((bert_bundle / "manifest.json").read_text())
    manifest = Manifest.from_dict(data)
    assert Manifest.from_dict(json.loads(manifest.to_bytes())) == manifest


def test_manifest_rejects_newer_format_and_bad_task(bert_bundle):
    data = json.loads((bert_bundle / "manifest.json").read_text())
    with pytest.raises(BundleError, match="newer"):
        Manifest.from_dict({**data, "format_version": 99})
    with pytest.raises(BundleError, match="task"):
        Manifest.from_dict({**data, "task": "translate"})
    with pytest.raises(BundleError, match="lacks required fields: task"):
        Manifest.from_dict({k: v for k, v in data.items() if k != "task"})


def test_tampered_file_detected_by_open_and_inspect(bundle_copy):
    model = bundle_copy / "model.onnx"
    raw = bytearray(model.read_bytes())
    raw[-10] ^= 0xFF
    model.write_bytes(bytes(raw))
    with pytest.raises(BundleError, match="model.onnx: sha256 mismatch"):
        open_bundle(bundle_copy)
    result = CliRunner().invoke(cli, ["inspect", str(bundle_copy)])
    assert result.exit_code == 1
    assert "TAMPERED" in result.output


def test_missing_file_detected(bundle_copy):
    (bundle_copy / "tokenizer.json").unlink()
    with pytest.raises(BundleError, match="tokenizer.json: missing"):
        open_bundle(bundle_copy)


def test_signature_required_and_checked(bundle_copy, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["keys", "generate", "-o", str(tmp_path / "keys")]).exit_code == 0
    assert runner.invoke(cli, ["keys", "generate", "-o", str(tmp_path / "other")]).exit_code == 0
    pub, key = tmp_path / "keys/edgelm.pub", tmp_path / "keys/edgelm.key"
    with pytest.raises(BundleError, match="manifest.sig: missing"):
        open_bundle(bundle_copy, trust_key=pub)
    assert runner.invoke(cli, ["sign", str(bundle_copy), "--key", str(key)]).exit_code == 0
    assert open_bundle(bundle_copy, trust_key=pub).signed
    with pytest.raises(BundleError, match="signature does not match"):
        open_bundle(bundle_copy, trust_key=tmp_path / "other/edgelm.pub")
    inspected = runner.invoke(cli, ["inspect", str(bundle_copy), "--key", str(pub)])
    assert inspected.exit_code == 0
    assert "signed, valid" in inspected.output
    # editing the manifest (say, a label) breaks the signature
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    manifest["labels"][0] = "HassUnlockEverything"
    (bundle_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="signature"):
        open_bundle(bundle_copy, trust_key=pub)


def test_tar_gz_bundle_loads(bert_bundle, tmp_path):
    archive = pack_bundle(bert_bundle, tmp_path / "model.tar.gz")
    model = load_model(archive)
    assert model.manifest.name == "bert-tiny"


def test_golden_mismatch_refused(bundle_copy):
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    first = manifest["golden"][0]
    first["expected"] = next(label for label in manifest["labels"] if label != first["expected"])
    (bundle_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="golden smoke test failed"):
        load_model(bundle_copy)


def test_cli_bench_runs_side_by_side(bert_bundle, bert_dir):
    result = CliRunner().invoke(cli, ["bench", str(bert_bundle), "--baseline", str(bert_dir), "--seqs", "16",
                                      "--batches", "1", "--runs", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"onnxruntime dynamic-int8", "PyTorch fp32"}
    for entry in data.values():
        assert entry["p50_ms"]["16x1"] > 0
        assert entry["peak_rss_mb"] > 20


@pytest.mark.integration  # its bundles come through request.getfixturevalue
@pytest.mark.parametrize("task", ["classification", "generation"])
def test_cli_bench_puts_litert_beside_onnx(task, request):
    pair = ("bert_tflite_bundle", "bert_bundle") if task == "classification" else ("gpt2_tflite_bundle", "gpt2_bundle")
    lite, onnx = (request.getfixturevalue(name) for name in pair)
    result = CliRunner().invoke(cli, ["bench", str(lite), "--compare", str(onnx), "--seqs", "16", "--batches", "1",
                                      "--runs", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [name.split()[0] for name in data] == ["litert", "onnxruntime"]
    for entry in data.values():
        assert all(v > 0 for v in entry["p50_ms"].values())
        assert entry["peak_rss_mb"] > 20
        assert task == "classification" or entry["tokens_per_s"] > 0


def test_cli_bench_refuses_to_compare_different_tasks(bert_bundle, gpt2_bundle):
    result = CliRunner().invoke(cli, ["bench", str(bert_bundle), "--compare", str(gpt2_bundle)])
    assert result.exit_code != 0
    assert "same task" in result.output
