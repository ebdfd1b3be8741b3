"""Installed model versions under `state_dir/models/`:

    NAME/VERSION/            an installed bundle (extracted, verified)
    NAME/VERSION.partial/    a transfer still arriving (staging.py)
    current -> NAME/VERSION  what a (re)started agent loads; replaced atomically (symlink + rename)
    previous -> NAME/VERSION what a rollback returns to
    boot.json                start attempts of `current`: two without reaching `online` = crash loop
    rejected.json            versions that failed after a swap or crash-looped: never loaded at start
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from edge_agent.inference.bundle import MANIFEST, open_bundle
from edge_agent.ota.unpack import unpack
from edge_agent.ota.wire import DeployError, version_key

log = logging.getLogger(__name__)
CRASH_LOOP_STARTS = 2  # starts of one version that never reached `online` before it is given up


class ModelStore:
    def __init__(self, state_dir: Path):
        self.root = Path(state_dir).resolve() / "models"  # resolved: links compare by real path

    # -- installed versions ---------------------------------------------------------------------
    def install(self, archive: Path, name: str, version: str, limit_bytes: int) -> Path:
        """Extract a received archive to NAME/VERSION (replacing an earlier copy of the same version); only
        a bundle's files, at most `limit_bytes` of them (ota/unpack.py)."""
        target = self.root / name / version
        staging = self.root / name / f"{version}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            bundle = unpack(archive, staging, limit_bytes)
        except DeployError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if not (bundle / MANIFEST).is_file():
            shutil.rmtree(staging, ignore_errors=True)
            raise DeployError("the archive holds no manifest.json: not an EdgeLM bundle")
        if target.exists() and target != self._resolve("current") and target != self._resolve("previous"):
            shutil.rmtree(target)
        elif target.exists():
            shutil.rmtree(staging, ignore_errors=True)
            raise DeployError(f"{name} {version} is installed and in use")
        bundle.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        return target

    def remove(self, path: Path) -> None:
        if path.resolve() not in (self._resolve("current"), self._resolve("previous")):
            shutil.rmtree(path, ignore_errors=True)

    def current(self) -> Path | None:
        return self._resolve("current")

    def previous(self) -> Path | None:
        return self._resolve("previous")

    def _resolve(self, link: str) -> Path | None:
        path = self.root / link
        return path.resolve() if path.is_symlink() and path.resolve().is_dir() else None

    def _point(self, link: str, target: Path | None) -> None:
        if target is None:
            (self.root / link).unlink(missing_ok=True)
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{link}.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.path.relpath(target, self.root))
        os.replace(tmp, self.root / link)  # atomic: a crash leaves the old link or the new, never none

    def switch(self, target: Path, previous: Path | None) -> None:
        """`current` is now target, `previous` what served before it (the flashed bundle has no entry)."""
        self._point("previous", previous if previous is not None and previous.resolve().is_relative_to(self.root) else None)
        self._point("current", target)
        self.boot_done()

    def switch_back(self, before: Path) -> None:
        """After a rollback: `current` is what served before (none: the flashed bundle), no `previous`."""
        self._point("current", before if before.resolve().is_relative_to(self.root) else None)
        self._point("previous", None)
        self.boot_done()

    def prune(self, keep: int) -> list[Path]:
        """Remove installed versions beyond the newest `keep`, never current or previous."""
        protected = {self.current(), self.previous()}
        removed = []
        for name_dir in (d for d in self.root.iterdir() if d.is_dir()) if self.root.is_dir() else []:
            versions = sorted((d for d in name_dir.iterdir()
                               if d.is_dir() and not d.name.endswith((".partial", ".staging"))),
                              key=lambda d: version_key(d.name), reverse=True)
            for old in versions[keep:]:
                if old.resolve() not in protected:
                    shutil.rmtree(old, ignore_errors=True)
                    removed.append(old)
        return removed

    # -- rejected versions and the crash-loop guard --------------------------------------------
    def _read(self, name: str, default):
        try:
            return json.loads((self.root / name).read_text())
        except (OSError, ValueError):
            return default

    def _write(self, name: str, data) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.tmp"
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.root / name)

    def reject(self, path: Path, why: str) -> None:
        rejected = self._read("rejected.json", {})
        rejected[self._key(path)] = why
        self._write("rejected.json", rejected)

    def rejected(self, path: Path) -> str | None:
        return self._read("rejected.json", {}).get(self._key(path))

    def _key(self, path: Path) -> str:
        real = Path(path).resolve()
        return real.relative_to(self.root).as_posix() if real.is_relative_to(self.root) else str(real)

    def boot_attempt(self, path: Path) -> int:
        """Count one more start of `path`; returns how many started before without reaching `online`."""
        record = self._read("boot.json", {})
        before = record.get("attempts", 0) if record.get("bundle") == self._key(path) else 0
        self._write("boot.json", {"bundle": self._key(path), "attempts": before + 1})
        return before

    def boot_done(self) -> None:
        (self.root / "boot.json").unlink(missing_ok=True)

    # -- what a starting agent loads --------------------------------------------------------------
    def start_bundle(self, flashed: Path) -> tuple[Path, str | None]:
        """The bundle to load at start and, where it falls back, why. `current` unless it is older than
        the flashed bundle (a re-flash wins), rejected, or it crash-looped; then previous, then flashed."""
        current = self.current()
        if current is None:
            return flashed, None
        if _version(flashed) is not None and _version(current) is not None \
                and version_key(_version(flashed) or "") > version_key(_version(current) or ""):
            return flashed, None
        why = self.rejected(current)
        if why is None and self.boot_attempt(current) >= CRASH_LOOP_STARTS:
            why = f"{self._key(current)} failed to start {CRASH_LOOP_STARTS} times (crash loop)"
            self.reject(current, why)
        if why is None:
            return current, None
        fallback = self.previous()
        if fallback is None or self.rejected(fallback):
            fallback = flashed
        log.error("not loading %s: %s; loading %s", current, why, fallback)
        self._point("current", fallback if fallback.resolve().is_relative_to(self.root) else None)
        self._point("previous", None)
        self.boot_done()
        return fallback, why


def _version(path: Path) -> str | None:
    try:
        return open_bundle(path, check_files=False).manifest.version
    except Exception:  # an unreadable bundle: the load that follows says why
        return None
