"""Answers that outlive the process: a request answered just before a crash, but not yet acknowledged,
is redelivered by the broker after the restart and must get the same answer, not a second run.

An append-only file of (key, digest, payload) lines, written before the answers are published and
fsync'd once per batch. On start the newest `keep` answers are read back (a line torn by a crash is
skipped); the file is rewritten with only those once it holds twice as many."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from pathlib import Path

from edge_agent.once.request_cache import Remembered

log = logging.getLogger(__name__)


class StoreError(OSError):
    """state_dir cannot be written."""


class AnswerStore:
    """Answers on disk under state_dir."""

    def __init__(self, path: Path, keep: int):
        self.path = path
        self.keep = keep
        self._lines = 0
        self._lock = threading.Lock()  # the worker and the MQTT thread (expired on arrival) both append
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # answers can hold private text
            self._file = open(path, "ab")  # noqa: SIM115 (held open for the agent's life)
        except OSError as exc:
            raise StoreError(f"cannot write answers to {path}: {exc.strerror}; "
                             "set state_dir to a writable directory, or \"\" to keep answers in memory only") from exc

    def load(self) -> list[Remembered]:
        """The newest `keep` answers, oldest first."""
        answers: dict[str, Remembered] = {}
        self._lines = 0
        with open(self.path, "rb") as lines:
            for line in lines:
                self._lines += 1
                answer = _parse(line)
                if answer is not None:
                    answers.pop(answer.key, None)
                    answers[answer.key] = answer
        return list(answers.values())[-self.keep:]

    def append(self, answers: list[Remembered]) -> None:
        """Write and fsync: once this returns, the answers survive a crash of the process or the board."""
        if not answers:
            return
        with self._lock:
            self._file.write(b"".join(_line(a) for a in answers))
            self._file.flush()
            os.fsync(self._file.fileno())
            self._lines += len(answers)

    def needs_compacting(self) -> bool:
        return self._lines > 2 * self.keep

    def compact(self, answers: list[Remembered]) -> None:
        """Replace the file with `answers` (the cache's), atomically."""
        tmp = self.path.with_suffix(".tmp")
        with self._lock:
            with open(tmp, "wb") as out:
                out.write(b"".join(_line(a) for a in answers))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
            self._file.close()
            self._file = open(self.path, "ab")  # noqa: SIM115
            self._lines = len(answers)

    def close(self) -> None:
        with self._lock:
            self._file.close()


class MemoryOnly:
    """No state_dir: answers live in the request cache only, and a restart forgets them."""

    path = None

    def load(self) -> list[Remembered]:
        return []

    def append(self, answers: list[Remembered]) -> None:
        pass

    def needs_compacting(self) -> bool:
        return False

    def compact(self, answers: list[Remembered]) -> None:
        pass

    def close(self) -> None:
        pass


def _line(answer: Remembered) -> bytes:
    record = {"k": answer.key, "d": answer.digest, "p": base64.b64encode(answer.payload).decode()}
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def _parse(line: bytes) -> Remembered | None:
    try:
        record = json.loads(line)
        return Remembered(record["k"], record["d"], base64.b64decode(record["p"], validate=True))
    except (ValueError, KeyError, TypeError):
        log.warning("skipped a damaged line in the answer store")
        return None
