"""One sync run end to end against the sandbox, on a copy of the original list."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import FIXTURES

from zotmark.core.plan import Policy
from zotmark.errors import CollectionGone
from zotmark.sandbox import Sandbox
from zotmark.state import ListState, MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

ORIGINAL = FIXTURES / "original-reading-list.md"


@pytest.fixture
def listfile(tmp_path: Path) -> Path:
    target = tmp_path / "reading-list.md"
    shutil.copyfile(ORIGINAL, target)
    return target


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[ZoteroClient]:
    with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as made:
        yield made


class World:
    """A list file, a state store and a runner factory against the sandbox."""

    def __init__(self, sandbox: Sandbox, client: ZoteroClient, listfile: Path) -> None:
        self.sandbox = sandbox
        self.client = client
        self.path = listfile
        self.store = MemoryStateStore()

    def runner(self, *, keep: bool = False, **policy: Any) -> ListRunner:
        document = ListDocument(self.path, {"Relevant?": "relevant"})
        settings = Policy(collection="Reading List", **policy)
        return ListRunner(
            "reading-list", settings, ZoteroLibrary(self.client), self.store, document, keep=keep
        )

    def collection_items(self) -> dict[str, dict[str, Any]]:
        key = next(k for k, c in self.sandbox.collections().items() if c["name"] == "Reading List")
        return {
            k: item
            for k, item in self.sandbox.items().items()
            if key in item.get("collections", []) and not item.get("deleted")
        }

    def item_titled(self, words: str) -> tuple[str, dict[str, Any]]:
        return next((k, i) for k, i in self.collection_items().items() if words in i["title"])


@pytest.fixture
def world(sandbox: Sandbox, client: ZoteroClient, listfile: Path) -> World:
    return World(sandbox, client, listfile)


def _tags(item: dict[str, Any]) -> set[str]:
    return {t["tag"] for t in item.get("tags", [])}


def test_first_run_creates_seventeen_items_in_the_collection(world: World) -> None:
    report = world.runner().run()
    assert report.created == 17
    assert len(world.collection_items()) == 17


def test_first_run_keeps_the_two_titles_sharing_an_arxiv_id_apart(world: World) -> None:
    world.runner().run()
    titles = [
        i["title"]
        for i in world.collection_items().values()
        if i.get("archiveID") == "arXiv:2004.09476"
    ]
    assert len(titles) == 2
    assert len(set(titles)) == 2


def test_first_run_tags_only_the_relevant_paper(world: World) -> None:
    world.runner().run()
    tagged = [i["title"] for i in world.collection_items().values() if _tags(i)]
    assert tagged == ["Vision Transfomers are Robust Learners"]
    assert _tags(world.item_titled("Vision Transfomers")[1]) == {"relevant"}


def test_second_run_plans_nothing_and_sends_at_most_one_request(world: World) -> None:
    world.runner().run()
    before = world.client.requests
    report = world.runner().run()
    assert report.plan.changes_nothing
    assert world.client.requests - before <= 1


def test_read_tag_added_in_zotero_ticks_exactly_one_byte(world: World) -> None:
    world.runner().run()
    before = world.path.read_bytes()
    key, item = world.item_titled("WaveNet: A Generative")
    world.sandbox.update_item(key, {"tags": [*item["tags"], {"tag": "read"}]})
    world.runner().run()
    after = world.path.read_bytes()
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    assert after[changed[0] : changed[0] + 1] == b"x"
    assert b"**WaveNet: A Generative" in after.split(b"\n")[after[: changed[0]].count(b"\n")]


def test_item_added_in_zotero_appears_in_the_files_style(world: World) -> None:
    world.runner().run()
    collection = next(iter(world.sandbox.collections()))
    world.sandbox.add_items(
        [
            {
                "itemType": "preprint",
                "title": "Attention Is All You Need",
                "url": "https://arxiv.org/abs/1706.03762",
                "collections": [collection],
                "tags": [{"tag": "relevant"}],
            }
        ]
    )
    world.runner().run()
    text = world.path.read_text()
    assert "- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))" in text
    assert text.rstrip().endswith("- [x] Relevant?")


def test_relevant_box_ticked_in_the_file_adds_the_tag(world: World) -> None:
    world.runner().run()
    text = world.path.read_text()
    line = text.index("**Deep Cross-Modal Audio-Visual Generation**")
    flag = text.index("- [ ] Relevant?", line)
    world.path.write_text(text[:flag] + "- [x] Relevant?" + text[flag + len("- [ ] Relevant?") :])
    world.runner().run()
    assert "relevant" in _tags(world.item_titled("Deep Cross-Modal")[1])


def test_lost_state_creates_nothing_new(world: World) -> None:
    world.runner().run()
    world.store = MemoryStateStore()
    report = world.runner().run()
    assert report.created == 0
    assert len(world.sandbox.items()) == 17


def test_paper_already_in_the_library_is_added_to_the_collection(world: World) -> None:
    [key] = world.sandbox.add_items(
        [{"itemType": "preprint", "title": "Some other title", "archiveID": "arXiv:2206.06488"}]
    )
    world.runner().run()
    assert key in world.collection_items()
    assert len(world.sandbox.items()) == 17


class CountingStore(MemoryStateStore):
    """A store that counts the full loads of a list's state."""

    loads = 0

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        self.loads += 1
        return super().load(list_name, texts=texts)


