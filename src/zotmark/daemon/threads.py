"""Worker threads that never die silently.

The daemon's long-lived threads (the watcher's debouncer, the scheduler's runner, the stream
listener) are made by :func:`worker`: an exception that escapes a thread's work is handed to
the owner's ``on_crash(name, error)`` instead of ending the thread with a traceback on stderr
while the daemon looks alive. Callbacks that run on threads zotmark does not own (watchdog's
observer) are wrapped by :func:`guarded` for the same reason. The default ``on_crash``,
:func:`log_crash`, logs the failure; the daemon passes one that stops it with an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import ParamSpec

__all__ = ["OnCrash", "guarded", "log_crash", "worker"]

logger = logging.getLogger(__name__)

OnCrash = Callable[[str, BaseException], None]
"""Told the name of a thread whose work failed, and the exception; must return quickly."""

_P = ParamSpec("_P")


def log_crash(name: str, error: BaseException) -> None:
    """The default ``on_crash``: log the failure with its traceback."""
    logger.critical("the thread %s died: %s: %s", name, type(error).__name__, error, exc_info=error)


def guarded(name: str, call: Callable[_P, None], on_crash: OnCrash) -> Callable[_P, None]:
    """``call``, with any exception it raises handed to ``on_crash(name, error)`` instead
    (never raised: an ``on_crash`` that fails is logged by :func:`log_crash`)."""

    def run(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            call(*args, **kwargs)
        except BaseException as error:
            try:
                on_crash(name, error)
            except BaseException as failure:
                log_crash(f"{name} (its crash handler)", failure)

    return run


def worker(name: str, target: Callable[[], None], on_crash: OnCrash) -> threading.Thread:
    """A daemon thread called ``name`` that runs ``target`` (not started); an exception that
    escapes ``target`` goes to ``on_crash(name, error)`` and ends the thread."""
    return threading.Thread(target=guarded(name, target, on_crash), name=name, daemon=True)
