"""Run `edgelm agent run` as its own process (as on a board) and wait until it announces `online`.
Used by the demo, the agent benchmark and the process-level tests."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from edgelm import children


class AgentStartError(RuntimeError):
    pass


class OnlineWatcher:
    """Subscribed (SUBACK in) before the agent starts, so its fresh `online` is never missed; a retained
    status is from an earlier run and does not count."""

    def __init__(self, broker_url: str, device_id: str, protocol: int = 5):
        from edge_agent.client import EdgeClient

        self.online = threading.Event()
        self.client = EdgeClient(broker_url, protocol=protocol).connect()
        self.client.conn.subscribe(f"edgelm/{device_id}/status", self._on_status)

    def _on_status(self, msg) -> None:
        if not msg.retain and b'"online"' in msg.payload:
            self.online.set()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> OnlineWatcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_agent_process(bundle: Path | None, broker_url: str, device_id: str, *extra_args: str,
                        env: dict[str, str] | None = None, timeout: float = 30.0,
                        protocol: int = 5, die_with_parent: bool = False) -> tuple[subprocess.Popen, float]:
    """Start the agent (bundle None: the package's home model); return the process and seconds from spawn
    to its (non-retained) online status. die_with_parent: it ends when this process does, even killed.

    Its log goes to a file, not a pipe: an unread pipe fills up and blocks a long-running agent.
    """
    # kept open for the agent's lifetime: the process writes its log there
    log = tempfile.NamedTemporaryFile(prefix=f"edgelm-agent-{device_id}-", suffix=".log", delete=False)  # noqa: SIM115
    with OnlineWatcher(broker_url, device_id, protocol) as watcher:
        cmd = [sys.executable, "-m", "edgelm.cli", "agent", "run", *(["--bundle", str(bundle)] if bundle else []),
               "--broker", broker_url, "--device-id", device_id, "--protocol", "5" if protocol == 5 else "3.1.1",
               *extra_args]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                preexec_fn=children.die_with_parent() if die_with_parent else None)
        deadline = time.monotonic() + timeout
        while not watcher.online.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                lines = Path(log.name).read_text(errors="replace").strip().splitlines()
                raise AgentStartError(f"agent did not come online: {lines[-1] if lines else 'timeout'}")
    return proc, time.perf_counter() - started
