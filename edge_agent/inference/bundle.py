"""The bundle: a directory (or .tar.gz) with manifest.json, the model, tokenizer.json and a signature.

The converter writes bundles through :func:`write_manifest`; the agent opens them through
:func:`open_bundle`, which checks every file hash and, given a trust key, the signature.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from dataclasses import MISSING, asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


class Task(str, Enum):
    """What a bundle's model does; the converter's registry and the agent both use this list."""

    INTENT = "intent"
    INTENT_SLOTS = "intent-slots"
    TEXT_CLASSIFICATION = "text-classification"
    TEXT_GENERATION = "text-generation"


TASKS = tuple(t.value for t in Task)
FAMILIES = ("bert", "mobilebert", "gpt2")
RUNTIMES = ("onnxruntime", "litert")


class BundleError(Exception):
    """A bundle that cannot be used; the message says which file or field and why."""


@dataclass
class Manifest:
    name: str
    version: str
    task: str
    family: str
    runtime: str
    model_file: str
    device: str
    max_seq_len: int
    tokenizer_file: str = "tokenizer.json"
    format_version: int = FORMAT_VERSION
    labels: list[str] = field(default_factory=list)
    slot_labels: list[str] = field(default_factory=list)
    slot_values: dict[str, dict[str, Any]] = field(default_factory=dict)  # said text -> value, per slot
    thresholds: dict[str, float] = field(default_factory=dict)
    graphs: dict[str, dict] = field(default_factory=dict)
    quantization: dict[str, Any] = field(default_factory=dict)
    pruning: dict[str, Any] = field(default_factory=dict)
    io: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    golden: list[dict[str, Any]] = field(default_factory=list)
    generation: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    converter_version: str = ""
    languages: list[str] = field(default_factory=list)  # what an intent model was trained on ("en", "es")
    provenance: dict[str, Any] = field(default_factory=dict)  # the recipe and package versions that built it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if not isinstance(data, dict):
            raise BundleError("manifest.json is not a JSON object")
        known = cls.__dataclass_fields__
        required = [n for n, f in known.items() if f.default is MISSING and f.default_factory is MISSING]
        missing = [n for n in required if n not in data]
        if missing:
            raise BundleError(f"manifest.json lacks required fields: {', '.join(missing)}")
        if data.get("format_version", FORMAT_VERSION) > FORMAT_VERSION:
            raise BundleError(
                f"bundle format_version {data['format_version']} is newer than this agent "
                f"understands ({FORMAT_VERSION}); upgrade edgelm"
            )
        manifest = cls(**{k: v for k, v in data.items() if k in known})
        for name, allowed in (("task", TASKS), ("family", FAMILIES), ("runtime", RUNTIMES)):
            if getattr(manifest, name) not in allowed:
                raise BundleError(f"manifest {name} {getattr(manifest, name)!r} is not one of {allowed}")
        return manifest

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n").encode()



def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def write_manifest(bundle_dir: Path, manifest: Manifest, sign_key: Path | None = None) -> Path:
    """Hash every payload file into the manifest, write it, and sign it when a key is given."""
    bundle_dir = Path(bundle_dir)
    manifest.files = {
        p.relative_to(bundle_dir).as_posix(): sha256_file(p)
        for p in sorted(bundle_dir.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE)
    }
    manifest.metrics.setdefault("size_bytes", sum((bundle_dir / f).stat().st_size for f in manifest.files))
    if not manifest.created_at:
        manifest.created_at = now_iso()
    path = bundle_dir / MANIFEST
    path.write_bytes(manifest.to_bytes())
    (bundle_dir / SIGNATURE).unlink(missing_ok=True)
    if sign_key is not None:
        sign_bundle(bundle_dir, sign_key)
    return path


def sign_bundle(bundle_dir: Path, key_path: Path) -> Path:
    # cryptography costs ~7 MB of RSS: it is loaded only where a signature is made or checked
    from edge_agent.inference import signing

    data = (Path(bundle_dir) / MANIFEST).read_bytes()
    sig = Path(bundle_dir) / SIGNATURE
    sig.write_bytes(signing.sign_bytes(data, key_path))
    return sig


@dataclass
class Bundle:
    path: Path
    manifest: Manifest
    signed: bool
    _tmp: Any = None  # keeps an extracted .tar.gz alive

    @property
    def model_path(self) -> Path:
        return self.path / self.manifest.model_file

    @property
    def tokenizer_path(self) -> Path:
        return self.path / self.manifest.tokenizer_file


def _extract(archive: Path) -> tempfile.TemporaryDirectory:
    tmp = tempfile.TemporaryDirectory(prefix="edgelm-bundle-")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp.name, filter="data")
    except (tarfile.TarError, OSError) as exc:
        tmp.cleanup()
        raise BundleError(f"cannot extract {archive}: {exc}") from exc
    return tmp


def verify_files(bundle_dir: Path, manifest: Manifest) -> list[str]:
    """Every problem with the payload files: missing, modified, or present but unlisted."""
    problems = []
    for name, expected in sorted(manifest.files.items()):
        path = bundle_dir / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_file(path) != expected:
            problems.append(f"{name}: sha256 mismatch (file was modified)")
    for needed in {manifest.model_file, manifest.tokenizer_file}:
        if needed not in manifest.files:
            problems.append(f"{needed}: not listed in manifest files")
    return problems


def open_bundle(path: str | Path, trust_key: Path | None = None, check_files: bool = True) -> Bundle:
    """Open and check a bundle; raise :class:`BundleError` naming every problem found."""
    path = Path(path)
    tmp = None
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        tmp = _extract(path)
        inner = [p for p in Path(tmp.name).iterdir()]
        path = inner[0] if len(inner) == 1 and inner[0].is_dir() else Path(tmp.name)
    if not path.is_dir():
        raise BundleError(f"bundle {path} does not exist or is not a directory/.tar.gz")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{path} has no {MANIFEST}: not an EdgeLM bundle")
    raw = manifest_path.read_bytes()
    try:
        manifest = Manifest.from_dict(json.loads(raw))
    except (json.JSONDecodeError, TypeError) as exc:
        raise BundleError(f"{MANIFEST} is not valid: {exc}") from exc
    signature = path / SIGNATURE
    problems = verify_files(path, manifest) if check_files else []
    if trust_key is not None:
        if not signature.is_file():
            problems.append(f"{SIGNATURE}: missing, but the agent requires signed bundles")
        else:
            from edge_agent.inference import signing

            try:
                signing.verify_bytes(raw, signature.read_bytes(), trust_key)
            except signing.SignatureError as exc:
                problems.append(f"{SIGNATURE}: {exc}")
    if problems:
        raise BundleError(f"bundle {path} failed verification: " + "; ".join(problems))
    return Bundle(path=path, manifest=manifest, signed=signature.is_file(), _tmp=tmp)


def pack_bundle(bundle_dir: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(bundle_dir, arcname=Path(bundle_dir).name)
    return archive
