"""Answers that outlive the process: a request answered just before a crash, but not yet acknowledged,
is redelivered by the broker after the restart and must get the same answer, not a second run.

An append-only file of (key, digest, payload) lines. By default (`store_sync = "ack"`) a batch's lines are
written into the page cache before its answers are published, which a crash of the process cannot lose,
and are on disk (one fdatasync shared by every batch written meanwhile, on the store's own thread) before
its requests are acknowledged: the disk wait is off the asker's path. With `store_sync = "answer"` they are
on disk before the answers leave, which also holds through a power cut in the ~0.2 ms between the two.
On start the newest `keep` answers are read back (a line torn by a crash is skipped); the file is rewritten
with only those once it holds twice as many."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from edge_agent.once.request_cache import Remembered

log = logging.getLogger(__name__)
Synced = Callable[[bool], None]  # told whether the sync succeeded (False: the disk failed)


class StoreError(OSError):
    """state_dir cannot be written."""


class AnswerStore:
    """Answers on disk under state_dir."""

    def __init__(self, path: Path, keep: int):
        self.path = path
        self.keep = keep
        self._lines = 0
        self._lock = threading.Lock()  # the worker, the group's commit thread and the syncer share the file
        self._waiting: list[Synced] = []  # run after the next fdatasync
        self._wake = threading.Condition(self._lock)
        self._closing = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # answers can hold private text
            self._file = open(path, "ab")  # noqa: SIM115 (held open for the agent's life)
        except OSError as exc:
            raise StoreError(f"cannot write answers to {path}: {exc.strerror}; "
                             "set state_dir to a writable directory, or \"\" to keep answers in memory only") from exc
        self._syncer = threading.Thread(target=self._sync_loop, name="edgelm-answer-sync", daemon=True)
        self._syncer.start()

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
        """Write and sync: once this returns, the answers survive a crash of the process or the board."""
        if answers:
            with self._lock:
                self._write(answers)
                os.fdatasync(self._file.fileno())

    def write(self, answers: list[Remembered]) -> None:
        """Into the page cache: once this returns, a crash of the process loses nothing; see when_synced."""
        if answers:
            with self._lock:
                self._write(answers)

    def when_synced(self, then: Synced) -> None:
        """Run `then` on the syncer thread once everything written so far is on disk."""
        with self._lock:
            self._waiting.append(then)
            self._wake.notify()

    def _write(self, answers: list[Remembered]) -> None:
        self._file.write(b"".join(_line(a) for a in answers))
        self._file.flush()
        self._lines += len(answers)

    def _sync_loop(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._closing:
                    self._wake.wait()
                if not self._waiting:
                    return
                waiting, self._waiting = self._waiting, []
                ok = True
                try:  # under the lock: compact() may replace the file; a write waits at most one sync
                    os.fdatasync(self._file.fileno())
                except (OSError, ValueError):
                    log.exception("could not sync the answer store")
                    ok = False
            for then in waiting:
                try:
                    then(ok)
                except Exception:  # one acknowledgement that fails must not stop the others
                    log.exception("after syncing the answer store")

    def flush(self) -> None:
        """Wait until every when_synced callback so far has run (at shutdown, before disconnecting)."""
        done = threading.Event()
        self.when_synced(lambda ok: done.set())
        done.wait(10)

    def needs_compacting(self) -> bool:
        return self._lines > 2 * self.keep

    def compact(self, answers: list[Remembered]) -> None:
        """Replace the file with `answers` (the cache's), atomically."""
        tmp = self.path.with_suffix(".tmp")
        with self._lock:
            with open(tmp, "wb") as out:
                out.writelines(_line(a) for a in answers)  # line by line: no copy of the whole file in memory
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
            self._file.close()
            self._file = open(self.path, "ab")  # noqa: SIM115
            self._lines = len(answers)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._wake.notify()
        self._syncer.join(10)
        with self._lock:
            self._file.close()


class MemoryOnly:
    """No state_dir: answers live in the request cache only, and a restart forgets them."""

    path = None

    def load(self) -> list[Remembered]:
        return []

    def append(self, answers: list[Remembered]) -> None:
        pass

    def write(self, answers: list[Remembered]) -> None:
        pass

    def when_synced(self, then: Synced) -> None:
        then(True)

    def flush(self) -> None:
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
