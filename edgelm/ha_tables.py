"""Tables the agent carries from home-assistant-intents (it never imports the package): Home Assistant's
response templates per language and intent. `python -m edgelm.ha_tables` rewrites them from the installed,
pinned package; tests/test_replies.py fails when the committed file differs from it."""

from __future__ import annotations

import json
from pathlib import Path

LANGUAGES = ("en", "es")
RESPONSES = Path(__file__).resolve().parent.parent / "edge_agent" / "home" / "ha_responses.json"


def responses_table() -> dict:
    """{"version": package version, "intents": {lang: {intent: {key: template}}}}."""
    from importlib.metadata import version

    import home_assistant_intents

    intents = {lang: (home_assistant_intents.get_intents(lang) or {})["responses"]["intents"] for lang in LANGUAGES}
    return {"home_assistant_intents": version("home-assistant-intents"), "intents": intents}


def main() -> None:
    RESPONSES.write_text(json.dumps(responses_table(), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"wrote {RESPONSES}")


if __name__ == "__main__":
    main()
