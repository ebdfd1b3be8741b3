"""docs/scaling.md's bridge, as written: two real Mosquittos, the site's bridge configured with the
lines between the doc's markers (only the address changed), a group of agents at the site and a client
at the centre. MQTT 5 request/response crosses the bridge both ways, the site shares the group's
requests among its members, and the centre sees every agent's status."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner
from mqtt_helpers import documented_bridge, running_agent

from edge_agent.client import EdgeClient
from edgelm.cli import cli
from edgelm.demo_broker import Mosquitto


def test_a_client_at_the_centre_reaches_a_group_behind_the_documented_bridge(agent_bundle):
    central = Mosquitto().start()
    try:
        _across_the_bridge(agent_bundle, central)
    finally:
        central.stop()


def _across_the_bridge(agent_bundle, central: Mosquitto) -> None:
    with Mosquitto(extra_config=documented_bridge(central.port)) as site, \
            running_agent(agent_bundle, site, "site-a1", group="site-g"), \
            running_agent(agent_bundle, site, "site-a2", group="site-g"), \
            EdgeClient(central.url) as client:
        answers = [client.request("turn on the kitchen light", group="site-g", timeout=5, retries=3)
                   for _ in range(30)]
        by_device = Counter(a["device_id"] for a in answers)
        assert sum(by_device.values()) == 30
        assert set(by_device) == {"site-a1", "site-a2"}  # the site's broker shares the group
        # one device of the site, by its own topic, from the centre
        assert client.request("lock the door", device="site-a1", timeout=5)["device_id"] == "site-a1"
        asked = CliRunner().invoke(cli, ["ask", "close the garage door", "--broker", central.url, "--group", "site-g",
                                         "--json"])
        assert asked.exit_code == 0, asked.output
        assert json.loads(asked.output)["device_id"] in ("site-a1", "site-a2")
        status = CliRunner().invoke(cli, ["fleet", "status", "--broker", central.url, "--json", "--wait", "1"])
        rows = {r["device"]: r for r in json.loads(status.output)}
        assert rows["site-a1"]["state"] == rows["site-a2"]["state"] == "online"
