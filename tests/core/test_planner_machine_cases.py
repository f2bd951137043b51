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
from tests.core.plan_simulation import Row
from tests.core.test_planner_machine import COLL, OTHER, PAPERS, PlannerMachine, _retitled

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import Entry

ATTENTION, VIT, VISUAL, SKELETON, RESNET, BLOG, NOTES = PAPERS
# (VISUAL and SKELETON: two papers behind one arXiv id, 2004.09476)


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


# --- a paper listed twice --------------------------------------------------------------------


def _add_line(
    machine: PlannerMachine, paper: tuple[str, str | None], marker: str = " ", **boxes: bool
) -> None:
    """The user appends a line of ``paper``."""
    machine.world.add_row(Entry(0, *paper, identify(*paper), marker, boxes))


def _new_item(
    machine: PlannerMachine, paper: tuple[str, str | None], collection: str, *tags: str
) -> str:
    """The user makes an item of ``paper`` in ``collection``; its key."""
    key = machine._key("Z")
    where = frozenset({collection})
    machine.world.write_item(
        Item(key, 0, "preprint", *paper, identify(*paper), frozenset(tags), where)
    )
    return key


def _edit_item(machine: PlannerMachine, key: str, **changes: Any) -> None:
    """The user edits the item ``key`` in Zotero."""
    machine.world.write_item(replace(machine.world.library[key], **changes))


def _retitle_item(machine: PlannerMachine, key: str, cosmetic: bool = False) -> None:
    _edit_item(machine, key, title=_retitled(machine.world.library[key].title, cosmetic))


def _sync(machine: PlannerMachine, conflict: str) -> None:
    machine.sync(Unforced(), conflict=conflict)  # type: ignore[arg-type]


def test_a_repeat_leaves_the_trashed_item_of_its_struck_line_in_the_trash(
    machine: PlannerMachine,
) -> None:
    """Without anchors, the list holds one paper three times; its item goes to the trash. The
    line paired with it is struck, the next gets a new item, the third repeats it: it stays a
    repeat on the next run (it took the trashed item, still in the collection, and the next
    run brought it back: plan not idempotent)."""
    start = [(BLOG, " ", {})]
    machine.configure(anchors=False, on_md="remove-from-collection", on_zot="strike", start=start)
    (trashed,) = machine.world.library
    _add_line(machine, BLOG, relevant=False)
    _add_line(machine, BLOG)
    _edit_item(machine, trashed, deleted=True)
    _sync(machine, "markdown-wins")


def test_a_line_repeating_a_paper_only_as_written_adopts_its_library_item(
    machine: PlannerMachine,
) -> None:
    """The state is lost; Zotero retitled the first line's item, and wins; a new line has the
    first line's old title, and the library an item of that paper outside the collection: the
    new line repeats nothing once the run has retitled the first, and adopts that item (it
    was created again: pairing took the line for a repeat, the planner did not)."""
    machine.configure(
        anchors=True, on_md="remove-from-collection", on_zot="strike", start=[(VISUAL, " ", {})]
    )
    (first,) = machine.world.library
    _retitle_item(machine, first)
    machine.lose_state()
    _add_line(machine, VISUAL)
    _new_item(machine, VISUAL, OTHER)
    _sync(machine, "zotero-wins")


def test_lines_repeating_papers_as_written_and_after_the_run_stay_in_agreement(
    machine: PlannerMachine,
) -> None:
    """A long run of repeats, twins and retitles without anchors (the planner machine's long
    profile) that a rule "a repeat takes no item from the trash" broke: pairing's judgement
    of a repeat (titles as written) and the planner's (titles after the run) differed. The
    keys are those the machine gives: N… the planner's creates, Z… the user's items."""
    start = [
        (ATTENTION, " ", {}),
        (VIT, " ", {}),
        (RESNET, " ", {}),
        (BLOG, " ", {"relevant": False}),
    ]
    machine.configure(anchors=False, on_md="remove-from-collection", on_zot="strike", start=start)
    _sync(machine, "markdown-wins")
    _edit_item(machine, "N0000001", collections=frozenset())
    _edit_item(machine, "N0000002", collections=frozenset())
    _add_line(machine, VISUAL)
    _add_line(machine, SKELETON)
    skeleton = _new_item(machine, SKELETON, COLL)
    _retitle_item(machine, skeleton)
    visual = _new_item(machine, VISUAL, OTHER)
    for _ in range(3):
        _sync(machine, "markdown-wins")
    _retitle_item(machine, "N0000008")
    _edit_item(machine, skeleton, deleted=True)
    _sync(machine, "markdown-wins")
    _new_item(machine, SKELETON, OTHER, "not-reading", "relevant")
    notes = _new_item(machine, NOTES, COLL)
    _add_line(machine, VIT, "x", relevant=False)
    _edit_item(machine, "N0000004", deleted=True)
    _retitle_item(machine, notes)
    _sync(machine, "zotero-wins")
    _add_line(machine, BLOG, "/", relevant=False)
    _retitle_item(machine, visual)
    _retitle_item(machine, visual, cosmetic=True)
    _add_line(machine, ATTENTION, "-", relevant=False)
    _new_item(machine, VISUAL, COLL, "not-reading", "relevant", "reading", "read", "mine")
    _add_line(machine, NOTES, "-", relevant=False)
    _sync(machine, "zotero-wins")
    _retitle_item(machine, "N0000008")
    _sync(machine, "zotero-wins")


