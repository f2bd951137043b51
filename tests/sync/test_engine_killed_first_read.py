"""A run killed after its first whole read of the library, then an item deleted for good.

The killed run stored the texts of the items it read (the state's copy of the library) but
committed no library version: the next run reads the library whole again. Found by the sync
state machine (``tests/system/test_sync_machine.py``) as a duplicate entry, an entry inserted
for a deleted item and a refusal dropped; each is replayed here on the Zotero twin, without
anchors (where only the state pairs an entry with its item).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zotmark.core.actions import InsertEntry
from zotmark.core.plan import Policy
from zotmark.core.port import Snapshot
from zotmark.state import MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.sync.report import RunReport
from zotmark.zotero.twin import TwinLibrary

FLAGS = {"Relevant?": "relevant"}
ATTENTION = ("Attention Is All You Need", "https://arxiv.org/abs/1706.03762")
VISION = ("Vision Transformers are Robust Learners", "https://arxiv.org/abs/2105.07581")
SURVEY = ("Multimodal Learning with Transformers: A Survey", "https://arxiv.org/abs/2206.06488")
OVERSIZE = f"{ATTENTION[0]}: Revisited {'日' * 30000}"  # a title Zotero refuses (413)


class Killed(Exception):
    """zotmark killed just before it writes the list file."""


class World:
    """A list without anchors, its state and the twin library."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.write_text(
            "# Reading list\n\n"
            + "".join(f"- [ ] **{title}** ([Link]({url}))\n" for title, url in (ATTENTION, VISION))
        )
        self.twin = TwinLibrary(seed=7)
        self.store = MemoryStateStore()
        self.kill = False

    def _before_write(self, path: Path, new_text: str) -> None:
        if self.kill:
            self.kill = False
            raise Killed

    def run(self) -> RunReport:
        policy = Policy(collection="Reading List", anchors=False)
        document = ListDocument(self.path, FLAGS, anchors=False, before_write=self._before_write)
        return ListRunner("reading-list", policy, self.twin, self.store, document).run()

    def key_of(self, url: str) -> str:
        items = self.twin.refresh(Snapshot()).snapshot.items
        return next(k for k, item in items.items() if item.url == url and not item.deleted)

    def add_item(self, paper: tuple[str, str], *, in_collection: bool) -> None:
        """Another client adds ``paper`` (to the list's collection, or elsewhere)."""
        collection = self.twin.collection_key("Reading List", create=False)
        where = [collection] if in_collection and collection else []
        data = {"itemType": "preprint", "title": paper[0], "url": paper[1], "collections": where}
        self.twin.app_add(data)

    def killed_first_read_then_deleted(self, paper: tuple[str, str]) -> None:
        """The state lost; a run reads the library whole and is killed before it writes the
        file (it appends an item another client added); ``paper``'s item is deleted for
        good; a run converges (it reads the library whole again)."""
        doomed = self.key_of(paper[1])
        self.store = MemoryStateStore()
        self.add_item(SURVEY, in_collection=True)
        self.kill = True
        with pytest.raises(Killed):
            self.run()
        self.twin.app_delete(doomed)
        self.run()

    def listed(self, url: str) -> int:
        return self.path.read_text().count(f"({url})")


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "reading-list.md")
    world.run()  # the first sync: an item for each entry
    return world


def test_a_later_run_plans_no_entry_for_the_deleted_item(world: World) -> None:
    """The deleted item is gone from the state's copy: a run after another change in the
    library (which reads the copy and plans every pair) finds nothing to do."""
    world.killed_first_read_then_deleted(VISION)
    world.add_item(ATTENTION, in_collection=False)  # (the library moves: the next run plans)
    report = world.run()
    assert not [a for a in report.plan.file if isinstance(a, InsertEntry)]
    assert report.plan.changes_nothing


def test_a_later_run_keeps_one_entry_for_the_paper_of_the_deleted_item(world: World) -> None:
    world.killed_first_read_then_deleted(VISION)
    world.add_item(ATTENTION, in_collection=False)
    world.run()
    assert world.listed(VISION[1]) == 1


def test_a_refused_create_for_the_deleted_items_entry_stays_refused(world: World) -> None:
    """The entry of the deleted item holds a title Zotero refuses: its create is refused, and
    a later run holds the refusal (the entry did not change) instead of pairing the entry with
    the deleted item."""
    text = world.path.read_text()
    world.path.write_text(text.replace(f"**{ATTENTION[0]}**", f"**{OVERSIZE}**", 1))
    world.killed_first_read_then_deleted(ATTENTION)
    first = world.run()
    world.add_item(VISION, in_collection=False)
    again = world.run()
    assert [r.item_key for r in first.refused] == [r.item_key for r in again.refused]
    assert len(again.refused) == 1
