"""Small units: config loading, broker URLs, wire message round trips, dedup cache, sampling."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.config import ConfigError, load_config
from edge_agent.fronts.wyoming_uri import WyomingUri
from edge_agent.inference.generate import pick_token
from edge_agent.once.request_cache import RequestCache, Seen
from edge_agent.protocol.messages import (
    Chunk,
    ErrorCode,
    ErrorResponse,
    Latency,
    Request,
    RequestError,
    Response,
    decode_request,
    dumps,
)
from edge_agent.transport.session import BrokerUrl


def test_config_file_env_and_overrides(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text('[agent]\nbundle = "/b"\nbroker = "mqtts://user:pw@broker.local"\ndevice_id = "kitchen"\n'
                    'max_batch = 4\ngroup = "house"\n')
    config = load_config(path, env={"EDGELM_MAX_BATCH": "16", "EDGELM_PROTOCOL": "4", "OTHER": "x"},
                         device_id="hall")
    assert (config.bundle, config.max_batch, config.protocol, config.device_id, config.group) == \
        ("/b", 16, 4, "hall", "house")
    url = config.broker_url()
    assert (url.host, url.port, url.tls, url.username, url.password) == ("broker.local", 8883, True, "user", "pw")


@pytest.mark.parametrize(("text", "needle"), [
    ('bundle = "/b"\nfoo = 1\n', "unknown keys foo"),
    ('bundle = "/b"\ndevice_id = "reply"\n', "reserved"),
    ('bundle = "/b"\nprotocol = 3\n', "protocol"),
    ("bundle = [", "not valid TOML"),
    ('bundle = "/b"\nbroker = "ws://x"\n', "mqtt://, mqtts://"),
])
def test_config_errors(tmp_path, text, needle):
    path = tmp_path / "agent.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_config(path, env={})


def test_env_value_of_wrong_type(tmp_path):
    with pytest.raises(ConfigError, match="EDGELM_MAX_BATCH"):
        load_config(None, env={"EDGELM_MAX_BATCH": "many", "EDGELM_BUNDLE": "/b"})


def test_broker_url_defaults():
    assert BrokerUrl.from_url("mqtt://h").port == 1883
    assert BrokerUrl.from_url("h:1884").port == 1884


def test_message_round_trips():
    req = Request(id="r1", text="hi", top_k=2, deadline="2030-01-01T00:00:00Z", stream=True, max_new_tokens=4)
    assert Request.from_dict(req.to_dict()) == req
    resp = Response(id="r1", device_id="d", model={"name": "m", "version": "1"}, latency_ms=Latency(1, 2, 3),
                    intent={"name": "A", "confidence": 0.9}, alternatives=[{"name": "A", "confidence": 0.9}])
    assert Response.from_dict(resp.to_dict()) == resp
    gen = Response(id="r2", device_id="d", model={"name": "m", "version": "1"}, latency_ms=Latency(0, 1, 1),
                   text="hello", tokens=[1, 2])
    assert Response.from_dict(gen.to_dict()) == gen
    err = ErrorResponse("r1", ErrorCode.EXPIRED, "too late", "d")
    assert ErrorResponse.from_dict(err.to_dict()) == err
    chunk = Chunk("r1", 3, "lo", done=False)
    assert Chunk.from_dict(chunk.to_dict()) == chunk


def test_decode_request_codes():
    assert decode_request(b'{"id":"a","text":"x"}', 100, 10).text == "x"
    for payload, code in [(b"x" * 101, "too_large"), (b"\xff", "bad_request"), (b'{"id":"a","text":"' +
                          b"y" * 11 + b'"}', "too_large"), (b'{"id":"a","text":"x","temperature":"hot"}',
                                                          "bad_request")]:
        with pytest.raises(RequestError) as err:
            decode_request(payload, 100, 10)
        assert err.value.code == code
    with pytest.raises(RequestError) as err:  # a JSON integer too large for a float (found by the fuzz test)
        decode_request(b'{"id":"a","text":"x","temperature":1' + b"0" * 400 + b"}", 1000, 10)
    assert err.value.code == "bad_request"
    assert dumps(ErrorResponse(None, ErrorCode.BAD_REQUEST, "x")).startswith(b'{"v":1,"id":null')


def test_dedup_cache_joins_evicts_and_refuses_conflicts():
    cache = RequestCache(size=2)
    assert cache.begin("a", "d1", "t1") == (Seen.NEW, None)
    assert cache.begin("a", "d1", "t2") == (Seen.JOINED, None)
    assert cache.begin("a", "d2", "t2b") == (Seen.CONFLICT, None)  # same id, other content, while pending
    assert cache.finish("a", b"A") == ["t1", "t2"]
    assert cache.begin("a", "d1", "t3") == (Seen.DONE, b"A")
    assert cache.begin("a", "d2", "t3b") == (Seen.CONFLICT, None)  # ... and once answered: never A
    for rid in "bc":
        cache.begin(rid, "d", "t")
        cache.finish(rid, rid.encode())
    assert cache.begin("a", "d2", "t4")[0] is Seen.NEW  # evicted, oldest first
    cache.finish("a", b"x", remember=False)
    assert cache.begin("a", "d2", "t5")[0] is Seen.NEW  # not remembered (overloaded)


def test_request_digest_is_the_content_not_the_route():
    from edge_agent.protocol.messages import Request

    base = Request(id="r", text="turn on", top_k=3)
    assert base.digest() == Request(id="other", text="turn on", reply_to="edgelm/reply/x/r",
                                    deadline="2030-01-01T00:00:00Z").digest()
    assert base.digest() != Request(id="r", text="turn off").digest()
    assert base.digest() != Request(id="r", text="turn on", top_k=2).digest()


def test_answer_store_survives_reopening_skips_torn_lines_and_compacts(tmp_path):
    from edge_agent.once.answer_store import AnswerStore
    from edge_agent.once.request_cache import Remembered

    path = tmp_path / "state" / "answers.log"
    store = AnswerStore(path, keep=3)
    store.append([Remembered(f"/{i}", "d", f'{{"id":"{i}"}}'.encode()) for i in range(5)])
    store.close()
    with open(path, "ab") as torn:  # a crash in the middle of a line
        torn.write(b'{"k":"/9","d":"d","p":"ey')
    again = AnswerStore(path, keep=3)
    assert [a.key for a in again.load()] == ["/2", "/3", "/4"]
    assert again.load()[-1].payload == b'{"id":"4"}'
    assert not again.needs_compacting()
    again.append([Remembered(f"/x{i}", "d", b"{}") for i in range(2)])
    assert again.needs_compacting()
    again.compact(again.load())
    assert len(path.read_bytes().splitlines()) == 3
    assert oct(path.parent.stat().st_mode)[-3:] == "700"


def test_answer_store_in_an_unwritable_place_is_a_config_error(tmp_path):
    from edge_agent.once.answer_store import AnswerStore, StoreError

    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="state_dir"):
        AnswerStore(tmp_path / "file" / "answers.log", keep=3)


def test_pick_token_greedy_and_seeded_sampling():
    logits = np.array([0.1, 3.0, 0.2, 2.9])
    assert pick_token(logits, 0.0, 0, np.random.default_rng(0)) == 1
    draws = [pick_token(logits, 1.0, 2, np.random.default_rng(s)) for s in range(50)]
    assert set(draws) == {1, 3}  # top-2 only
    assert draws == [pick_token(logits, 1.0, 2, np.random.default_rng(s)) for s in range(50)]


def _resident_kb(path) -> int:
    target, total, inside = str(path.resolve()), 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                inside = len(fields) >= 6 and fields[5] == target
            elif inside and fields[0] == "Rss:":
                total += int(fields[1])
    return total


def test_release_file_pages_drops_resident_pages_and_keeps_the_bytes(tmp_path):
    import mmap

    from edge_agent.inference.runtime.litert import release_file_pages

    path = tmp_path / "model.bin"
    data = np.random.default_rng(0).integers(0, 255, 8 << 20, dtype=np.uint8).tobytes()
    path.write_bytes(data)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        checksum = sum(view[i] for i in range(0, len(data), 4096))  # touch every page
        assert _resident_kb(path) >= 7 * 1024
        assert release_file_pages(path) >= len(data)
        assert _resident_kb(path) < 1024
        assert view[:] == data  # pages fault back in from the file, unchanged
        assert sum(view[i] for i in range(0, len(data), 4096)) == checksum
    assert release_file_pages(tmp_path / "not-mapped.bin") == 0


def test_piped_tables_keep_every_cell_whole():
    import io

    from rich.console import Console
    from rich.table import Table

    from edgelm.tables import print_table

    table = Table("lang", "text", "intent", title="answers")
    table.add_row("es", "enciende las luces de la cocina por favor", "HassTurnOn")
    out = io.StringIO()
    print_table(table, Console(file=out, width=40, force_terminal=False))
    lines = out.getvalue().splitlines()
    assert "| es | enciende las luces de la cocina por favor | HassTurnOn |" in lines
    assert lines[:4] == ["**answers**", "", "| lang | text | intent |", "|---|---|---|"]


def test_unknown_format_lists_the_registered_ones():
    from converter.errors import ConversionError
    from converter.formats import get_format, known_formats

    assert known_formats() == ["onnx", "tflite"]
    assert get_format("tflite").runtime == "litert"
    with pytest.raises(ConversionError, match="supported: auto, onnx, tflite"):
        get_format("coreml")


@settings(max_examples=400, deadline=None)
@given(payload=st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                 max_leaves=12).map(lambda v: json.dumps({"id": "x", "text": v}, allow_nan=True).encode("utf-8", "surrogatepass"))))
def test_decoding_is_total(payload):
    """Any bytes become a Request or a RequestError; an error names no id it could not encode."""
    try:
        request = decode_request(payload, 16384, 2000)
        said = [request.id, request.text]
    except RequestError as err:
        said = [err.request_id or ""]
    assert all(text.encode("utf-8") is not None for text in said)  # raises on an unencodable text


def test_wire_refusals_and_topic_rules():
    from edge_agent.protocol.strict import PayloadError, loads, topic_problem

    for payload, needle in [(b'{"a": 1, "a": 2}', "repeats"), (b'{"a": NaN}', "NaN"), (b'{"a": Infinity}', "Infinity"),
                            (b'"\\udc00"', "surrogate"), (b"9" * 5000, "too long"), (b"[" * 100000, "nests"),
                            (b"\xff", "UTF-8")]:
        with pytest.raises(PayloadError, match=needle):
            loads(payload)
    assert loads(b'{"a": [1, "b"]}') == {"a": [1, "b"]}
    assert topic_problem("edgelm/reply/ha/r") is None
    for topic in ("", "a/+/b", "a/#", "$SYS/x", "a\tb", "a\x00b", "a\x85b", "a\ufffeb", "a\ufdd0b", "x" * 257,
                  "a\udc00"):
        assert topic_problem(topic), topic
    assert dumps({"id": "\udc00"}) == b'{"id":"\\udc00"}'  # never an encoding error on the way out


def test_reply_policy_prefixes_and_senders():
    from edge_agent.protocol.reply_policy import ReplyPolicy, sender_of

    open_ = ReplyPolicy("edgelm", ("edgelm/reply/",), False, "edgelm/d/response")
    assert open_.topic("edgelm/reply/x/r", None) == "edgelm/reply/x/r"
    assert open_.topic("edgelm/reply/x/r", "bob") == "edgelm/reply/x/r"  # senders matter only when required
    for bad in ("homeassistant/light/x/set", "edgelm/other/request", "edgelm/replyx/r", "edgelm/reply/\t"):
        assert open_.problem(bad, None), bad
        assert open_.topic(bad, None) == "edgelm/d/response", bad
    assert open_.problem(None, None) is None
    assert open_.topic(None, None) == "edgelm/d/response"
    strict = ReplyPolicy("edgelm", ("edgelm/reply/",), True, "edgelm/d/response")
    assert strict.topic("edgelm/reply/bob/r", "bob") == "edgelm/reply/bob/r"
    assert strict.problem("edgelm/reply/alice/r", "bob") == "reply topic must start with edgelm/reply/bob/"
    assert strict.problem("edgelm/reply/bobby/r", "bob")  # a prefix of the level is not the level
    assert "request/<sender>" in (strict.problem("edgelm/reply/bob/r", None) or "")
    assert ReplyPolicy("edgelm", ("",), False, "x").problem("any/where", None) is None
    assert sender_of("edgelm/d/request/alice", "edgelm/d/request") == "alice"
    assert sender_of("edgelm/d/request", "edgelm/d/request") is None
    assert sender_of("edgelm/d/request/", "edgelm/d/request") is None


def test_recent_ids_forget_the_oldest():
    from edge_agent.once.request_cache import RecentIds

    ids = RecentIds(size=3)
    assert [ids.add(i) for i in "abca"] == [True, True, True, False]
    ids.add("d")  # forgets b, the least recently seen ("a" was seen again)
    assert len(ids) == 3
    assert ids.add("b")
    assert not ids.add("a")


@pytest.mark.parametrize("uri", ["tcp://0.0.0.0:10²", "tcp://host:٨٠", "udp://host:1", "tcp://host:70000", "tcp://host"])
def test_a_wyoming_uri_that_is_not_tcp_host_port_is_a_clear_error(uri):
    with pytest.raises(ValueError, match="must look like tcp://HOST:PORT"):
        WyomingUri.parse(uri)
    assert WyomingUri.parse("tcp://[::1]:10700") == WyomingUri("::1", 10700)
