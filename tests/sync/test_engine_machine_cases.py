"""Runs of the engine machine that random runs found failing, replayed step by step.

Each test drives :class:`~tests.sync.test_engine_machine.EngineMachine` through the steps of
one falsifying example (the machine's own rules and checks), named for what it holds: a
failure found in the machine's model or in the engine stays caught here whatever examples CI
draws. A rule that draws from the data is given the choice the example made (:class:`Picks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.sync.test_engine_machine import EngineMachine
from tests.system.sync_world import PAPERS

ATTENTION, VISION = PAPERS[0], PAPERS[1]
FIRST = "JFKZD82Q"  # the key of the item the first sync makes for the first paper


class Picks:
    """Stands for hypothesis's data in a replayed step: draws the one element of a
    ``sampled_from`` strategy that ``choose`` accepts."""

    def __init__(self, choose: Callable[[Any], bool]) -> None:
        self.choose = choose

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        return next(value for value in strategy.elements if self.choose(value))


def entry(title: str) -> Picks:
    """The entry whose title begins with ``title``."""
    return Picks(lambda row: row.title.startswith(title))


def item(key: str) -> Picks:
    return Picks(lambda value: value == key)


@pytest.fixture
def machine() -> Iterator[EngineMachine]:
    """The machine after its first sync of two papers' entries, without ``Relevant?`` boxes."""
    state = EngineMachine()
    state.first_sync(start=[(ATTENTION, " ", False), (VISION, " ", False)], boxes=False)
    yield state
    state.teardown()


def test_zotmark_killed_in_the_run_made_again_after_a_late_library_move_starts_again(
    machine: EngineMachine,
) -> None:
    """The library moved after the run's refresh and the run had nothing to write to the file:
    the run made again is the one the kill hits, and it starts again at once."""
    machine.retitle_entry(entry("Attention"), how="suffix")
    machine.move_before_apply(item(FIRST))
    machine.kill_before_file_write()
    machine.zotero_retitle(item(FIRST))
    machine.run()


def test_a_pair_matched_without_a_base_keeps_the_item_title_while_neither_side_retitles(
    machine: EngineMachine,
) -> None:
    """State lost, the item retitled, its entry listed again: the new pair keeps both titles,
    and the item keeps its own through the next runs."""
    machine.remove_entry(entry("Attention"))
    machine.lose_state()
    machine.zotero_retitle(item(FIRST))
    machine.add_entry(paper=ATTENTION, state=" ", relevant=False)
    machine.run()
    machine.run()


def test_an_entry_newly_paired_with_an_item_keeps_a_title_zotero_refuses_unwritten(
    machine: EngineMachine,
) -> None:
    """State lost, an entry listed again with a title Zotero refuses: it is paired with the
    item of its paper, which keeps its title; nothing is written, so nothing is refused."""
    machine.lose_state()
    machine.remove_entry(entry("Attention"))
    machine.remove_entry(entry("Vision"))
    machine.add_entry(paper=ATTENTION, state=" ", relevant=False)
    machine.retitle_entry(entry("Attention"), how="oversize")
    machine.run()
    machine.run()


def test_an_entry_listed_again_with_a_title_zotero_refuses_leaves_its_item_unanchored(
    machine: EngineMachine,
) -> None:
    """An entry removed, then listed again with a title Zotero refuses: its item's base row
    pairs them, the retitle is refused and reported, and the entry takes no anchor while it
    stands (the item stays in the collection)."""
    machine.remove_entry(entry("Attention"))
    machine.add_entry(paper=ATTENTION, state=" ", relevant=False)
    machine.retitle_entry(entry("Attention"), how="oversize")
    machine.run()
    machine.run()
