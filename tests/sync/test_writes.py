"""From a plan to the port's writes (``sync.writes``): the new items, the pending-create rows,
and what a run does with the item texts its writes return (``StoredTexts``)."""

from __future__ import annotations

from typing import Any

from zotmark.core.actions import CreateItem
from zotmark.core.identifiers import identify
from zotmark.core.merge import make_record
from zotmark.core.model import Entry
from zotmark.core.plan import Plan
from zotmark.state.commit import RunCommit
from zotmark.state.memory import MemoryStateStore
from zotmark.sync.citekeys import RunKeys
from zotmark.sync.writes import TEXT_GROUP, StoredTexts, new_items, pending_creates

URL = "https://arxiv.org/abs/2105.00001"
ENTRY = Entry(line=3, title="A paper", url=URL, ident=identify("A paper", URL))
CREATE = CreateItem("ABCD2345", ENTRY, frozenset())


class CountingStore(MemoryStateStore):
    """A memory store that counts the commits it applied."""

    def __init__(self) -> None:
        super().__init__()
        self.commits = 0

    def commit_run(self, list_name: str, commit: RunCommit) -> None:
        self.commits += 1
        super().commit_run(list_name, commit)


def _texts(start: int, count: int) -> dict[str, str]:
    return {f"K{n:07d}": f'{{"key": "K{n:07d}"}}' for n in range(start, start + count)}


def test_texts_are_stored_a_group_at_a_time() -> None:
    store = CountingStore()
    sink = StoredTexts(store, "list")
    for start in range(0, 2 * TEXT_GROUP, 50):  # batches of 50, as the writes land
        sink(_texts(start, 50))
    assert store.commits == 2
    assert len(store.load("list").mirror) == 2 * TEXT_GROUP


def test_flush_stores_the_texts_of_a_group_not_yet_full() -> None:
    store = CountingStore()
    sink = StoredTexts(store, "list")
    sink(_texts(0, 50))
    assert store.commits == 0
    sink.flush()
    assert store.load("list").mirror == _texts(0, 50)


def test_a_new_item_names_its_entrys_ident() -> None:
    [new] = new_items([CREATE], "COLL2345")
    assert new.key == "ABCD2345" and new.ident is ENTRY.ident


def test_a_new_item_enriched_by_the_hook_still_names_its_entrys_ident() -> None:
    def hook(creates: list[tuple[CreateItem, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [{**data, "title": "The paper, in full"} for _, data in creates]

    [new] = new_items([CREATE], "COLL2345", hook)
    assert new.data["title"] == "The paper, in full" and new.ident is ENTRY.ident


def test_a_pending_create_holds_the_ident_key_of_its_planned_row() -> None:
    row = make_record(ENTRY, CREATE.key, ENTRY.title, False, {}, 0)
    [pending] = pending_creates(Plan(records={CREATE.key: row}), [CREATE])
    assert pending.ident_key == "arxiv:2105.00001" and pending.ident_key is row.ident_key


def test_a_pending_create_without_a_planned_row_holds_its_entrys_ident_key() -> None:
    [pending] = pending_creates(Plan(), [CREATE])
    assert pending.ident_key == "arxiv:2105.00001"


def test_a_new_item_gets_no_key_a_new_item_after_it_in_its_batch_holds_already() -> None:
    def hook(creates: list[tuple[CreateItem, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [{**creates[0][1], "title": ""}, {**creates[1][1], "citationKey": "anon"}]

    second = CreateItem("EFGH2345", ENTRY, frozenset())
    made = new_items([CREATE, second], "COLL2345", hook, keys=RunKeys({}, collection="COLL2345"))
    assert [new.data["citationKey"] for new in made] == ["anona", "anon"]
