"""The collector pause restores what it found."""

from __future__ import annotations

import gc

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