# --- twins ---------------------------------------------------------------------------------


def _line(paper: tuple[str, str | None], marker: str = " ") -> Entry:
    return Entry(0, paper[0], paper[1], identify(*paper), marker, {})


def test_a_line_of_a_trashed_retitled_twin_is_held_at_once_not_on_the_next_run(
    machine: PlannerMachine,
) -> None:
    """Without anchors, under ``keep``: an item made in Zotero for a listed paper (a twin of
    the list's own item) was retitled and trashed, and a line of its new title added. The
    run that leaves that line out of the sync (its survivor is on another line) keeps the
    twin's row, so the next plan finds it held again and records nothing (the row was
    forgotten, and the next plan held the line anew)."""
    attention, vision, visual, skeleton, blog = (PAPERS[i] for i in (0, 1, 2, 3, 5))
    start: list[Any] = [(p, " ", {}) for p in (attention, vision, visual, skeleton)]
    machine.configure(anchors=False, on_md="remove-from-collection", on_zot="keep", start=start)
    world = machine.world
    for key in ("N0000001", "N0000002"):
        world.write_item(replace(world.library[key], collections=frozenset()))
    world.add_row(_line(PAPERS[4]))
    world.add_row(_line(PAPERS[6]))
    title, url = blog
    made = Item(
        "Z0000099", 0, "preprint", title, url, identify(title, url), frozenset(), frozenset({COLL})
    )
    world.write_item(made)
    _sync(machine, "markdown-wins")
    title = f"{title}: Revisited"
    world.write_item(replace(world.library["Z0000099"], title=title, deleted=True))
    world.add_row(_line((title, url)))
    _sync(machine, "markdown-wins")


def _revisited_and_relisted(
    machine: PlannerMachine, paper: tuple[str, str], flags: dict[str, bool]
) -> Row:
    """Retitle the first line to ``"<title>: Revisited"`` (another paper of its link), add a
    line of ``paper`` with ``flags``, and sync: the first line's row, as it was before."""
    world = machine.world
    first = world.rows[0]
    title = f"{paper[0]}: Revisited"
    world.replace_row(first.uid, first.entry._replace(title=title, ident=identify(title, paper[1])))
    world.add_row(_line(paper)._replace(flags=flags))
    _sync(machine, "markdown-wins")
    return first


def test_a_line_moving_onto_a_survivor_whose_line_was_removed_takes_its_zotero_edit(
    machine: PlannerMachine,
) -> None:
    """With anchors: a line retitled to another paper of its link was then removed, while a
    line of the first title (given an item of its own) stays; the first item is retitled back
    and ticked in Zotero, which makes the new item its twin. The staying line moves onto it
    and takes the tick (it was removed by the line's unchanged box)."""
    visual = PAPERS[2]
    start: list[Any] = [(visual, " ", {}), (PAPERS[0], " ", {})]
    machine.configure(anchors=True, on_md="remove-from-collection", on_zot="strike", start=start)
    world = machine.world
    first = _revisited_and_relisted(machine, visual, {})
    item = world.library["N0000001"]
    world.write_item(replace(item, tags=item.tags | {"read"}, title=visual[0]))
    world.remove_row(first.uid)
    _sync(machine, "markdown-wins")
    assert world.library["N0000001"].tags == frozenset({"read"})


