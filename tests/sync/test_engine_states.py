"""Reading states end to end against the sandbox, on a copy of the original list: a state set
in Zotero (a status tag, or the Reading List plugin's status in ``extra``) reaches the box,
and a state typed into a box reaches the item, its other ``extra`` lines kept byte for byte."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import FIXTURES
from tests.sync.test_engine import World

from zotmark.core.plan import Policy
from zotmark.sandbox import Sandbox
from zotmark.state import MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

PLUGIN = "reading-list-plugin"
NOW = datetime(2026, 12, 5, 17, 30, 1, 250000, tzinfo=UTC)
STAMP = "2026-12-05T17:30:01.250Z"
OTHER_LINES = "Citation Key: shao2021robust\narXiv: 2105.07581\n\n  note: kept as it is \nlast"
"""``extra`` lines of other tools (Better BibTeX, an arXiv import, a blank line, spaces). (No
carriage return: the server drops every control character but tab and line feed from what it
is sent, as dataserver's ``cleanStringRecursive`` does; ``tests/core/test_states.py`` keeps
them.)"""


@pytest.fixture
def world(sandbox: Sandbox, tmp_path: Path) -> Iterator[World]:
    """The original list against the sandbox (as ``test_engine``'s world)."""
    path = tmp_path / "reading-list.md"
    shutil.copyfile(FIXTURES / "original-reading-list.md", path)
    with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
        yield World(sandbox, client, path)


def _runner(world: World, store: str) -> ListRunner:
    """A runner of the world's list whose states Zotero keeps in ``store``, its clock at NOW."""
    document = ListDocument(world.path, {"Relevant?": "relevant"})
    policy = Policy(collection="Reading List", status_store=store)  # type: ignore[arg-type]
    library = ZoteroLibrary(world.client)
    return ListRunner("reading-list", policy, library, world.store, document, now=lambda: NOW)


def _box_line(world: World, words: str) -> str:
    return next(line for line in world.path.read_text().splitlines() if words in line)


def _set_box(world: World, words: str, marker: str) -> None:
    text = world.path.read_text()
    line = _box_line(world, words)
    world.path.write_text(text.replace(line, line[:3] + marker + line[4:], 1))


def _tags(item: dict[str, Any]) -> set[str]:
    return {t["tag"] for t in item.get("tags", [])}


def test_in_progress_set_in_the_plugin_turns_the_box_into_a_slash(world: World) -> None:
    _runner(world, PLUGIN).run()
    before = world.path.read_bytes()
    key, _ = world.item_titled("Vision Transfomers")
    extra = f"{OTHER_LINES}\nRead_Status: In Progress\nRead_Status_Date: 2026-12-01T09:00:00.000Z"
    world.sandbox.update_item(key, {"extra": extra})
    _runner(world, PLUGIN).run()
    after = world.path.read_bytes()
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert _box_line(world, "Vision Transfomers").startswith("- [/] ")
    assert world.sandbox.items()[key]["extra"] == extra  # (nothing written back)


def test_a_cancelled_box_is_the_plugins_not_reading_with_other_extra_lines_intact(
    world: World,
) -> None:
    _runner(world, PLUGIN).run()
    key, _ = world.item_titled("Vision Transfomers")
    world.sandbox.update_item(key, {"extra": OTHER_LINES})
    _runner(world, PLUGIN).run()
    _set_box(world, "Vision Transfomers", "-")
    requests = world.client.requests
    report = _runner(world, PLUGIN).run()
    assert (report.updated, world.client.requests - requests) == (1, 2)  # as a box flip costs
    item = world.sandbox.items()[key]
    assert item["extra"] == f"{OTHER_LINES}\nRead_Status: Not Reading\nRead_Status_Date: {STAMP}"
    assert _tags(item) == {"relevant"}
    assert _runner(world, PLUGIN).run().plan.changes_nothing


def test_a_new_item_with_a_plugin_status_is_listed_in_its_state(world: World) -> None:
    _runner(world, PLUGIN).run()
    collection = next(iter(world.sandbox.collections()))
    world.sandbox.add_items(
        [
            {
                "itemType": "preprint",
                "title": "Attention Is All You Need",
                "url": "https://arxiv.org/abs/1706.03762",
                "collections": [collection],
                "extra": "Read_Status: Read",
            }
        ]
    )
    _runner(world, PLUGIN).run()
    assert _box_line(world, "Attention Is All You Need").startswith("- [x] ")


def test_a_new_entry_in_progress_is_created_with_the_plugin_status(world: World) -> None:
    text = world.path.read_text()
    world.path.write_text(f"{text.rstrip(chr(10))}\n- [/] **Deep Residual Learning**\n")
    _runner(world, PLUGIN).run()
    _, item = world.item_titled("Deep Residual Learning")
    assert item["extra"] == f"Read_Status: In Progress\nRead_Status_Date: {STAMP}"
    _, untouched = world.item_titled("Vision Transfomers")  # [ ] and no status: none added
    assert "extra" not in untouched or not untouched["extra"]


def test_a_status_the_plugin_keeps_that_zotmark_does_not_know_leaves_the_box_alone(
    world: World,
) -> None:
    _runner(world, PLUGIN).run()
    key, _ = world.item_titled("Vision Transfomers")
    world.sandbox.update_item(key, {"extra": "Read_Status: Skimmed"})
    _set_box(world, "Vision Transfomers", "x")
    before = world.path.read_bytes()
    report = _runner(world, PLUGIN).run()
    assert world.path.read_bytes() == before
    assert world.sandbox.items()[key]["extra"] == "Read_Status: Skimmed"
    assert any("'Skimmed'" in note for note in report.plan.notes)


def test_the_reading_tag_turns_the_box_into_a_slash_and_a_cancelled_box_swaps_tags(
    world: World,
) -> None:
    _runner(world, "tags").run()
    key, item = world.item_titled("Vision Transfomers")
    world.sandbox.update_item(key, {"tags": [*item["tags"], {"tag": "reading"}]})
    _runner(world, "tags").run()
    assert _box_line(world, "Vision Transfomers").startswith("- [/] ")
    _set_box(world, "Vision Transfomers", "-")
    _runner(world, "tags").run()
    assert _tags(world.sandbox.items()[key]) == {"relevant", "not-reading"}


def test_an_upper_case_x_stays_when_zotero_says_read(world: World) -> None:
    _set_box(world, "Vision Transfomers", "X")
    _runner(world, "tags").run()
    _, item = world.item_titled("Vision Transfomers")
    assert _tags(item) == {"relevant", "read"}
    before = world.path.read_bytes()
    assert _runner(world, "tags").run().plan.changes_nothing
    assert world.path.read_bytes() == before


def test_a_list_of_to_do_and_done_boxes_syncs_with_the_read_tag_alone_as_before(
    world: World,
) -> None:
    _set_box(world, "Vision Transfomers", "x")
    _runner(world, "tags").run()
    tagged = {i["title"]: _tags(i) for i in world.collection_items().values() if _tags(i)}
    assert tagged == {"Vision Transfomers are Robust Learners": {"relevant", "read"}}
    world.store = MemoryStateStore()  # (a lost state, too, sees the same)
    assert _runner(world, "tags").run().plan.changes_nothing
