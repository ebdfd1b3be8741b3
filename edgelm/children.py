"""Child processes that end with their parent: the demo's broker and agent must not outlive `edgelm demo`,
whether it is stopped by Ctrl-C, SIGTERM, SIGHUP (a closed terminal) or killed outright."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """A stop signal arrived: unwind (closing what was started) and exit with 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has Linux send the child SIGTERM when this process dies, SIGKILL included.
    Linux delivers it when the creating *thread* ends, so it is only set from the main thread; and it is
    cleared when the child changes its user, so a child that drops privileges must be told not to."""
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child must not import or load
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGTERM)
    return preexec


@contextlib.contextmanager
def stop_on_signals(signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into a `Stopped` exception in the main thread, as Ctrl-C is turned into
    KeyboardInterrupt, so every `finally` that stops a child runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_stopped(signum: int, frame: object) -> None:
        for sig in signals:  # a second signal must not cut the clean-up short (Ctrl-C still can)
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, raise_stopped) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
