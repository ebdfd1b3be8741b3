"""Today's Home Assistant as a third system: strict hassil, then hassil's fuzzy n-gram matcher (English),
as HA 2025.9 wires them (home-assistant/core#150595). The latest hassil/home-assistant-intents dropped
the fuzzy module, so it runs in its own virtualenv pinned to the last releases that have it, through
benchmarks/ha_fuzzy/matcher.py, which imports nothing from EdgeLM.

HA's agent still resolves a fuzzy result's entities in the home afterwards, which this does not: the
fuzzy false-trigger rate here is an upper bound."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from converter.errors import ConversionError
from converter.intents.data import SAMPLE_LISTS

PINS = ["hassil==3.2.0", "home-assistant-intents==2025.9.24"]
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ha_fuzzy" / "matcher.py"


def ensure_venv(venv: Path) -> Path:
    """The virtualenv's python, created with PINS the first time."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *PINS], capture_output=True, text=True)
        if done.returncode != 0:
            raise ConversionError(f"cannot install {' '.join(PINS)} into {venv}: {done.stderr.strip()[-300:]}")
    return python


def predict(rows: list[dict], labels: list[str], venv: Path) -> list[int]:
    """Label indices for rows ({text, lang}): strict hassil's match, else the fuzzy one; -1 for none."""
    langs = sorted({r.get("lang", "en") for r in rows})
    request = {"lists": {lang: {k: SAMPLE_LISTS[lang][k] for k in ("area", "floor", "name")} for lang in langs},
               "rows": [{"text": r["text"], "lang": r.get("lang", "en")} for r in rows]}
    done = subprocess.run([str(ensure_venv(venv)), str(SCRIPT)], input=json.dumps(request), capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise ConversionError(f"the HA fuzzy matcher failed: {done.stderr.strip()[-300:]}")
    index = {name: i for i, name in enumerate(labels)}
    return [index.get(answer["fuzzy"] or "", -1) for answer in json.loads(done.stdout)]
