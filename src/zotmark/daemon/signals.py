"""How the daemon stops: SIGINT/SIGTERM set its stop event; a second Ctrl-C aborts."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from zotmark.presentation.logs import kv

logger = logging.getLogger("zotmark.daemon")

SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def stop_on_signals(stop: threading.Event) -> dict[int, SignalHandler]:
    """Make SIGINT/SIGTERM set ``stop``; return the previous handlers.

    While stopping, another SIGINT (a second Ctrl-C) aborts with ``KeyboardInterrupt``; another
    SIGTERM is ignored (supervisors escalate to SIGKILL themselves, and a signal sent both to
    the process and to its group must not cut the run in flight short).
    """

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            logger.info("signal", extra=kv(signal=name))
            stop.set()
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            logger.info("signal.ignored", extra=kv(signal=name, why="already stopping"))

    previous: dict[int, SignalHandler] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        old = signal.getsignal(signum)
        previous[signum] = old if old is not None else signal.SIG_DFL
        signal.signal(signum, handler)
    return previous
