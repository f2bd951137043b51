"""The sync state machine's world (``tests/system/sync_world.py``): the user's edits of the
list report what they changed, so that its oracle expects only real edits to win."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tests.system.sync_world import PAPERS, Sides, block

from zotmark.sandbox import Sandbox

PAPER = PAPERS[0]


@pytest.fixture
def sides(tmp_path: Path, sandbox_server: Sandbox) -> Sides:
    """The list file holding one entry of ``PAPER``, read (its box ``x``)."""
    path = tmp_path / "reading-list.md"
    path.write_text(block(PAPER, "x", None))
    return Sides(path, sandbox_server, random.Random(0))


def test_typing_the_state_a_box_already_says_is_no_edit(sides: Sides) -> None:
    # ``X`` over ``x`` is read over read: an oracle taking it for an edit expected the entry
    # kept over its item's removal (found by the sync state machine's long profile)
    assert sides.flip_box(PAPER.pid, "read", "X") is None


def test_typing_another_state_into_a_box_returns_that_state(sides: Sides) -> None:
    assert sides.flip_box(PAPER.pid, "read", "/") == "/"
