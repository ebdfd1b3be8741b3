"""Reloads `home_file` when it changes (`edgelm home sync --watch` rewrites it), without a restart: the
next batch snaps slots to the new names. A file that does not parse is logged and the old names stay."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from edge_agent.config import AgentConfig, ConfigError
from edge_agent.inference.serving import ModelRegistry

log = logging.getLogger(__name__)


class HomeFileWatcher(threading.Thread):
    def __init__(self, config: AgentConfig, models: ModelRegistry, interval_s: float = 2.0):
        super().__init__(name="edgelm-home-file", daemon=True)
        self.config = config
        self.models = models
        self.path = Path(config.home_file or "")
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
                home = self.config.home_entities()
            except ConfigError as exc:
                log.error("%s; keeping the names loaded before", exc)
                continue
            self.models.rehome(home)
            self.reloads += 1
            log.info("home_file %s reloaded: %d areas, %d floors, %d names", self.path, len(home.areas),
                     len(home.floors), len(home.names))
