"""The collector pause restores what it found."""

from __future__ import annotations

import gc
import threading

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
