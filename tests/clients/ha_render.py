"""Runs inside Home Assistant 2024.3.3's venv: renders docs/examples/home-assistant.yaml's templates with
Home Assistant's own template engine. `payload TEXT` prints the script's MQTT payload; `automation` reads an
agent answer on stdin and prints what the automation's condition and choose would do."""

import asyncio
import json
import sys

import yaml
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template


async def main(example: str, config_dir: str, mode: str) -> None:
    hass = HomeAssistant(config_dir)
    with open(example) as source:
        config = yaml.safe_load(source)
    if mode == "payload":
        template = config["script"]["ask_edgelm"]["sequence"][0]["data"]["payload"]
        print(Template(template, hass).async_render({"text": sys.argv[4]}, parse_result=False))
        return
    automation = config["automation"][0]
    answer = json.load(sys.stdin)
    variables = {"trigger": {"platform": "mqtt", "topic": automation["trigger"][0]["topic"],
                             "payload": json.dumps(answer), "payload_json": answer}}
    condition = Template(automation["condition"][0]["value_template"], hass).async_render(variables)
    chosen = {"condition": condition, "service": None, "target": None}
    if condition:
        for option in automation["action"][0]["choose"]:
            if Template(option["conditions"][0]["value_template"], hass).async_render(variables):
                step = option["sequence"][0]
                chosen.update(service=step["service"], target=Template(step["target"]["area_id"], hass)
                              .async_render(variables))
                break
        else:
            step = automation["action"][0]["default"][0]
            chosen.update(service=step["service"], target=Template(step["data"]["message"], hass)
                          .async_render(variables))
    print(json.dumps(chosen))
    await hass.async_stop(force=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
