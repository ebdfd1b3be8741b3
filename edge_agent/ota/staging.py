"""A transfer being received: `state_dir/models/NAME/VERSION.partial/` holds the begin message, the
archive written chunk by chunk at its offset, and which chunks are in. A restarted agent, or a second
`edgelm deploy` of the same archive, resumes from there; a transfer left alone too long is discarded."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from edge_agent.inference.bundle import sha256_file
from edge_agent.ota.wire import Begin, DeployError, ranges, sha256_hex

BEGIN_FILE = "begin.json"
ARCHIVE_FILE = "bundle.tar.gz"
RECEIVED_FILE = "received"  # one byte per chunk: 1 when written and its hash checked
PARTIAL_SUFFIX = ".partial"


class Transfer:
    def __init__(self, directory: Path, begin: Begin):
        self.dir = directory
        self.begin = begin
        self._received = bytearray(begin.chunks)
        self.received = 0  # chunks in (counted, not summed: a transfer has thousands)
        self.acked = 0  # chunk messages handled in this deploy, duplicates and bad ones too
        self._dirty = 0
        self._file: int | None = None  # the archive, open for writing while chunks arrive

    @classmethod
    def open(cls, models_dir: Path, begin: Begin) -> Transfer:
        """Resume the same archive's partial transfer, else start a new one (discarding another archive's)."""
        directory = models_dir / begin.name / f"{begin.version}{PARTIAL_SUFFIX}"
        resumed = cls._resume(directory, begin)
        if resumed is not None:
            return resumed
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        transfer = cls(directory, begin)
        with open(directory / ARCHIVE_FILE, "wb") as fh:
            fh.truncate(begin.size)
        (directory / BEGIN_FILE).write_text(json.dumps(asdict(begin)))
        transfer.save()
        return transfer

    @classmethod
    def _resume(cls, directory: Path, begin: Begin) -> Transfer | None:
        try:
            before = json.loads((directory / BEGIN_FILE).read_text())
            received = (directory / RECEIVED_FILE).read_bytes()
        except (OSError, ValueError):
            return None
        same = all(before.get(k) == getattr(begin, k) for k in ("sha256", "size", "chunk_size"))
        if not same or len(received) != begin.chunks:
            return None
        transfer = cls(directory, begin)
        transfer._received[:] = received
        transfer.received = sum(received)
        (directory / BEGIN_FILE).write_text(json.dumps(asdict(begin)))  # the new deploy id answers now
        return transfer

    @property
    def archive(self) -> Path:
        return self.dir / ARCHIVE_FILE

    def write(self, index: int, sha256: str, data: bytes) -> None:
        """One chunk at its place; refused unless its index, length and hash are right."""
        begin = self.begin
        if not 0 <= index < begin.chunks:
            raise DeployError(f"chunk {index} is outside 0..{begin.chunks - 1}")
        expected = min(begin.chunk_size, begin.size - index * begin.chunk_size)
        if len(data) != expected:
            raise DeployError(f"chunk {index} has {len(data)} bytes, expected {expected}")
        if sha256_hex(data) != sha256:
            raise DeployError(f"chunk {index} does not match its sha256")
        if self._received[index]:
            return  # a QoS 1 redelivery or a resend: already in
        os.pwrite(self._fd(), data, index * begin.chunk_size)
        self._received[index] = 1
        self.received += 1
        self._dirty += 1
        if self._dirty >= max(1, begin.chunks // 20):  # progress survives a crash, ~20 writes per transfer
            self.save()

    def _fd(self) -> int:
        if self._file is None:
            self._file = os.open(self.archive, os.O_WRONLY)
        return self._file

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def save(self) -> None:
        """Flush the archive, then record which chunks it holds: the record never claims unwritten data."""
        os.fsync(self._fd())
        tmp = self.dir / f"{RECEIVED_FILE}.tmp"
        tmp.write_bytes(bytes(self._received))
        os.replace(tmp, self.dir / RECEIVED_FILE)
        self._dirty = 0

    def missing(self) -> list[list[int]]:
        return ranges([i for i, got in enumerate(self._received) if not got])

    def complete(self) -> bool:
        return self.received == self.begin.chunks  # counted as chunks arrive: this runs for every chunk

    def check_whole(self) -> None:
        self.close()
        digest = sha256_file(self.archive)
        if digest != self.begin.sha256:
            self.discard()
            raise DeployError("the received archive does not match the deploy's sha256 (tampered in transit?)")

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def discard_stale(models_dir: Path, older_than_s: float) -> list[Path]:
    """Remove partial transfers untouched for older_than_s; returns what was removed."""
    removed = []
    now = time.time()
    for partial in models_dir.glob(f"*/*{PARTIAL_SUFFIX}"):
        try:
            touched = max(p.stat().st_mtime for p in [partial, *partial.iterdir()])
        except (OSError, ValueError):
            touched = 0.0
        if now - touched > older_than_s:
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial)
    return removed
