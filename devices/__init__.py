"""Board profiles: one TOML data file per board, loaded into :class:`DeviceProfile`."""

from __future__ import annotations

import platform
import re
from dataclasses import asdict, dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (JetPack 6)
    import tomli as tomllib  # type: ignore[no-redef]

PROFILE_DIR = Path(__file__).parent / "profiles"


class Quantization(str, Enum):
    """How a bundle's weights are stored: the one list the profiles, the converter and the CLI use."""

    NONE = "none"
    DYNAMIC_INT8 = "dynamic-int8"
    STATIC_INT8 = "static-int8"
    FP16 = "fp16"


QUANTIZATIONS = tuple(q.value for q in Quantization)
SUPPORT_STATES = ("supported", "experimental", "unsupported")


class UnknownDeviceError(KeyError):
    """Raised for a profile name that does not exist; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    title: str
    arch: str
    glibc: str
    python: str
    cpu: str
    cores: int
    ram_mb: int
    isa: list[str]
    accelerator: str
    runtimes: list[str]
    ort_providers: list[str]
    default_format: str
    default_quantization: str
    ort_preset: str
    threads: int
    model_memory_budget_mb: int  # bounds the model file, not the process
    agent_baseline_mb: int  # the agent without a model; with two models, the systemd MemoryMax of a flash
    support: str
    why: str
    extra: dict = field(default_factory=dict)

    @property
    def supported(self) -> bool:
        return self.support != "unsupported"

    def wheel_platform_tags(self) -> list[str]:
        """pip platform tags this board accepts, newest first (pip matches tags exactly)."""
        major, minor = (int(x) for x in self.glibc.split(".")[:2])
        tags = [f"manylinux_{major}_{m}_{self.arch}" for m in range(minor, 16, -1)]
        if (major, minor) >= (2, 17):
            tags.append(f"manylinux2014_{self.arch}")
        return tags

    def python_tag(self) -> str:
        return "cp" + self.python.replace(".", "")

    def to_dict(self) -> dict:
        return asdict(self)


def _from_toml(path: Path) -> DeviceProfile:
    data = tomllib.loads(path.read_text())
    known = set(DeviceProfile.__dataclass_fields__) - {"extra"}
    missing = sorted(known - set(data))
    if missing:
        raise ValueError(f"device profile {path.name} lacks fields: {', '.join(missing)}")
    extra = {k: v for k, v in data.items() if k not in known}
    profile = DeviceProfile(**{k: data[k] for k in known}, extra=extra)
    if profile.default_quantization not in QUANTIZATIONS:
        raise ValueError(f"{path.name}: default_quantization must be one of {QUANTIZATIONS}")
    if profile.support not in SUPPORT_STATES:
        raise ValueError(f"{path.name}: support must be one of {SUPPORT_STATES}")
    return profile


@lru_cache(maxsize=1)
def all_profiles() -> dict[str, DeviceProfile]:
    profiles = (_from_toml(p) for p in sorted(PROFILE_DIR.glob("*.toml")))
    return {p.name: p for p in profiles}


def get_profile(name: str) -> DeviceProfile:
    profiles = all_profiles()
    if name not in profiles:
        raise UnknownDeviceError(f"unknown device {name!r}; known devices: {', '.join(sorted(profiles))}")
    return profiles[name]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace").strip("\x00 \n")
    except OSError:
        return ""


def detect(root: str = "/") -> DeviceProfile:
    """Best guess of the board this code runs on, from device-tree, Tegra release and cpuinfo."""
    base = Path(root)
    model = _read(str(base / "proc/device-tree/model")).lower()
    tegra = _read(str(base / "etc/nv_tegra_release"))
    cpuinfo = _read(str(base / "proc/cpuinfo")).lower()
    if "raspberry pi 5" in model:
        return get_profile("rpi5")
    if "raspberry pi 4" in model:
        return get_profile("rpi4b")
    if "raspberry pi zero 2" in model:
        return get_profile("rpi-zero-2w")
    if "raspberry pi 3" in model:
        return get_profile("rpi3b")
    if tegra or "jetson" in model:
        match = re.search(r"R(\d+)", tegra)
        release = int(match.group(1)) if match else 0
        if "orin" in model or release >= 35:
            return get_profile("jetson-orin-nano")
        return get_profile("jetson-nano")
    machine = platform.machine().lower() if root == "/" else ""
    if "avx512_vnni" in cpuinfo or "avx512vnni" in cpuinfo:
        return get_profile("x86-64-vnni")
    if "avx2" in cpuinfo or machine in ("x86_64", "amd64"):
        return get_profile("x86-64")
    return get_profile("aarch64")
