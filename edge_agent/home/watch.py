"""Reloads `home_file` when it changes (`edgelm home sync --watch` rewrites it), without a restart: the
next batch snaps slots to the new names. A file that does not parse is logged and the old names stay."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from edge_agent.home.names_file import HomeFileError
from edge_agent.home.slots import HomeEntities

log = logging.getLogger(__name__)


class HomeFileWatcher(threading.Thread):
    """load: reads the names again (raises HomeFileError); on_change: gets them once they parsed."""

    def __init__(self, path: Path, load: Callable[[], HomeEntities], on_change: Callable[[HomeEntities], None],
                 interval_s: float = 2.0):
        super().__init__(name="edgelm-home-file", daemon=True)
        self.path = path
        self.load = load
        self.on_change = on_change
        self.interval_s = interval_s
        self.stopping = threading.Event()
        self.reloads = 0
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            stamp = self._stamp()
            if stamp is None or stamp == self._seen:
                continue
            self._seen = stamp
            try:
                home = self.load()
            except HomeFileError as exc:
                log.error("%s; keeping the names loaded before", exc)
                continue
            self.on_change(home)
            self.reloads += 1
            log.info("home_file %s reloaded: %d areas, %d floors, %d names", self.path, len(home.areas),
                     len(home.floors), len(home.names))
