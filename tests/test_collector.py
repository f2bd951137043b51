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


def test_the_pause_files_what_the_block_built_with_the_old_generation() -> None:
    """Objects built in the block are in no young generation afterwards: the first collection
    of the young generation does not walk them again."""
    gc.collect()
    with collector_paused():
        built = [[index] for index in range(5_000)]
    assert gc.get_count()[0] < 100
    young = {id(obj) for obj in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
    assert not any(id(obj) in young for obj in built)
    assert any(obj is built[0] for obj in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0


def test_a_cycle_built_in_the_block_is_collected_by_a_full_collection() -> None:
    class Node:
        partner: object = None

    with collector_paused():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        witness = weakref.ref(first)
        del first, second
    assert witness() is not None  # no young pass reclaimed it
    gc.collect()
    assert witness() is None
