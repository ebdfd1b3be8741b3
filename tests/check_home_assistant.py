"""Checks docs/examples/home-assistant.yaml against Home Assistant Core 2024.3.3 (the last release on Python
3.11; `josepy<2`), outside pytest because installing it takes ~2 minutes:

    python tests/check_home_assistant.py [--bundle DIR]

1. `hass --script check_config` on the example (Home Assistant's own schema validation);
2. the script's payload template rendered by Home Assistant's template engine, published as Home Assistant
   publishes it (MQTT 3.1.1) to a real agent on a private Mosquitto;
3. the agent's answer fed to the automation's trigger variables: its condition and `choose` rendered by
   Home Assistant, printing the service call the automation would make.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "benchmarks")]

from foreign_python import venv_python  # noqa: E402
from mqtt_helpers import Listener, running_agent  # noqa: E402

from edgelm.demo_broker import Mosquitto  # noqa: E402

HOME_ASSISTANT = ("3.11", ("homeassistant==2024.3.3", "josepy<2"))
EXAMPLE = HERE.parent / "docs" / "examples" / "home-assistant.yaml"
RENDER = HERE / "clients" / "ha_render.py"


def check_config(python: Path, config_dir: Path) -> None:
    (config_dir / "configuration.yaml").write_text(EXAMPLE.read_text())
    out = subprocess.run([str(python), "-m", "homeassistant", "--script", "check_config", "-c", str(config_dir)],
                         capture_output=True, text=True, timeout=300)
    problems = [line for line in (out.stdout + out.stderr).splitlines() if "ERROR" in line or "Invalid" in line]
    print(f"check_config: {'OK' if not problems else 'FAILED'}")
    for line in problems:
        print("  " + line[:300])
    if problems:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="an intent bundle (default: the agent benchmark's TinyBERT)")
    args = parser.parse_args()
    if args.bundle is None:
        from agent_bench import ROOT, bundle_path

        args.bundle = bundle_path(ROOT / ".edgelm-cache" / "bench")
    python = venv_python(HOME_ASSISTANT)
    config_dir = Path(tempfile.mkdtemp(prefix="ha-config-"))
    check_config(python, config_dir)
    render = [str(python), str(RENDER), str(EXAMPLE), str(config_dir)]
    payload = subprocess.run([*render, "payload", "turn on the kitchen light"], capture_output=True, text=True,
                             check=True).stdout.strip()
    print(f"script payload (rendered by Home Assistant): {payload}")
    with Mosquitto() as broker, running_agent(args.bundle, broker, "kitchen"):
        listener = Listener(broker, protocol=4).subscribe("edgelm/reply/homeassistant/answers")
        listener.publish("edgelm/kitchen/request", payload)
        answer = json.loads(listener.get(timeout=10).payload)
    print(f"agent answer: intent {answer.get('intent')}, slots {answer.get('slots')}, id {answer.get('id')!r}")
    acted = subprocess.run([*render, "automation"], input=json.dumps(answer), capture_output=True, text=True,
                           check=True).stdout.strip()
    print(f"automation (rendered by Home Assistant): {acted}")
    decision = json.loads(acted)
    ok = answer.get("id", "").isdigit() and decision["condition"] == bool(answer.get("intent")) and \
        (not decision["condition"] or decision["service"])
    print("OK" if ok else "FAILED")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
