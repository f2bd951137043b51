"""The collector pause restores what it found."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from zotmark.collector import collector_paused


def test_the_collector_pause_restores_the_state_it_found() -> None:
    """Enabled before: enabled after, also when the block raises; disabled before: left off."""
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_two_threads_restore_the_collector_when_the_last_ends() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        second_in.set()
        first_out.wait(5)
        assert not gc.isenabled()  # the first pause ended, the second still holds
    thread.join(5)
    assert gc.isenabled()


def _large_work() -> list[list[int]]:
    """More new objects than the pause counts as large work."""
    return [[index] for index in range(20 * max(gc.get_threshold()[0], 1))]


def test_the_pause_files_what_large_work_built_with_the_old_generation() -> None:
    """Objects large work built are in no young generation afterwards: no young pass walks
    them again (unless this was the time for a full collection: then they are old too)."""
    gc.collect()
    with collector_paused():
        built = _large_work()
    assert gc.get_count()[0] < 100
    young = {id(obj) for obj in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
    assert not any(id(obj) in young for obj in built)
    assert any(obj is built[0] for obj in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_small_work_is_left_to_the_young_passes() -> None:
    gc.collect()
    with collector_paused():
        built = [[index] for index in range(100)]
    assert any(obj is built[0] for obj in gc.get_objects(generation=0))


class _Node:
    partner: object = None


def _cycle() -> weakref.ref[_Node]:
    """A reference cycle nothing else refers to, and a weak reference to it."""
    first, second = _Node(), _Node()
    first.partner, second.partner = second, first
    return weakref.ref(first)


def test_a_cycle_made_during_large_work_is_freed_within_sixteen_large_pauses() -> None:
    """Filing resets the collector's counts; a full collection at one large pause in sixteen
    frees the cycles made meanwhile, with no other collection needed."""
    with collector_paused():
        witness = _cycle()
        built = _large_work()
    del built
    for _ in range(16):
        with collector_paused():
            built = _large_work()
        del built
    assert witness() is None
