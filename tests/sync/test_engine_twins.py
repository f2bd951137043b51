"""Twins in a shared collection: clients of one library merge them into the earlier item.

Each client has its own list file and state; they share one :class:`TwinLibrary` (a group
library as the lab's members share it), whose clock the tests set, so that which item was
added first, and ties, are chosen here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zotmark.core.item import Item
from zotmark.core.plan import Policy
from zotmark.core.port import Snapshot
from zotmark.state import MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.sync.report import RunReport
from zotmark.zotero.twin import TwinLibrary

COLLECTION = "Reading List"
ARXIV = "https://arxiv.org/abs/1706.03762"
LINE = f"- [x] [Attention Is All You Need]({ARXIV})"
NOW = datetime(2026, 1, 2, tzinfo=UTC)


class Client:
    """One member's zotmark: a list file and a state of its own."""

    def __init__(self, twin: TwinLibrary, path: Path, text: str) -> None:
        self.path = path
        path.write_text(text)
        self.runner = ListRunner(
            path.stem, Policy(collection=COLLECTION), twin, MemoryStateStore(),
            ListDocument(path, {}), randbelow=random.Random(path.stem).randrange,
        )  # fmt: skip

    def run(self) -> RunReport:
        return self.runner.run()

    def lines(self) -> list[str]:
        return [line for line in self.path.read_text().splitlines() if line.startswith("- [")]


@pytest.fixture
def twin() -> Iterator[TwinLibrary]:
    twin = TwinLibrary(seed=3, clock=lambda: NOW)
    twin.app_add_collection(COLLECTION)
    yield twin


def items(twin: TwinLibrary) -> dict[str, Item]:
    return dict(twin.refresh(Snapshot(0, {})).snapshot.items)


def app_add(twin: TwinLibrary, added: str, *, key: str | None = None) -> str:
    """A member's Zotero app uploads an item of the paper it made at ``added``."""
    (collection,) = {c for i in items(twin).values() for c in i.collections} or {""}
    data = {
        "itemType": "preprint", "title": "Attention Is All You Need", "url": ARXIV,
        "archiveID": "arXiv:1706.03762", "collections": [collection], "dateAdded": added,
    }  # fmt: skip
    return twin.app_add(data, key=key)


def test_a_later_twin_is_trashed_and_listed_by_no_one(twin: TwinLibrary, tmp_path: Path) -> None:
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    bob = Client(twin, tmp_path / "bob.md", "# List\n")
    alice.run()
    (first,) = items(twin)
    later = app_add(twin, "2026-01-03T00:00:00Z")
    bob.run()
    alice.run()
    assert items(twin)[later].deleted and not items(twin)[first].deleted
    assert alice.lines() == [f"{LINE} <!-- zotero:{first} -->"]
    assert [line.endswith(f"<!-- zotero:{first} -->") for line in bob.lines()] == [True]


def test_an_entry_moves_to_an_earlier_twin_with_its_box(twin: TwinLibrary, tmp_path: Path) -> None:
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    alice.run()
    (own,) = items(twin)
    earlier = app_add(twin, "2026-01-01T00:00:00Z")
    report = alice.run()
    now = items(twin)
    assert now[own].deleted and not now[earlier].deleted and "read" in now[earlier].tags
    assert alice.lines() == [f"{LINE} <!-- zotero:{earlier} -->"]
    assert set(alice.runner.store.load(alice.runner.state_key).records) == {earlier}
    assert not report.plan.guards


def test_an_entry_whose_twin_another_client_trashed_moves_not_struck(
    twin: TwinLibrary, tmp_path: Path
) -> None:
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    bob = Client(twin, tmp_path / "bob.md", "# List\n")
    alice.run()
    (own,) = items(twin)
    earlier = app_add(twin, "2026-01-01T00:00:00Z")
    bob.run()  # bob lists the earlier item and trashes alice's, its twin
    assert items(twin)[own].deleted
    alice.run()
    assert alice.lines() == [f"{LINE} <!-- zotero:{earlier} -->"]
    assert "read" in items(twin)[earlier].tags


def test_twins_added_at_the_same_second_are_ordered_by_key(
    twin: TwinLibrary, tmp_path: Path
) -> None:
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    alice.run()
    (own,) = items(twin)
    smaller = app_add(twin, NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), key="22222222")
    alice.run()
    assert smaller < own and items(twin)[own].deleted
    assert alice.lines() == [f"{LINE} <!-- zotero:{smaller} -->"]


def test_two_clients_adding_a_paper_at_once_make_one_item(
    twin: TwinLibrary, tmp_path: Path
) -> None:
    """Both read a library without the paper; the later write is refused (the library moved
    since it read it), so that client reads again and takes the item the other made."""
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    bob = Client(twin, tmp_path / "bob.md", f"# List\n\n{LINE}\n")
    twin.before_next_apply(alice.run)
    assert bob.run().attempts == 2
    (key,) = items(twin)
    assert alice.lines() == bob.lines() == [f"{LINE} <!-- zotero:{key} -->"]


def test_an_entry_moves_to_the_survivor_another_client_retitled_since_the_merge(
    twin: TwinLibrary, tmp_path: Path
) -> None:
    """(Found by the lab machine: the entry was struck when the survivor's title no longer
    matched its trashed twin's.)"""
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    alice.run()
    bob = Client(twin, tmp_path / "bob.md", alice.path.read_text())
    bob.run()
    earlier = app_add(twin, "2026-01-01T00:00:00Z")
    alice.run()  # alice's entry moves to the earlier item, hers goes to the trash
    alice.path.write_text(alice.path.read_text().replace("Need]", "Need: Revisited]"))
    alice.run()
    bob.run()
    assert bob.lines() == [f"{LINE} <!-- zotero:{earlier} -->"]  # (a new pair keeps its title)


def test_a_line_holding_a_twin_of_an_item_another_line_holds_repeats_it_unstruck(
    twin: TwinLibrary, tmp_path: Path
) -> None:
    """(Found by the lab machine: a member's zotmark merged away an item of a paper, retitled
    to the title of another item of it, that a second member listed on a line of its own
    beside that item's; the second member's line was struck.)"""
    alice = Client(twin, tmp_path / "alice.md", f"# List\n\n{LINE}\n")
    alice.run()
    (first,) = items(twin)
    other = app_add(twin, "2026-01-03T00:00:00Z")
    twin.app_edit(other, {"title": "Attention Is All You Need: Revisited"})
    alice.run()  # another title, another paper: listed on a line of its own
    twin.app_edit(other, {"title": "Attention Is All You Need"})
    twin.app_edit(other, {"deleted": 1})  # another member's zotmark merged it into the first
    report = alice.run()
    assert [
        line.endswith(f"<!-- zotero:{k} -->") for k in (first, other) for line in alice.lines()
    ] == [True, False, False, True]
    assert not any("~~" in line for line in alice.lines())
    assert any("delete one of the two lines" in note for note in report.plan.notes)
    assert alice.run().plan.changes_nothing
