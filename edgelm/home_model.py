"""The `home` model shipped with the package: a signed bilingual (en+es) intent + slot + out-of-domain
int8 bundle, built by benchmarks/build_home_model.py. `edgelm demo` and `edgelm agent run` without a
bundle use it; its manifest says how it was built (`provenance`)."""

from __future__ import annotations

from pathlib import Path

MODELS = Path(__file__).resolve().parent / "models"
HOME_BUNDLE = MODELS / "home"
RELEASE_KEY = MODELS / "home-release.pub"  # the public half; the private key never enters the repository


class NoShippedModel(RuntimeError):
    pass


def shipped_home_bundle() -> Path:
    if not (HOME_BUNDLE / "manifest.json").is_file():
        raise NoShippedModel(f"this install has no home model at {HOME_BUNDLE}; reinstall edgelm, give --bundle, "
                             "or train one with `edgelm demo --train`")
    return HOME_BUNDLE
