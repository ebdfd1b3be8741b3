"""End to end with real Home Assistant Core 2025.4.4 (Python 3.13.0; its Wyoming conversation agent
arrived in 2024.9), outside pytest and CI because installing it takes minutes:

    python tests/check_home_assistant_assist.py [--python PATH-TO-A-PYTHON-WITH-HA]

1. Home Assistant starts on loopback with one template light, "Kitchen Light" (onboarding: the user step
   only; the core-config step adds integrations that reach for the internet);
2. `edgelm home sync` reads HA's registries over its websocket API; an agent with that home_file serves
   the shipped home model over MQTT (private Mosquitto) and Wyoming;
3. HA's own wyoming integration is added through its config flow (host/port), as a user adds it;
4. sentences go through HA's conversation API (`POST /api/conversation/process`) to the Wyoming agent:
   the light's state must change; chit-chat must come back as no intent match; a Spanish alias
   added in HA's entity registry, synced again, must reach the same light.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from foreign_python import venv_python  # noqa: E402

from edgelm import home_sync  # noqa: E402
from edgelm.agent_process import start_agent_process  # noqa: E402
from edgelm.demo_broker import Mosquitto, free_port  # noqa: E402

# HA 2025.4.4 and what its wyoming, conversation and assist_pipeline integrations pin (installed up front,
# so HA installs nothing at start)
HOME_ASSISTANT = ("3.13", ("homeassistant==2025.4.4", "wyoming==1.5.4", "hassil==2.2.3",
                           "home-assistant-intents==2025.3.28", "pymicro-vad==1.0.1", "pyspeex-noise==1.0.2",
                           "mutagen==1.47.0", "ha-ffmpeg==3.2.2",
                           "home-assistant-frontend==20250411.0"))
CONFIG = """
homeassistant:
  name: EdgeLM check
  latitude: 40.4
  longitude: -3.7
  elevation: 650
  unit_system: metric
  time_zone: Europe/Madrid
  country: ES
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
config:
onboarding:
conversation:
light:
  - platform: template
    lights:
      kitchen_light:
        unique_id: edgelm_check_kitchen_light
        friendly_name: Kitchen Light
        turn_on: [{{delay: 0}}]
        turn_off: [{{delay: 0}}]
