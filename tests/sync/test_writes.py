"""What a run does with the item texts its writes return (``sync.writes.StoredTexts``)."""

from __future__ import annotations

from zotmark.state.commit import RunCommit
from zotmark.state.memory import MemoryStateStore
from zotmark.sync.writes import TEXT_GROUP, StoredTexts


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
