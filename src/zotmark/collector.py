"""Pausing Python's cyclic garbage collector around bulk work that builds no reference cycles.

A parse builds a few objects per entry, a run a few per entry and per item (entries, plan
actions, item JSON, base rows): tens of thousands for a large list, kept to the end of the
work. They form no reference cycles, yet the collector would walk them again and again: in
every young-generation pass while the work runs, and once more in the first pass after it
(together about a third of the time of a 10,000-entry parse). So the collector is off during
the work, and what the work built is then filed with the old objects, unexamined
(:func:`gc.freeze` then :func:`gc.unfreeze`, two list splices): the young generations hold
short-lived objects, and these are not. Reference counting still frees everything.

Only large work is filed so (more than ten young passes' worth of new objects): small work is
left to the usual young passes. And filing resets the collector's counts, so a long-running
process that does large work every few seconds might never collect a cycle made meanwhile (an
exception's traceback, another thread's garbage): every sixteenth time, large work ends with a
full collection instead.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses in progress, in any thread
_was_enabled = False  # the collector's state when the first of them began
_filed = 0  # times large work ended (filed or collected)
_LARGE = 10  # large work: more new objects than this many young passes' thresholds
_COLLECT_EVERY = 16  # of those, the one in so many ending with a full collection


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block. The first pause to begin (in any thread)
    saves the collector's state; the last to end restores it, also when a block raises, after
    :func:`_end_large_work` when the blocks built much. (With the collector off before, it is
    left as it was.)"""
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
                if gc.get_count()[0] > _LARGE * gc.get_threshold()[0]:
                    _end_large_work()
                gc.enable()


def _end_large_work() -> None:
    """File what large work built with the old generation, or every ``_COLLECT_EVERY``-th
    time collect every generation instead (so cycles made meanwhile are freed at last)."""
    global _filed
    _filed += 1
    if _filed % _COLLECT_EVERY == 0:
        gc.collect()
    else:
        promote_to_old_generation()


def promote_to_old_generation() -> None:
    """File every object the collector tracks in its oldest generation without examining them
    (``gc.freeze`` moves them all to the permanent generation, ``gc.unfreeze`` from there to the
    oldest): they are left to the next full collection. Objects already frozen by someone else
    are thawed too; zotmark freezes nothing else."""
    gc.freeze()
    gc.unfreeze()