"""


class HomeAssistant:
    def __init__(self, python: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="ha-assist-"))
        (self.dir / "configuration.yaml").write_text(CONFIG.format(port=self.port))
        self.log = open(self.dir / "hass.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen([str(python), "-m", "homeassistant", "-c", str(self.dir), "--skip-pip"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None, form: bool = False):
        data = None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if body is not None:
            data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read() or b"null")

    def wait_up(self, timeout: float = 300.0) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"Home Assistant exited; see {self.dir / 'hass.log'}")
            try:
                self.call("GET", "/api/onboarding")
                return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        raise SystemExit(f"Home Assistant not up after {timeout:.0f} s; see {self.dir / 'hass.log'}")

    def onboard(self) -> None:
        """The user step only; then a token from the auth code, as the frontend does."""
        client_id = self.url + "/"
        code = self.call("POST", "/api/onboarding/users", {"client_id": client_id, "name": "Check",
                                                           "username": "check", "password": "check-pass-2025",
                                                           "language": "en"})["auth_code"]
        self.token = self.call("POST", "/auth/token", {"grant_type": "authorization_code", "code": code,
                                                       "client_id": client_id}, form=True)["access_token"]

    def add_wyoming(self, port: int) -> dict:
        flow = self.call("POST", "/api/config/config_entries/flow", {"handler": "wyoming"})
        return self.call("POST", f"/api/config/config_entries/flow/{flow['flow_id']}",
                         {"host": "127.0.0.1", "port": port})

    def state(self, entity_id: str) -> str:
        return self.call("GET", f"/api/states/{entity_id}")["state"]

    def say(self, text: str, agent_id: str, language: str = "en") -> tuple[dict, float]:
        start = time.perf_counter()
        answer = self.call("POST", "/api/conversation/process", {"text": text, "language": language,
                                                                  "agent_id": agent_id})
        return answer, (time.perf_counter() - start) * 1000

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


async def add_alias(ha: HomeAssistant, entity_id: str, alias: str) -> None:
    session, ws = await home_sync.Session.open(home_sync.websocket_url(ha.url), ha.token)
    try:
        await session.call("config/entity_registry/update", entity_id=entity_id, aliases=[alias])
    finally:
        await ws.close()


def check(ok: bool, what: str) -> None:
    print(f"{'OK  ' if ok else 'FAIL'} {what}")
    if not ok:
        raise SystemExit(1)


def run(ha: HomeAssistant, broker: Mosquitto) -> None:
    print(f"Home Assistant up in {ha.wait_up():.1f} s")
    ha.onboard()
    home_file = ha.dir / "edgelm-home.json"
    document, _ = asyncio.run(home_sync.sync_once(ha.url, ha.token, home_file))
    check([n["name"] for n in document["names"]] == ["Kitchen Light"], f"home sync from HA: {document['names']}")
    wyoming_port = free_port()
    agent, online_s = _agent(broker, wyoming_port, home_file, ha)
    print(f"agent online in {online_s:.1f} s (Wyoming on {wyoming_port})")
    try:
        entry = ha.add_wyoming(wyoming_port)
        check(entry.get("type") == "create_entry", f"HA's wyoming config flow: {entry.get('type')} {entry.get('title')}")
        time.sleep(2)
        agents = [s["entity_id"] for s in ha.call("GET", "/api/states") if s["entity_id"].startswith("conversation.")
                  and s["entity_id"] != "conversation.home_assistant"]
        check(len(agents) == 1, f"the Wyoming conversation agent: {agents}")
        check(ha.state("light.kitchen_light") == "off", "the light starts off")
        answer, ms = ha.say("please switch on the kitchen light", agents[0])
        check(answer["response"]["response_type"] == "action_done" and ha.state("light.kitchen_light") == "on",
              f"'please switch on the kitchen light' -> {answer['response']['response_type']}, light on ({ms:.0f} ms)")
        check(_spoken(answer) == "Turned on the light", f"  HA spoke {_spoken(answer)!r} (its own template)")
        answer, _ = ha.say("turn on the porch light", agents[0])
        check(_spoken(answer) == "Sorry, I am not aware of any device called porch light"
              and ha.state("light.kitchen_light") == "on", f"'turn on the porch light' -> HA spoke {_spoken(answer)!r}")
        answer, ms = ha.say("is the kitchen light on?", agents[0])
        check(_spoken(answer) == "Yes", f"'is the kitchen light on?' -> HA spoke {_spoken(answer)!r} ({ms:.0f} ms)")
        answer, _ = ha.say("clean the kitchen", agents[0])
        check(_spoken(answer) == "Sorry, your Home Assistant cannot clean one room yet",
              f"'clean the kitchen' (HassVacuumCleanArea, unknown to 2025.4) -> HA spoke {_spoken(answer)!r}")
        answer, ms = ha.say("I love this song", agents[0])
        check(answer["response"]["data"].get("code") == "no_intent_match",
              f"'I love this song' -> {answer['response']['data'].get('code')} ({ms:.0f} ms)")
        asyncio.run(add_alias(ha, "light.kitchen_light", "lámpara de la cocina"))
        asyncio.run(home_sync.sync_once(ha.url, ha.token, home_file))
        time.sleep(3)  # the agent's home_reload_s
        answer, ms = ha.say("apaga la lámpara de la cocina", agents[0], "es")
        check(answer["response"]["response_type"] == "action_done" and ha.state("light.kitchen_light") == "off",
              f"'apaga la lámpara de la cocina' (an alias synced from HA) -> "
              f"{answer['response']['response_type']}, light off ({ms:.0f} ms)")
        check(_spoken(answer) == "Se ha apagado la luz", f"  HA spoke {_spoken(answer)!r}")
        logged = (ha.dir / "hass.log").read_text()  # (HA logs unrelated tracebacks here: no ffmpeg, no turbojpeg)
        check(not any(word in logged for word in ("MatchFailedError", "Error handling intent", "invalid slot")),
              "no intent error in HA's log")
    finally:
        agent.terminate()
        agent.wait(15)


def _spoken(answer: dict) -> str:
    return answer["response"].get("speech", {}).get("plain", {}).get("speech", "")


def _agent(broker: Mosquitto, wyoming_port: int, home_file: Path, ha: HomeAssistant):
    config, token = home_file.with_name("agent.toml"), home_file.with_name("ha-token")
    token.write_text(ha.token)
    config.write_text(f'home_file = "{home_file}"\nhome_reload_s = 1.0\nha_url = "{ha.url}"\nha_token_file = "{token}"\n')
    return start_agent_process(None, broker.url, "ha-assist", "--config", str(config),
                               "--wyoming", f"tcp://127.0.0.1:{wyoming_port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, help="a Python with homeassistant==2025.4.4 (default: a cached venv)")
    args = parser.parse_args()
    python = args.python or venv_python(HOME_ASSISTANT)
    ha = HomeAssistant(python)
    try:
        with Mosquitto() as broker:
            run(ha, broker)
    finally:
        ha.stop()
    print(f"Home Assistant log: {ha.dir / 'hass.log'}")


if __name__ == "__main__":
    main()