def test_a_line_moving_onto_a_survivor_whose_line_was_removed_keeps_its_own_tick(
    machine: PlannerMachine,
) -> None:
    """With anchors, under ``keep``: as above, but the first item is only retitled back in
    Zotero, while the staying line is ticked Relevant. The staying line moves onto the first
    item and keeps its tick (the survivor's box was unchanged: the line's edit wins)."""
    skeleton = PAPERS[3]
    start: list[Any] = [(skeleton, " ", {"relevant": False}), (PAPERS[0], " ", {})]
    machine.configure(anchors=True, on_md="keep", on_zot="strike", start=start)
    world = machine.world
    first = _revisited_and_relisted(machine, skeleton, {"relevant": False})
    staying = world.rows[-1]
    world.replace_row(staying.uid, staying.entry._replace(flags={"relevant": True}))
    world.write_item(replace(world.library["N0000001"], title=skeleton[0]))
    world.remove_row(first.uid)
    _sync(machine, "markdown-wins")
    assert "relevant" in world.library["N0000001"].tags


def test_a_line_of_a_twin_trashed_in_zotero_is_left_out_while_its_survivor_has_a_line(
    machine: PlannerMachine,
) -> None:
    """Without anchors: a second line of a listed paper took an item made of it in Zotero
    (two lines, two items: the list's own repeat), and that item was then trashed in Zotero.
    Its line is left out of the sync (its survivor is on the first line), neither struck nor
    given another item, and the next run finds it so again."""
    vision = PAPERS[1]
    machine.configure(
        anchors=False, on_md="remove-from-collection", on_zot="strike", start=[(vision, " ", {})]
    )
    world = machine.world
    title, url = vision
    made = Item(
        "Z0000099", 0, "preprint", title, url, identify(title, url), frozenset(), frozenset({COLL})
    )
    world.write_item(made)
    world.add_row(_line(vision))
    _sync(machine, "markdown-wins")
    world.write_item(replace(world.library["Z0000099"], deleted=True))
    _sync(machine, "markdown-wins")
    assert not any(row.entry.struck for row in world.rows)


def test_an_edited_line_whose_item_is_gone_for_good_leaves_the_other_paper_behind_its_link(
    machine: PlannerMachine,
) -> None:
    """With anchors: two papers behind one arXiv link were synced; the first's item was
    deleted for good (trashed, the trash emptied) and its line edited, the second's line
    removed. The edited line gets an item of its own paper, keeping its title, and the second
    paper's item leaves the collection, as its removed line says (the edited line took that
    item and its title: pf1's replan machine, where the oracle found the item still live)."""
    start: list[Any] = [(VISUAL, " ", {}), (SKELETON, " ", {})]
    machine.configure(anchors=True, on_md="remove-from-collection", on_zot="strike", start=start)
    world = machine.world
    visual, skeleton = world.rows
    del world.library[visual.entry.anchor or ""]
    world.replace_row(visual.uid, visual.entry._replace(state="x"))
    world.remove_row(skeleton.uid)
    _sync(machine, "markdown-wins")
    assert [row.entry.title for row in world.rows] == [VISUAL[0]]
    assert skeleton.entry.anchor not in world.live_keys()


def test_a_line_whose_item_is_gone_for_good_weighs_its_edit_against_the_item_it_takes(
    machine: PlannerMachine,
) -> None:
    """With anchors: a line's item was deleted for good and the line's state edited, while
    the user made another item of the paper outside the collection, in another state. The
    line takes that item (never a duplicate), and the two states are a conflict the policy
    settles: under zotero-wins the item's (the oracle took the line's edit as unopposed, as if
    the line's own item, gone, were its only Zotero side: pf1's replan machine)."""
    machine.configure(
        anchors=True, on_md="remove-from-collection", on_zot="strike", start=[(VIT, "x", {})]
    )
    world = machine.world
    (line,) = world.rows
    del world.library[line.entry.anchor or ""]
    world.replace_row(line.uid, line.entry._replace(state=" "))
    title, url = VIT
    made = Item(
        "Z0000099", 0, "preprint", title, url, identify(title, url),
        frozenset({"not-reading"}), frozenset({OTHER}),
    )  # fmt: skip
    world.write_item(made)
    _sync(machine, "zotero-wins")
    (line,) = world.rows
    assert (line.entry.anchor, line.entry.state) == ("Z0000099", "-")
