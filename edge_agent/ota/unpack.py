"""What a received archive may unpack to: a bundle, and nothing else. Its headers are read before anything
is written: only folders and regular files, one top folder (or none), manifest.json, manifest.sig and the
files the manifest lists, their sizes together within what the begin announced (its `model_bytes`, plus
room for the manifest and signature) and within the free disk. A 3 GiB file beside a signed bundle is
refused here, before it reaches the disk."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from edge_agent.inference.bundle import MANIFEST, SIGNATURE
from edge_agent.ota.checks import DISK_MARGIN_BYTES
from edge_agent.ota.wire import DeployError

MAX_MEMBERS = 256
MANIFEST_MAX_BYTES = 1 << 20
MANIFEST_ROOM_BYTES = 2 << 20  # manifest.json and manifest.sig beside the model_bytes a begin announces


def _read_headers(tar: tarfile.TarFile, limit_bytes: int) -> list[tarfile.TarInfo]:
    """Every member's header; stops at the first one past a limit (the rest is never decompressed)."""
    members: list[tarfile.TarInfo] = []
    total = 0
    while (member := tar.next()) is not None:
        members.append(member)
        if len(members) > MAX_MEMBERS:
            raise DeployError(f"the archive holds over {MAX_MEMBERS} entries: not a bundle")
        if not (member.isfile() or member.isdir()):
            raise DeployError(f"{member.name}: a bundle holds only files and folders")
        total += member.size
        if total > limit_bytes:
            raise DeployError(f"the archive unpacks to more than {limit_bytes} bytes, more than its begin "
                              "announced (model_bytes)")
    return members


def _top(members: list[tarfile.TarInfo]) -> str:
    """The one folder everything is in, or "" when the files are at the archive's root."""
    firsts = {PurePosixPath(m.name).parts[0] for m in members if PurePosixPath(m.name).parts}
    if len(firsts) == 1:
        only = firsts.pop()
        if all(m.name != only or m.isdir() for m in members):
            return only
    return ""


def _listed(tar: tarfile.TarFile, member: tarfile.TarInfo) -> set[str]:
    if member.size > MANIFEST_MAX_BYTES:
        raise DeployError(f"{MANIFEST} is over {MANIFEST_MAX_BYTES} bytes")
    source = tar.extractfile(member)
    try:
        files = json.loads(source.read() if source else b"").get("files")
    except (ValueError, AttributeError) as exc:
        raise DeployError(f"{MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(files, dict):
        raise DeployError(f"{MANIFEST} lists no files")
    return set(files)


def checked_members(tar: tarfile.TarFile, limit_bytes: int) -> list[tarfile.TarInfo]:
    """The members to extract; DeployError naming the first thing that is not a bundle's."""
    members = _read_headers(tar, limit_bytes)
    top = _top(members)
    relative = {m.name: str(PurePosixPath(m.name).relative_to(top)) if top else m.name for m in members}
    manifests = [m for m in members if m.isfile() and relative[m.name] == MANIFEST]
    if not manifests:
        raise DeployError("the archive holds no manifest.json: not an EdgeLM bundle")
    allowed = {MANIFEST, SIGNATURE, *_listed(tar, manifests[0])}
    unlisted = sorted(relative[m.name] for m in members if m.isfile() and relative[m.name] not in allowed)
    if unlisted:
        raise DeployError(f"{', '.join(unlisted[:5])}: in the archive but not in the manifest's files")
    return members


def unpack(archive: Path, into: Path, limit_bytes: int) -> Path:
    """Extract a checked archive into `into`; returns the bundle folder in it."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = checked_members(tar, limit_bytes)
            needed = sum(m.size for m in members) + DISK_MARGIN_BYTES
            free = shutil.disk_usage(into).free
            if free < needed:  # on the real sizes, not only the begin's announcement
                raise DeployError(f"not enough disk: {needed >> 20} MB needed under {into}, {free >> 20} MB free")
            tar.extractall(into, members=members, filter="data")  # no absolute paths, links out, devices
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DeployError(f"the archive cannot be unpacked: {exc}") from exc
    inner = list(into.iterdir())
    return inner[0] if len(inner) == 1 and inner[0].is_dir() else into
