"""10,000 hostile payloads at a real agent, native and Hermes, with a good request every 250 that must be
answered: no payload may stop it, and none may reach a bug (no `callback` errors). Marked slow.

The payloads are drawn by hypothesis once (seeded) and cached like the test models: drawing 10,000
structured payloads takes longer than sending them."""

from __future__ import annotations

import base64
import json
import queue
from pathlib import Path

import pytest
from conftest import Recipe, cached_build
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from mqtt_helpers import Listener, props, running_agent

PAYLOADS = 10_000
PROBE_EVERY = 250

# Every string may hold lone surrogates, C0/C1 controls and noncharacters (JSON escapes carry them all).
_nasty_text = st.text(st.characters(categories=["L", "N", "P", "S", "Z", "Cc", "Cs", "Cn", "Co"]), max_size=16)
_huge_number = st.sampled_from([10**4000, -(10**4200), 2**64, -(2**63) - 1, 1e308, 5e-324])
_scalar = st.none() | st.booleans() | st.integers() | st.floats() | _huge_number | _nasty_text
_values = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_nasty_text, inner,
                                                                                             max_size=2), max_leaves=3)
_field = _nasty_text | _scalar | _values
_OPTIONAL = ["v", "top_k", "reply_to", "deadline", "max_new_tokens", "temperature", "seed", "stream", "sample_top_k"]
# id and text, plus up to two other fields: every field gets its turn without paying for all of them each time
_request = st.builds(lambda rid, text, extra: {"id": rid, "text": text, **extra}, _field, _field,
                     st.dictionaries(st.sampled_from(_OPTIONAL), _field, max_size=2))
_hermes = st.builds(lambda text, extra: {"input": text, **extra}, _field,
                    st.dictionaries(st.sampled_from(["id", "sessionId", "siteId", "intentFilter"]), _field, max_size=2))


def _encode(value) -> bytes:
    """JSON with NaN/Infinity allowed; a number past Python's int-string limit is written out by hand."""
    try:
        return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()
    except ValueError:
        return b'{"id": "big", "text": "hi", "top_k": ' + b"9" * 5000 + b"}"


_deep = st.integers(1, 4000).map(lambda n: b"[" * n + b"]" * n) | st.just(b'{"a":' * 3000 + b"1" + b"}" * 3000)
_native = st.one_of(st.binary(max_size=200), _request.map(_encode), _values.map(_encode), _deep)
# Topic levels a client can really publish to (Mosquitto disconnects a publisher for control characters).
_sender = st.none() | st.text(st.characters(categories=["L", "N", "P", "S"], exclude_characters="/+#"),
                              min_size=1, max_size=12)
_response_topic = st.none() | st.sampled_from(["edgelm/reply/fuzz/x", "a/+/b", "#", "$SYS/x", "homeassistant/x/set",
                                               "edgelm/reply/" + "x" * 300])
_message = st.one_of(st.tuples(st.just("native"), _native, _sender, _response_topic),
                     st.tuples(st.just("hermes"), _hermes.map(_encode), st.none(), st.none()))


def _generate(into: Path) -> None:
    """Draw the corpus with hypothesis (seeded: the same corpus on every machine); ~20 s, so it is cached."""
    drawn: list[list] = []

    @seed(20261130)
    @settings(max_examples=PAYLOADS, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              phases=(Phase.generate,))
    @given(message=_message)
    def draw(message):
        kind, payload, who, reply = message
        drawn.append([kind, base64.b64encode(payload).decode(), who, reply])

    draw()
    into.mkdir(parents=True)
    (into / "corpus.json").write_text(json.dumps(drawn, ensure_ascii=True))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[tuple[str, bytes, str | None, str | None]]:
    recipe = Recipe("fuzz-corpus", str(PAYLOADS), ("tests/test_fuzz.py",), ("hypothesis",))
    path = cached_build(recipe, _generate, tmp_path_factory.mktemp("fuzz")) / "corpus.json"
    return [(kind, base64.b64decode(data), who, reply) for kind, data, who, reply in json.loads(path.read_text())]


@pytest.mark.slow
def test_ten_thousand_hostile_payloads_never_stop_the_agent(agent_bundle, broker, device_id, corpus):
    request_topic = f"edgelm/{device_id}/request"
    with running_agent(agent_bundle, broker, device_id, delivery_check_s=2.0) as agent:
        sender = Listener(broker)
        probe = Listener(broker).subscribe("edgelm/reply/probe/#")
        probes = 0
        for sent, (kind, payload, who, reply) in enumerate(corpus, start=1):
            if kind == "hermes":
                sender.publish("hermes/nlu/query", payload)
            else:
                topic = f"{request_topic}/{who}" if who else request_topic
                sender.publish(topic, payload, props(reply) if reply else None)
            if sent % PROBE_EVERY == 0:
                _probe(sender, probe, request_topic, sent)
                probes += 1
        assert agent.worker.is_alive()
        assert agent.main.connected.is_set()
        kinds = dict(agent.stats.errors_by_kind)
    assert len(corpus) == PAYLOADS
    assert probes == PAYLOADS // PROBE_EVERY
    assert sum(kind == "hermes" for kind, *_ in corpus) > PAYLOADS // 4  # both paths really fuzzed
    assert "callback" not in kinds  # no payload reached a bug caught at the MQTT boundary
    assert "inference" not in kinds


def _probe(sender: Listener, probe: Listener, request_topic: str, sent: int) -> None:
    rid = f"probe-{sent}"
    sender.publish(request_topic, json.dumps({"id": rid, "text": "turn on the light"}), props("edgelm/reply/probe/r"))
    while True:  # the answer must come; a stopped agent fails here after 15 s
        try:
            answer = json.loads(probe.get(15).payload)
        except queue.Empty:
            pytest.fail(f"no answer to {rid} after {sent} payloads")
        if answer.get("id") == rid:
            assert "intent" in answer
            return
