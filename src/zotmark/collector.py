"""Pausing Python's cyclic garbage collector around bulk work that builds no reference cycles.

A parse builds a few objects per entry, a run a few per entry and per item (entries, plan
actions, item JSON, base rows): tens of thousands for a large list, kept to the end of the
work. They form no reference cycles, yet the collector would walk them again and again: in
every young-generation pass while the work runs, and once more in the first pass after it
(together about a third of the time of a 10,000-entry parse). So the collector is off during
the work, and what the work built is then filed with the old objects, unexamined
(:func:`gc.freeze` then :func:`gc.unfreeze`, two list splices): the young generations hold
short-lived objects, and these are not. Reference counting still frees everything; a cycle
made meanwhile (an exception's traceback) is collected by the next full collection.
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
    saves the collector's state; the last to end files every object still in the young
    generations with the old ones and restores that state, also when a block raises. (With the
    collector off before, it is left as it was.)"""
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
                promote_to_old_generation()
                gc.enable()


def promote_to_old_generation() -> None:
    """File every object the collector tracks in its oldest generation without examining them
    (``gc.freeze`` moves them all to the permanent generation, ``gc.unfreeze`` from there to the
    oldest): they are left to the next full collection. Objects already frozen by someone else
    are thawed too; zotmark freezes nothing else."""
    gc.freeze()
    gc.unfreeze()
