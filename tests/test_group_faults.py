"""Faults in a group, with real Mosquitto and real agent processes, while clients send 2,000 requests and
retry each (same id) until it is answered: (a) one of three members is killed with SIGKILL mid-run and
started again; (c) the bridge between the clients' broker and the group's broker is cut for 5 s. Every
id must get an answer, and no id may be run twice: runs are counted at the agents (each one's
executions_log: a line per committed answer), not from the answers the client keeps."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from mqtt_helpers import documented_bridge, until
from tcp_cut import CuttableLink

from edge_agent.client import EdgeClient
from edgelm.agent_process import start_agent_process
from edgelm.demo_broker import Mosquitto

REQUESTS, CLIENTS = 2000, 4
# Above the longest an answer takes on a loaded CI machine (three test workers on two cores stall an agent
# for tenths of a second): a retry sent while the first attempt still runs may run twice (docs/scaling.md).
RETRY_TIMEOUT_S = 2.0
SENTENCES = ["turn on the kitchen light", "lock the front door", "what time is it", "close the garage door"]


class Group:
    """Three agent processes in group `gf`, each with its own state_dir and executions log."""

    def __init__(self, bundle: Path, broker: Mosquitto, root: Path):
        self.bundle, self.broker, self.root = bundle, broker, root
        self.procs = [self.start(i) for i in range(3)]

    def start(self, index: int):
        config = self.root / f"gf-{index}.toml"
        config.write_text(f'state_dir = "{self.root / f"state-{index}"}"\n'
                          f'executions_log = "{self.log(index)}"\nthreads = 1\nort_spinning = false\n'
                          "telemetry_interval_s = 0\n")
        return start_agent_process(self.bundle, self.broker.url, f"gf-{index}", "--group", "gf",
                                   "--config", str(config))[0]

    def log(self, index: int) -> Path:
        return self.root / f"executions-{index}.log"

    def executions(self) -> Counter:
        return Counter(line for i in range(3) if self.log(i).exists() for line in self.log(i).read_text().split())

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(15)


def send_all(url: str, progress: Counter) -> tuple[dict[str, dict], int]:
    """Every request answered (retry until it is), from CLIENTS threads; (answers by id, resends)."""
    answers: dict[str, dict] = {}
    resent = []
    lock = threading.Lock()

    def client(index: int) -> None:
        with EdgeClient(url) as edge:
            for n in range(index, REQUESTS, CLIENTS):
                rid = f"r{n}"
                answer = edge.request(SENTENCES[n % len(SENTENCES)], group="gf", request_id=rid,
                                      timeout=RETRY_TIMEOUT_S, retries=30)
                with lock:
                    answers[rid] = answer
                    progress["done"] += 1
            resent.append(edge.resent)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return answers, sum(resent)


def wait_for(progress: Counter, done: int, timeout: float = 60.0) -> None:
    """Until `done` requests are answered; raises, saying how far it got, if that takes over `timeout` s."""
    deadline = time.monotonic() + timeout
    while progress["done"] < done:
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {done} answered requests; {progress['done']} were")
        time.sleep(0.01)


def check(answers: dict, executions: Counter, killed: str | None = None) -> None:
    assert len(answers) == REQUESTS  # none lost
    assert all("intent" in a and a["id"] == rid for rid, a in answers.items())
    ran = Counter({key.rsplit("/", 1)[-1]: n for key, n in executions.items()})
    assert not [rid for rid, n in ran.items() if n > 1]  # none run twice
    # Every answer was logged by the member that committed it, except where that member was killed
    # between sharing the answer (the commit) and logging it: the others answered the retry from it.
    unlogged = set(answers) - set(ran)
    assert {answers[rid]["device_id"] for rid in unlogged} <= ({killed} if killed else set())
    assert set(ran) <= set(answers)


def run_with_fault(group: Group, client_url: str, fault, killed: str | None = None) -> int:
    """Send every request, call `fault()` a third of the way in, check the outcome; the resends."""
    progress: Counter = Counter()
    result: list = []
    try:
        sender = threading.Thread(target=lambda: result.append(send_all(client_url, progress)))
        sender.start()
        wait_for(progress, REQUESTS // 3)
        fault()
        sender.join(180)
        if sender.is_alive() or not result:  # say so, rather than an IndexError on an empty result
            raise AssertionError(f"the sender {'hangs' if sender.is_alive() else 'failed'} after 180 s: "
                                 f"{progress['done']} of {REQUESTS} answered")
        answers, resent = result[0]
        check(answers, group.executions(), killed)
    finally:
        group.stop()
    return resent


@pytest.mark.slow  # 2,000 requests, as the chaos test
def test_sigkill_of_one_member_mid_run_loses_nothing_and_runs_nothing_twice(agent_bundle, tmp_path, capsys):
    def kill_and_restart() -> None:
        group.procs[1].kill()  # SIGKILL mid-run
        group.procs[1].wait(10)
        group.procs[1] = group.start(1)  # and started again, same state_dir

    with Mosquitto() as broker:
        group = Group(agent_bundle, broker, tmp_path)
        resent = run_with_fault(group, broker.url, kill_and_restart, killed="gf-1")
    with capsys.disabled():
        print(f"\n(a) SIGKILL of one of three members: {REQUESTS} answered, none run twice, {resent} resends")


@pytest.mark.slow  # 2,000 requests, as the chaos test
def test_a_5_second_bridge_cut_loses_nothing_and_runs_nothing_twice(agent_bundle, tmp_path, capsys):
    def cut_for_5_s() -> None:
        link.cut()
        time.sleep(5)
        link.restore()

    with Mosquitto() as central:
        link = CuttableLink(central.port)
        with Mosquitto(extra_config=documented_bridge(link.port)) as site:
            resent = run_with_fault(Group(agent_bundle, site, tmp_path), central.url, cut_for_5_s)
    with capsys.disabled():
        print(f"\n(c) 5 s bridge cut: {REQUESTS} answered, none run twice, {resent} resends")


def test_group_answers_are_shared_and_what_a_forged_one_does(agent_bundle, broker):
    """The mechanism itself: a member's committed answer reaches the others' caches; garbage on the
    answers topic is counted as a bad request and changes nothing. A well-formed forged answer is taken
    as a member's: what stops it today is the broker's ACL (only the group's devices may write there,
    tests/test_broker_config.py); on a broker without one, as here, the forgery is served to the asker."""
    from mqtt_helpers import Listener, running_agent

    with running_agent(agent_bundle, broker, "ga-1", group="ga") as one, \
            running_agent(agent_bundle, broker, "ga-2", group="ga") as two, EdgeClient(broker.url) as client:
        for n in range(6):
            client.request("turn on the kitchen light", group="ga", request_id=f"s{n}", timeout=5)
        deadline = time.monotonic() + 5
        while one.outbox.group.received + two.outbox.group.received < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert one.outbox.group.received + two.outbox.group.received == 6
        for agent in (one, two):
            assert all(f"/s{n}" in {r.key for r in agent.router.cache.remembered()} for n in range(6))
        listener = Listener(broker)
        errors = one.stats.errors + two.stats.errors
        for junk in (b"not json", b"[1]", b'{"from": "x", "key": 5}'):
            listener.publish("edgelm/group/ga/answers", junk)
        listener.close()
        deadline = time.monotonic() + 5
        while one.stats.errors + two.stats.errors < errors + 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert one.stats.errors + two.stats.errors == errors + 6
        assert client.request("lock the door", group="ga", timeout=5)["intent"]  # still serving

        from edge_agent.protocol.messages import Request

        forged = {"from": "mallory", "key": "/f1", "digest": Request(id="f1", text="lock the front door").digest(),
                  "payload": json.dumps({"id": "f1", "forged": True})}
        listener = Listener(broker)
        listener.publish("edgelm/group/ga/answers", json.dumps(forged))
        listener.close()
        # (not a count of shares: "lock the door"'s own share may still reach the other member meanwhile)
        until(lambda: all("/f1" in {r.key for r in agent.router.cache.remembered()} for agent in (one, two)),
              "both members to take the forged answer")
        answer = client.request("lock the front door", group="ga", request_id="f1", timeout=5)
        assert answer == {"id": "f1", "forged": True}  # without the ACL the forgery is what the asker gets


def test_a_withheld_group_acknowledgement_holds_only_its_own_answer(agent_bundle):
    """The worker does not wait on the broker. With the broker paused (SIGSTOP) after a group request ran,
    its shared answer waits for the acknowledgement while the next request (a local asker, as Wyoming's) is
    answered at once; when no acknowledgement comes within SHARE_ACK_TIMEOUT_S the answer is sent anyway,
    uncommitted to the group, and counted under errors_by_kind.share (docs/scaling.md)."""
    import json
    import os
    import queue
    import signal

    from mqtt_helpers import Listener, running_agent, until

    with Mosquitto() as broker, running_agent(agent_bundle, broker, "gp-1", group="gp") as agent:
        listener = Listener(broker).subscribe("edgelm/reply/gp/#")
        classifier = agent.model.classifier
        ran, release, predict = threading.Event(), threading.Event(), classifier.predict

        def held_once(texts):
            if not ran.is_set():
                ran.set()
                release.wait(10)
            return predict(texts)

        classifier.predict = held_once
        listener.publish("edgelm/group/gp/request", json.dumps({"id": "p1", "text": "turn on the kitchen light",
                                                                "reply_to": "edgelm/reply/gp/p1"}))
        assert ran.wait(10), "the group request never reached the worker"
        os.kill(broker.proc.pid, signal.SIGSTOP)
        try:
            release.set()
            until(lambda: agent.outbox.group.in_flight == 1, "the shared answer to await its acknowledgement")
            local: queue.Queue = queue.Queue()
            agent.router.submit_local("lock the front door", local.put)
            answer = local.get(timeout=5)
            assert answer.intent is not None  # the next batch ran ...
            assert agent.outbox.group.in_flight == 1  # ... while the first answer still waits for its ack
            until(lambda: agent.stats.errors_by_kind.get("share") == 1, "the withheld ack to time out", 10)
            until(lambda: agent.outbox.group.in_flight == 0, "the held answer to be committed and sent")
        finally:
            os.kill(broker.proc.pid, signal.SIGCONT)
        reply = listener.get_json(timeout=10)  # sent uncommitted once the wait ran out
        assert reply["id"] == "p1"
        assert reply["intent"]["name"]
        listener.close()
