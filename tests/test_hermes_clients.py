"""The agent's Hermes messages as the real Hermes libraries see them: Rhasspy 2.5's dialogue manager
(two turns of one session), `rhasspy-hermes`' parsers (Python 3.8) and Snips' `hermes-python` (Python 3.7,
its Rust MQTT client parses every message). Each runs in its own pyenv virtual environment."""

from __future__ import annotations

import json
import queue
import subprocess
import time
from pathlib import Path

from foreign_python import RHASSPY, SNIPS, venv_python
from mqtt_helpers import Listener, running_agent

CLIENTS = Path(__file__).resolve().parent / "clients"
QUERIES = ["set a timer for 10 minutes", "turn off the lights in the kitchen", "set the brightness to 50 percent"]


def _intents(listener: Listener, n: int) -> list:
    return [listener.get(10) for _ in range(n)]


def test_rhasspy_dialogue_manager_gets_both_turns_of_a_session_answered(slots_bundle, broker, device_id):
    python = venv_python(RHASSPY)
    with running_agent(slots_bundle, broker, device_id, hermes_min_confidence=0.0):
        dialogue = subprocess.Popen([str(python), "-m", "rhasspydialogue_hermes", "--host", broker.host, "--port",
                                     str(broker.port), "--site-id", "default", "--debug"],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            listener = Listener(broker).subscribe("hermes/asr/startListening").subscribe("hermes/intent/#")
            _start_session(broker)
            answers = []
            for turn, text in enumerate(QUERIES[:2]):
                listening = json.loads(listener.get(10).payload)  # the dialogue manager asks the ASR to listen
                listener.publish("hermes/asr/textCaptured", json.dumps({
                    "text": text, "likelihood": 1.0, "seconds": 1.0, "siteId": "default",
                    "sessionId": listening["sessionId"]}))
                answers.append(json.loads(listener.get(10).payload))
                if turn == 0:  # a follow-up turn in the same session: QoS 0, "id": null, the same sessionId
                    listener.publish("hermes/dialogueManager/continueSession",
                                     json.dumps({"sessionId": listening["sessionId"], "sendIntentNotRecognized": True}))
        finally:
            dialogue.terminate()
            log = dialogue.communicate(timeout=10)[0]
    assert [a["input"] for a in answers] == QUERIES[:2]
    assert answers[0]["sessionId"] == answers[1]["sessionId"] == listening["sessionId"]
    assert all(a["customData"] == "two turns" for a in answers)
    assert "ERROR" not in log, log[-2000:]


def _start_session(broker) -> None:
    """The dialogue manager subscribes in the background: ask until a session starts (a second request
    while one runs is dropped: canBeEnqueued is false)."""
    started = Listener(broker).subscribe("hermes/dialogueManager/sessionStarted")
    request = json.dumps({"siteId": "default", "customData": "two turns",
                          "init": {"type": "action", "canBeEnqueued": False, "sendIntentNotRecognized": True}})
    try:
        for _ in range(40):
            started.publish("hermes/dialogueManager/startSession", request)
            try:
                started.get(timeout=0.5)
                return
            except queue.Empty:
                continue
        raise AssertionError("the dialogue manager never started a session")
    finally:
        started.close()


def test_rhasspy_hermes_parses_intents_not_recognized_and_errors(slots_bundle, broker, device_id):
    python = venv_python(RHASSPY)
    with running_agent(slots_bundle, broker, device_id, hermes_min_confidence=0.0):
        listener = (Listener(broker).subscribe("hermes/intent/#").subscribe("hermes/nlu/intentNotRecognized")
                    .subscribe("hermes/error/nlu"))
        for i, text in enumerate(QUERIES):
            listener.publish("hermes/nlu/query", json.dumps({"input": text, "id": f"r{i}", "siteId": "default"}))
        listener.publish("hermes/nlu/query", json.dumps({"input": "what", "id": "r9", "intentFilter": ["NoSuchIntent"]}))
        listener.publish("hermes/nlu/query", b"{not json")
        messages = [(m.topic, json.loads(m.payload)) for m in _intents(listener, len(QUERIES) + 2)]
    result = subprocess.run([str(python), str(CLIENTS / "rhasspy_parse.py")], input=json.dumps(messages),
                            capture_output=True, text=True, check=True, timeout=60)
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["topic"] for p in parsed] == [topic for topic, _ in messages]
    assert all(p["ok"] for p in parsed), parsed
    assert sum("intent" in p for p in parsed) == len(QUERIES)
    assert sum("not_recognized" in p for p in parsed) == 1
    assert sum("error" in p for p in parsed) == 1
    durations = [p["entities"]["duration"] for p in parsed if "duration" in p.get("entities", {})]
    assert all(isinstance(d, (int, float)) for d in durations)  # Rhasspy reads the Duration's value


def test_snips_hermes_python_parses_every_intent(slots_bundle, broker, device_id):
    python = venv_python(SNIPS)
    snips = subprocess.Popen([str(python), str(CLIENTS / "snips_intents.py"), f"{broker.host}:{broker.port}", "30"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    _read_lines(snips, lines)
    try:
        _wait_until_snips_listens(broker, lines)
        with running_agent(slots_bundle, broker, device_id, hermes_min_confidence=0.0):
            listener = Listener(broker).subscribe("hermes/intent/#")
            for i, text in enumerate(QUERIES):  # no sessionId: the agent must still send a string
                listener.publish("hermes/nlu/query", json.dumps({"input": text, "id": f"s{i}"}))
            sent = [json.loads(m.payload) for m in _intents(listener, len(QUERIES))]
            seen = [json.loads(lines.get(timeout=10)) for _ in sent]
    finally:
        snips.kill()
        errors = snips.communicate()[1]
    assert [s["name"] for s in seen] == [m["intent"]["intentName"] for m in sent], errors[-2000:]
    assert [s["input"] for s in seen] == QUERIES
    slots_sent = sorted((s["slotName"], s["value"]["kind"]) for m in sent for s in m["slots"])
    kinds = {"Custom": "CustomValue", "Number": "NumberValue", "Duration": "DurationValue"}
    assert sorted((s["name"], next(k for k, v in kinds.items() if v == s["kind"])) for m in seen
                  for s in m["slots"]) == slots_sent
    assert any(kind == "Duration" for _, kind in slots_sent)  # the shape Snips refused before


def _read_lines(proc: subprocess.Popen, into: queue.Queue) -> None:
    import threading

    def pump() -> None:
        for line in proc.stdout or []:
            if line.startswith("{"):
                into.put(line)

    threading.Thread(target=pump, daemon=True).start()


def _wait_until_snips_listens(broker, lines: queue.Queue) -> None:
    """hermes-python connects in the background: send a minimal intent until it reports one."""
    ping = {"sessionId": "ping", "siteId": "default", "input": "ping", "asrTokens": [], "slots": [],
            "intent": {"intentName": "Ping", "confidenceScore": 1.0}}
    poke = Listener(broker)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        poke.publish("hermes/intent/Ping", json.dumps(ping))
        try:
            line = json.loads(lines.get(timeout=0.5))
        except queue.Empty:
            continue
        if line.get("name") == "Ping":
            while not lines.empty():
                lines.get_nowait()
            poke.close()
            return
    raise AssertionError("hermes-python never received a message")
