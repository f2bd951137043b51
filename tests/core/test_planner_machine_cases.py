"""Runs of the planner machine that random runs found failing, replayed edit by edit.

Each test drives :class:`~tests.core.test_planner_machine.PlannerMachine` (its model world,
its runs and the oracle's checks after each) through the edits of one falsifying example,
reduced to those that matter, and is named for what it holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from tests.core import test_planner_machine
from tests.core.test_planner_machine import COLL, PAPERS, PlannerMachine

from zotmark.core.identifiers import identify
from zotmark.core.model import Entry

VISUAL, SKELETON = PAPERS[2], PAPERS[3]  # two papers behind one arXiv id (2004.09476)


class Unforced:
    """Stands for hypothesis's data in a replayed run: a guard must not stop the run (the
    checks would then be skipped), so any draw fails the test."""

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        raise AssertionError(f"the run was stopped by a guard ({label})")


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlannerMachine]:
    """A fresh machine, its runs outside hypothesis (which only counts events in a test)."""
    monkeypatch.setattr(test_planner_machine, "event", lambda value: None)
    state = PlannerMachine()
    yield state
    state.teardown()


def test_a_new_line_of_a_paper_back_in_the_collection_is_its_item_not_the_other_papers_row(
    machine: PlannerMachine,
) -> None:
    """Without anchors, one of two papers sharing an arXiv id left the collection (its line
    struck) and came back; the other paper's entry was removed while its item was edited; a
    new line lists the first paper with a marker zotmark does not know. The line stands for
    the item back in the collection, not for the other paper's row retitled: the run leaves
    both sides in agreement and the next one with nothing to do (the line took the other
    paper's item, and the next run swapped the two items the run had given one title)."""
    start = [(VISUAL, " ", {"relevant": False}), (SKELETON, " ", {})]
    machine.configure(anchors=False, on_md="remove-from-collection", on_zot="strike", start=start)
    library = machine.world.library
    visual, skeleton = (next(i for i in library.values() if i.title == p[0][0]) for p in start)
    machine.world.write_item(replace(visual, collections=frozenset()))
    machine.sync(Unforced(), conflict="markdown-wins")  # type: ignore[arg-type]
    machine.world.write_item(replace(library[visual.key], collections=frozenset({COLL})))
    machine.world.remove_row(next(r.uid for r in machine.world.rows if not r.entry.struck))
    machine.world.write_item(replace(library[skeleton.key], tags=frozenset({"reading"})))
    line = Entry(0, *VISUAL, identify(*VISUAL), ">", {"relevant": True})
    machine.world.add_row(line)
    machine.sync(Unforced(), conflict="zotero-wins")  # type: ignore[arg-type]
