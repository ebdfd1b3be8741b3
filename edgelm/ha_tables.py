"""Tables the agent carries from home-assistant-intents (it never imports the package):

- Home Assistant's response templates per language and intent: `python -m edgelm.ha_tables` rewrites
  them from the installed, pinned package; tests/test_replies.py fails when the committed file differs;
- the intents each supported Home Assistant release knows: `python -m edgelm.ha_tables --release
  2025.4.4=PYTHON` reads them from the home-assistant-intents that release pins, installed in its own
  venv (PYTHON; tests/foreign_python.py builds one), and adds the release to ha_releases.json."""

from __future__ import annotations

import json
from pathlib import Path

LANGUAGES = ("en", "es")
RESPONSES = Path(__file__).resolve().parent.parent / "edge_agent" / "home" / "ha_responses.json"
RELEASES = RESPONSES.with_name("ha_releases.json")
# run by the release's own Python: the package version and the intents of every language EdgeLM speaks
_LIST_INTENTS = """
import json, sys
from importlib.metadata import version
import home_assistant_intents
names = set()
for lang in sys.argv[1:]:
    names |= set((home_assistant_intents.get_intents(lang) or {}).get("intents", {}))
print(json.dumps({"home_assistant_intents": version("home-assistant-intents"), "intents": sorted(names)}))
"""


def responses_table() -> dict:
    """{"version": package version, "intents": {lang: {intent: {key: template}}}}."""
    from importlib.metadata import version

    import home_assistant_intents

    intents = {lang: (home_assistant_intents.get_intents(lang) or {})["responses"]["intents"] for lang in LANGUAGES}
    return {"home_assistant_intents": version("home-assistant-intents"), "intents": intents}


def release_table(python: str) -> dict:
    """What the release whose Python this is knows: {"home_assistant_intents": version, "intents": [...]}."""
    import subprocess

    done = subprocess.run([python, "-c", _LIST_INTENTS, *LANGUAGES], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="rewrite the agent's Home Assistant tables")
    parser.add_argument("--release", metavar="VERSION=PYTHON", help="add one HA release's intents instead")
    args = parser.parse_args()
    if args.release:
        ha_version, _, python = args.release.partition("=")
        releases = json.loads(RELEASES.read_text())
        releases["releases"][ha_version] = release_table(python)
        RELEASES.write_text(json.dumps(releases, indent=1, sort_keys=True) + "\n")
        print(f"wrote {RELEASES}: Home Assistant {ha_version}")
        return
    RESPONSES.write_text(json.dumps(responses_table(), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"wrote {RESPONSES}")


if __name__ == "__main__":
    main()
