"""What a deploy must pass before anything is received, and again on the real manifest before the swap:
a newer version (or a signed descriptor for an older one), a board it was built for, a runtime the board
runs, the model memory budget, and the disk."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import devices
from edge_agent.inference.bundle import Manifest
from edge_agent.ota import wire
from edge_agent.ota.descriptor import check_descriptor
from edge_agent.ota.port import DeploySettings
from edge_agent.ota.wire import Begin, DeployError

log = logging.getLogger(__name__)
DISK_MARGIN_BYTES = 16 << 20


def version(begin: Begin, name: str, version: str, running: Manifest, settings: DeploySettings) -> None:
    if wire.is_newer(version, running.version):
        return
    if settings.allow_downgrade and version != running.version:
        log.warning("deploy %s: %s %s replaces newer %s (allow_downgrade)", begin.deploy_id, name, version,
                    running.version)
        return
    try:
        check_descriptor(begin, settings.device_id, settings.group, settings.trust_key)
    except DeployError as exc:
        raise DeployError(f"{name} {version} is not newer than the running {running.name} {running.version} "
                          f"({exc})") from exc


def fit(device: str, runtime: str, size: int, settings: DeploySettings) -> None:
    profile = settings.profile
    try:
        target = devices.get_profile(device)
    except devices.UnknownDeviceError as exc:
        raise DeployError(f"the bundle is for an unknown board {device!r}") from exc
    if target.arch != profile.arch:
        raise DeployError(f"the bundle is built for {target.name} ({target.arch}); this board is "
                          f"{profile.name} ({profile.arch})")
    if runtime not in profile.runtimes:
        raise DeployError(f"runtime {runtime} is not one {profile.name} runs ({', '.join(profile.runtimes)})")
    if size > settings.budget_bytes():
        raise DeployError(f"the model is {size / 2**20:.1f} MB; this board's model memory budget is "
                          f"{settings.budget_bytes() >> 20} MB")


def disk(begin: Begin, root: Path) -> None:
    here = root
    while not here.exists():
        here = here.parent
    free = shutil.disk_usage(here).free
    needed = begin.size + begin.model_bytes + DISK_MARGIN_BYTES
    if free < needed:
        raise DeployError(f"not enough disk: {needed >> 20} MB needed under {here}, {free >> 20} MB free")
