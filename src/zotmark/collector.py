"""Pausing Python's cyclic garbage collector around bulk work that builds no reference cycles.

A parse builds a few objects per entry, a run a few per entry and per item (entries, plan
actions, item JSON, base rows): tens of thousands for a large list, kept to the end of the
work. They form no reference cycles, yet the collector would walk them again and again (about
a sixth of the time of a 10,000-entry parse or first sync). Reference counting still frees
everything; a cycle made meanwhile (an exception's traceback) is collected once the collector
runs again.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses in progress, in any thread
_was_enabled = False  # the collector's state when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block. The first pause to begin (in any thread)
    saves the collector's state and the last to end restores it, also when a block raises."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
