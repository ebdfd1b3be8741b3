"""Test-side helpers for over-the-air deploys: bundle variants (new versions, tampered, re-signed) and a
deploy through the real `edgelm deploy` library against a running agent."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from edge_agent.inference.bundle import MANIFEST, Manifest, write_manifest
from edge_agent.transport.mqtt import Connection, TlsFiles
from edge_agent.transport.session import BrokerUrl
from edgelm import deploy as lib


def variant(src: Path, dst: Path, version: str, key: Path | None,
            change: Callable[[Manifest, Path], None] | None = None) -> Path:
    """A copy of bundle `src` as `version`, hashed and (with key) signed again after `change`."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    manifest = Manifest.from_dict(json.loads((dst / MANIFEST).read_text()))
    manifest.version = version
    if change is not None:
        change(manifest, dst)
    write_manifest(dst, manifest, sign_key=key)
    return dst


def deploy(url: str, bundle: Path, device: str | None = None, group: str | None = None, wait: bool = False,
           ca_file: str | None = None, **job_options) -> dict[str, lib.Result]:
    """What `edgelm deploy` does, returning each device's result instead of printing it."""
    conn = Connection(BrokerUrl.from_url(url), "test-deployer", tls=TlsFiles(ca_file))
    conn.connect()
    try:
        archive, manifest = lib.pack(bundle, verify=False)  # the agent, not the sender, must catch tampering
        targets = [m for m in lib.members(conn, "edgelm", group=group, device=device) if m.online]
        if not targets:
            raise lib.DeployError(f"no online agent for device={device} group={group}")
        job = lib.Deployment(conn, "edgelm", archive, manifest, targets, group=group, **job_options)
        return job.run(60.0, wait, lambda result: None)
    finally:
        conn.disconnect()
