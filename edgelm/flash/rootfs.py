"""Flash onto a mounted root filesystem: check everything first (target, bundle, wheels), then write.
Every file and link is an Action, so `--dry-run` lists exactly what a real run writes."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import edge_agent
from devices import DeviceProfile
from edge_agent.inference.bundle import Bundle, BundleError, open_bundle
from edgelm.flash import FlashError, units, wheelhouse
from edgelm.flash.agent_config import agent_toml
from edgelm.flash.target import check_against, read_rootfs

MODELS = f"{units.STATE}/models"


@dataclass
class FlashOptions:
    bundle: Path
    profile: DeviceProfile
    broker: str
    device_id: str
    group: str | None = None
    config_file: Path | None = None
    trust_key: Path | None = None
    require_signed: bool = False
    extra_wheels: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    path: str  # absolute on the board
    mode: int = 0o644
    data: bytes | None = None  # a file's content
    source: Path | None = None  # a file or directory copied from the workstation
    link: str | None = None  # a symlink's target
    empty_dir: bool = False  # clear this directory first (a wheelhouse is replaced whole, never merged)

    def describe(self) -> str:
        if self.empty_dir:
            return f"empty {self.path}/"
        if self.link is not None:
            return f"link  {self.path} -> {self.link}"
        what = f"copy of {self.source}" if self.source is not None else f"{len(self.data or b'')} bytes"
        return f"write {self.path} ({oct(self.mode)[2:]}, {what})"


def plan(root: Path, opts: FlashOptions, wheels_dir: Path, warn: Callable[[str], None]) -> list[Action]:
    """Check the target and the bundle, build the wheelhouse into `wheels_dir`; the actions to write."""
    target = read_rootfs(root)
    for warning in check_against(target, opts.profile):
        warn(warning)
    bundle, size_mb = _checked_bundle(opts)
    manifest = bundle.manifest
    wheels = wheelhouse.build(target, manifest.runtime, wheels_dir, opts.extra_wheels)
    version = edge_agent.__version__
    # a new virtualenv whenever the wheels differ, even at the same version; the previous one stays
    venv_id = f"{version}-{hashlib.sha256(' '.join(sorted(w.name for w in wheels)).encode()).hexdigest()[:8]}"
    model_dir = f"{MODELS}/{manifest.name}/{manifest.version}"
    memory_max = opts.profile.agent_baseline_mb + 2 * size_mb
    actions = [Action(f"{units.OPT}/wheelhouse/{version}", empty_dir=True)]
    actions += [Action(f"{units.OPT}/wheelhouse/{version}/{w.name}", source=w) for w in wheels]
    actions += [
        Action(model_dir, source=bundle.path),
        Action(f"{MODELS}/current", link=f"{manifest.name}/{manifest.version}"),
        Action(f"{units.OPT}/install.sh", 0o755, units.install_script(version, venv_id, target.python).encode()),
        Action(f"/etc/systemd/system/{units.AGENT_UNIT}", data=units.agent_unit(memory_max).encode()),
        Action(f"/etc/systemd/system/{units.INSTALL_UNIT}", data=units.install_unit(venv_id).encode()),
        Action(f"/etc/systemd/system/multi-user.target.wants/{units.AGENT_UNIT}",
               link=f"/etc/systemd/system/{units.AGENT_UNIT}"),
        Action("/etc/sysusers.d/edgelm.conf", data=units.SYSUSERS.encode()),
        Action("/etc/tmpfiles.d/edgelm.conf", data=units.TMPFILES.encode()),
    ]
    if opts.trust_key is not None:
        actions.append(Action(f"{units.ETC}/trust.pub", data=opts.trust_key.read_bytes()))
    config = root / f"{units.ETC}/agent.toml".lstrip("/")
    if opts.config_file is not None or not config.exists():  # flashing again keeps the board's config
        actions.append(Action(f"{units.ETC}/agent.toml", 0o600, agent_toml(opts, f"{MODELS}/current",
                                                                           target).encode()))
    return actions


def apply(root: Path, actions: list[Action]) -> None:
    for action in actions:
        dest = root / action.path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if action.empty_dir:
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
        elif action.link is not None:  # atomic: a new link renamed over the old one
            tmp = dest.with_name(f".{dest.name}.new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(action.link)
            os.replace(tmp, dest)
        elif action.source is not None and action.source.is_dir():
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(action.source, dest)
        elif action.source is not None:
            shutil.copyfile(action.source, dest)
            dest.chmod(action.mode)
        else:
            dest.write_bytes(action.data or b"")
            dest.chmod(action.mode)


def flash_rootfs(root: Path, opts: FlashOptions, dry_run: bool, warn: Callable[[str], None]) -> list[Action]:
    if not root.is_dir():
        raise FlashError(f"{root} is not a directory (mount the board's root filesystem there)")
    with tempfile.TemporaryDirectory(prefix="edgelm-wheels-") as wheels_dir:
        actions = plan(root, opts, Path(wheels_dir), warn)
        if not dry_run:
            apply(root, actions)
    return actions


REMOVED = [f"/etc/systemd/system/multi-user.target.wants/{units.AGENT_UNIT}",
           f"/etc/systemd/system/{units.AGENT_UNIT}", f"/etc/systemd/system/{units.INSTALL_UNIT}",
           "/etc/sysusers.d/edgelm.conf", "/etc/tmpfiles.d/edgelm.conf", units.ETC, units.OPT]


def remove(root: Path, purge: bool) -> list[str]:
    """What `edgelm flash --remove` deletes; /var/lib/edgelm (models, answers) only with purge."""
    paths = list(REMOVED)
    if purge:
        paths.append(units.STATE)
    for path in paths:
        target = root / path.lstrip("/")
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
    return paths


def _checked_bundle(opts: FlashOptions) -> tuple[Bundle, int]:
    """The opened bundle and its size in MB, or the one-line refusal."""
    if opts.require_signed and opts.trust_key is None:
        raise FlashError("--require-signed needs --trust-key PUB (the key the board will check bundles with)")
    try:
        bundle = open_bundle(opts.bundle, trust_key=opts.trust_key)
    except BundleError as exc:
        raise FlashError(f"bundle refused: {exc}") from exc
    runtime, profile = bundle.manifest.runtime, opts.profile
    if runtime not in profile.runtimes:
        raise FlashError(f"the bundle runs on {runtime}, which {profile.title} ({profile.name}) does not have "
                         f"(it has {', '.join(profile.runtimes)}): convert it with --device {profile.name}")
    size = _size_mb(bundle.path)
    if size > profile.model_memory_budget_mb:
        raise FlashError(f"the bundle is {size} MB; {profile.title} allows {profile.model_memory_budget_mb} MB "
                         "for a model")
    return bundle, size


def _size_mb(path: Path) -> int:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return max(1, round(total / 2**20))

