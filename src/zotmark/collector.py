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
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block, then leave it as it was found (also when the
    block raises; a pause inside a pause leaves it off until the outer one ends)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
