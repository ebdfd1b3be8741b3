"""`edgelm home sync` against a websocket server speaking Home Assistant's API on loopback, then a real
agent (shipped home model, real Mosquitto) that answers with HA's own names for what the user called
by an alias, and picks up a changed home_file without a restart."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from click.testing import CliRunner
from ha_websocket import FakeHomeAssistant
from mqtt_helpers import running_agent

from edge_agent.client import EdgeClient
from edgelm import home_sync
from edgelm.cli import cli
from edgelm.home_model import HOME_BUNDLE


def _sync(ha: FakeHomeAssistant, out, *extra, token="good-token"):
    return CliRunner().invoke(cli, ["home", "sync", "--ha-url", ha.url, "-o", str(out), *extra],
                              env={"HA_TOKEN": token})


def test_sync_writes_areas_floors_and_exposed_entities_with_aliases(tmp_path):
    out = tmp_path / "home.json"
    with FakeHomeAssistant() as ha:
        result = _sync(ha, out)
        assert result.exit_code == 0, result.output
        assert "5 areas, 2 floors, 20 names" in result.output
        assert ha.commands[:2] == ["config/area_registry/list", "config/floor_registry/list"]
        again = _sync(ha, out)
        assert "(unchanged)" in again.output
    home = json.loads(out.read_text())
    assert home["source"]["version"] == "2025.4.4"  # from HA's websocket hello: which intents it handles
    areas = {a["name"]: a for a in home["areas"]}
    assert areas["Living Room"] == {"name": "Living Room", "aliases": ["lounge", "salón"], "floor": "Ground Floor"}
    assert {f["name"]: f["aliases"] for f in home["floors"]} == {"First Floor": ["upstairs"],
                                                                "Ground Floor": ["downstairs", "planta baja"]}
    names = {n["entity_id"]: n for n in home["names"]}
    assert "light.broken" not in names  # disabled
    assert "switch.secret" not in names  # not exposed to Assist
    assert names["switch.coffee"] == {"name": "Coffee Machine", "aliases": ["cafetera", "espresso maker"],
                                      "domain": "switch", "entity_id": "switch.coffee", "area": "Kitchen"}
    assert names["vacuum.rover"]["domain"] == "vacuum"
    assert "area" not in names["vacuum.rover"]
    # most HA entities have no area of their own: their device's is theirs (an entity's own still wins:
    # every device here that has an area of its own entity sits in the office)
    assert names["light.kitchen_ceiling"]["area"] == "Kitchen"
    assert names["lock.front"]["area"] == "Garage"
    assert names["cover.garage_door"] == {"name": "Garage Door", "aliases": ["big door"], "domain": "cover",
                                          "entity_id": "cover.garage_door", "area": "Garage",
                                          "device_class": "garage"}


def test_sync_refuses_a_bad_token_and_takes_it_from_a_file(tmp_path):
    out = tmp_path / "home.json"
    with FakeHomeAssistant() as ha:
        bad = _sync(ha, out, token="wrong")
        assert bad.exit_code == 1
        assert bad.output.strip().splitlines() == ["Error: Home Assistant refused the token: Invalid access token "
                                                   "or password"]
        assert not out.exists()
        token_file = tmp_path / "token"
        token_file.write_text("good-token\n")
        result = CliRunner().invoke(cli, ["home", "sync", "--ha-url", ha.url, "--token-file", str(token_file),
                                          "-o", str(out)], env={"HA_TOKEN": ""})
        assert result.exit_code == 0, result.output
    missing = CliRunner().invoke(cli, ["home", "sync", "--ha-url", "http://127.0.0.1:9", "-o", str(out)],
                                 env={"HA_TOKEN": ""})
    assert missing.exit_code == 1
    assert "no Home Assistant token" in missing.output


def _slot(client: EdgeClient, device: str, text: str, name: str = "name") -> dict:
    answer = client.request(text, device=device, timeout=10)
    found = [s for s in answer["slots"] if s["name"] == name]
    assert found, (text, answer)
    return found[0]


def test_the_agent_answers_ha_names_for_aliases_and_reloads_a_changed_file(tmp_path, broker):
    out = tmp_path / "home.json"
    with FakeHomeAssistant() as ha:
        assert _sync(ha, out).exit_code == 0
        with running_agent(HOME_BUNDLE, broker, "synced", home_file=str(out), home_reload_s=0.1) as agent, \
                EdgeClient(broker.url) as client:
            slot = _slot(client, "synced", "turn on the reading light")
            assert (slot["value"], slot["raw"]) == ("Sofa Lamp", "reading light")
            assert _slot(client, "synced", "enciende la cafetera")["value"] == "Coffee Machine"
            assert _slot(client, "synced", "turn off the lights in the lounge", "area")["value"] == "Living Room"
            # HA gains an alias: --watch rewrites the file, the agent reloads it, no restart
            stop = asyncio.Event()
            synced = threading.Event()
            watcher = threading.Thread(target=lambda: asyncio.run(home_sync.watch(
                ha.url, "good-token", out, lambda doc, changed: synced.set(), stop=stop)), daemon=True)
            watcher.start()
            assert synced.wait(10), "the watcher never wrote the home_file"
            synced.clear()
            reloads = agent.home_watch.reloads
            ha.entities[1]["aliases"].append("movie light")
            ha.fire("entity_registry_updated")
            assert synced.wait(10), "the watcher never wrote the home_file"
            assert "movie light" in out.read_text()
            deadline = time.monotonic() + 10
            while agent.home_watch.reloads == reloads and time.monotonic() < deadline:
                time.sleep(0.05)
            assert agent.home_watch.reloads > reloads
            assert _slot(client, "synced", "turn on the movie light")["value"] == "Sofa Lamp"
            # a broken file is logged and the names loaded before stay
            out.write_text("{not json")
            time.sleep(0.5)
            assert _slot(client, "synced", "turn on the reading light")["value"] == "Sofa Lamp"
            watcher_loop_stop(stop, watcher)


def watcher_loop_stop(stop: asyncio.Event, watcher: threading.Thread) -> None:
    stop.set()  # read by the watcher's own loop within a second
    watcher.join(10)
    assert not watcher.is_alive()


@pytest.mark.parametrize(("url", "expected"), [("http://ha.local:8123", "ws://ha.local:8123/api/websocket"),
                                           ("https://ha.example/", "wss://ha.example/api/websocket"),
                                           ("ws://x:1/api/websocket", "ws://x:1/api/websocket")])
def test_websocket_url(url, expected):
    assert home_sync.websocket_url(url) == expected