def _tick_relevant(world: World, title: str) -> None:
    text = world.path.read_text()
    flag = text.index("- [ ] Relevant?", text.index(f"**{title}"))
    world.path.write_text(text[:flag] + "- [x] Relevant?" + text[flag + len("- [ ] Relevant?") :])


def test_a_kept_runner_plans_its_next_run_without_reading_the_state_again(world: World) -> None:
    world.store = store = CountingStore()
    runner = world.runner(keep=True)
    runner.run()
    _tick_relevant(world, "Deep Cross-Modal Audio-Visual Generation")
    loads = store.loads
    report = runner.run()
    assert store.loads == loads
    assert report.updated == 1
    assert "relevant" in _tags(world.item_titled("Deep Cross-Modal")[1])


def test_a_kept_runner_reads_the_state_again_once_another_run_changed_it(world: World) -> None:
    kept = world.runner(keep=True)
    kept.run()
    _tick_relevant(world, "Deep Cross-Modal Audio-Visual Generation")
    world.runner().run()  # another process's run: the box reached Zotero, its base row moved
    key, item = world.item_titled("Deep Cross-Modal")
    world.sandbox.update_item(key, {"tags": [t for t in item["tags"] if t["tag"] != "relevant"]})
    kept.run()  # on the kept base row, the tag removed in Zotero would look like no change
    assert "- [ ] Relevant?" in world.path.read_text().split("**Deep Cross-Modal")[1][:300]


def test_the_lists_style_is_worked_out_only_when_a_run_appends_entries(world: World) -> None:
    asked: list[bool] = []

    class Watched(ListDocument):
        @property
        def appends_flag_boxes(self) -> bool:
            asked.append(True)
            return super().appends_flag_boxes

    runner = world.runner()
    runner.document = Watched(world.path, {"Relevant?": "relevant"})
    runner.run()  # creates items, appends nothing
    assert asked == []
    collection = next(iter(world.sandbox.collections()))
    world.sandbox.add_items([{"itemType": "book", "title": "New", "collections": [collection]}])
    runner.run()
    assert asked == [True]


def test_run_after_the_collection_was_deleted_stops_before_any_write_and_says_how_on(
    world: World,
) -> None:
    world.runner().run()
    [key] = [k for k, c in world.sandbox.collections().items() if c["name"] == "Reading List"]
    world.sandbox.delete_collection(key)
    text, items = world.path.read_text(), world.sandbox.items()
    with pytest.raises(CollectionGone, match=rf"“Reading List” \({key}\) was deleted.*new name"):
        world.runner().run()
    assert (world.path.read_text(), world.sandbox.items()) == (text, items)
