"""sync.kept: the collection's members once some items moved."""

from __future__ import annotations

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.sync.kept import members_after

COLL = "COLL2345"


def _item(key: str, *collections: str) -> Item:
    return Item(key, 1, "book", "T", None, identify("T", None), collections=frozenset(collections))


def test_an_item_that_joined_or_left_the_collection_moves_in_or_out() -> None:
    items = {"AAAA2222": _item("AAAA2222"), "BBBB2222": _item("BBBB2222", COLL)}
    moved = {"AAAA2222", "BBBB2222", "GONE2222"}  # (GONE2222: deleted for good)
    after = members_after(frozenset({"AAAA2222", "GONE2222"}), items, COLL, moved)
    assert after == {"BBBB2222"}


def test_items_that_moved_within_the_collection_leave_the_members_as_they_were() -> None:
    members = frozenset({"AAAA2222", "CCCC2222"})
    items = {"AAAA2222": _item("AAAA2222", COLL), "BBBB2222": _item("BBBB2222")}
    assert members_after(members, items, COLL, {"AAAA2222", "BBBB2222"}) is members
