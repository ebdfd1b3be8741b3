"""`executions_log`: one line per committed run, what fault tests and audits count to prove that no
request ran twice. An empty path keeps no log."""

from __future__ import annotations

from pathlib import Path


class ExecutionsLog:
    def __init__(self, path: str):
        self._file = open(Path(path), "a") if path else None  # noqa: SIM115 (held open for the agent's life)

    def write(self, keys: list[str]) -> None:
        if self._file is not None and keys:
            self._file.write("".join(f"{key}\n" for key in keys))
            self._file.flush()  # into the page cache: a SIGKILL does not lose it

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
