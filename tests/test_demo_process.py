"""`edgelm demo` as a user runs it, in its own process: its output on an 80-column terminal and in a pipe,
and its broker and agent stopping with it on SIGTERM, SIGHUP (a closed terminal) and SIGKILL."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import psutil

DEMO = [sys.executable, "-m", "edgelm.cli", "demo", "--keep-running"]
READY = "keep running"


def wait_for_text(path: Path, text: str, proc: subprocess.Popen, timeout: float = 120.0) -> str:
    """The demo's output once `text` is in it; raises with what it printed if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = path.read_bytes().decode(errors="replace")
        if text in out:
            return out
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"demo never printed {text!r} (exit {proc.poll()}):\n{path.read_text(errors='replace')}")


def start_demo(tmp_path: Path, tty: bool = False) -> tuple[subprocess.Popen, Path, list[psutil.Process]]:
    """The demo (shipped model, private Mosquitto) up with --keep-running; its child processes."""
    out = tmp_path / "demo.out"
    env = {**os.environ, "EDGELM_CACHE": str(tmp_path / "cache")}
    env.pop("COLUMNS", None)
    if tty:  # an 80x24 terminal, as a user's
        primary, secondary = pty.openpty()
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        proc = subprocess.Popen(DEMO, stdin=secondary, stdout=secondary, stderr=secondary, env=env,
                                start_new_session=True)
        os.close(secondary)
        reader = subprocess.Popen(["cat"], stdin=primary, stdout=out.open("wb"))  # drains the terminal
        os.close(primary)
        proc.reader = reader  # type: ignore[attr-defined]
    else:
        proc = subprocess.Popen(DEMO, stdout=out.open("wb"), stderr=subprocess.STDOUT, env=env)
    wait_for_text(out, READY, proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    names = {" ".join(c.cmdline()) for c in children}
    assert any("mosquitto" in n for n in names), names
    assert any("agent run" in n for n in names), names
    return proc, out, children


def assert_all_gone(children: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [], [" ".join(p.cmdline()) for p in alive]


def test_sigterm_stops_broker_and_agent_and_the_piped_output_copies(tmp_path):
    proc, out, children = start_demo(tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 128 + signal.SIGTERM
    assert_all_gone(children)
    lines = out.read_text().splitlines()
    ask = [line.strip() for line in lines if line.strip().startswith("edgelm ask ")]
    assert len(ask) == 1  # one whole line: copied as it is, it works
    assert ask[0].endswith("--device demo --protocol 5")
    assert any(line.startswith("telemetry: 14 requests, 0 errors, p50 ") for line in lines)
    assert not any('"cpu_percent"' in line for line in lines)  # the dump is for --json
    assert "stopped by SIGTERM: broker and agent stopped" in lines[-1]


def test_a_closed_terminal_stops_them_and_80_columns_keep_intent_names_whole(tmp_path):
    proc, out, children = start_demo(tmp_path, tty=True)
    os.killpg(proc.pid, signal.SIGHUP)  # what a closed terminal sends its session
    assert proc.wait(30) == 128 + signal.SIGHUP
    assert_all_gone(children)
    proc.reader.wait(10)  # type: ignore[attr-defined]
    screen = out.read_text(errors="replace")
    for name in ("HassClimateGetTemperature", "HassShoppingListAddItem", "HassStartTimer", "null (OutOfDomain)",
                 "null (no_action)"):  # "don't open the garage door yet": refused, not done
        assert name in screen
    assert "…" not in screen  # nothing cut


def test_a_killed_demo_takes_broker_and_agent_with_it(tmp_path):
    proc, _, children = start_demo(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert_all_gone(children)
