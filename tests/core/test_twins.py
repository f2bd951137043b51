"""Which items of a collection are twins, and which item each merges into."""

from __future__ import annotations

from dataclasses import replace

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.twins import find_twins, twins_in_play

COLL = "COLL2345"
ARXIV = "https://arxiv.org/abs/2105.07581"
TITLE = "Vision Transformers are Robust Learners"


def item(key: str, added: int, *, title: str = TITLE, deleted: bool = False) -> Item:
    ident = identify(title, ARXIV)
    return Item(
        key, 5, "preprint", title, ARXIV, ident, collections=frozenset({COLL}),
        deleted=deleted, added=added,
    )  # fmt: skip


def twins_of(*items: Item, ambiguous: frozenset[str] = frozenset()) -> dict[str, str]:
    library = {i.key: i for i in items}
    return dict(find_twins(library, list(library), lambda: ambiguous).survivor)


def test_the_item_added_first_survives_its_twins() -> None:
    first = item("ZZZZ2345", 20260101000000)
    later = item("AAAA2345", 20260102000000)
    assert twins_of(later, first) == {"AAAA2345": "ZZZZ2345"}


def test_twins_added_at_one_time_are_ordered_by_key() -> None:
    at = 20260101000000
    assert twins_of(item("ZZZZ2345", at), item("AAAA2345", at)) == {"ZZZZ2345": "AAAA2345"}


def test_a_twin_in_the_trash_added_later_still_merges_into_the_survivor() -> None:
    merged = item("AAAA2345", 20260102000000, deleted=True)
    assert twins_of(merged, item("ZZZZ2345", 20260101000000)) == {"AAAA2345": "ZZZZ2345"}


def test_an_item_trashed_before_the_live_one_was_added_is_no_twin() -> None:
    trashed = item("AAAA2345", 20260101000000, deleted=True)
    assert twins_of(trashed, item("ZZZZ2345", 20260102000000)) == {}


def test_a_twin_in_the_trash_merges_into_a_survivor_retitled_since() -> None:
    merged = item("AAAA2345", 20260102000000, deleted=True)
    retitled = item("ZZZZ2345", 20260101000000, title=f"{TITLE}: Revisited")
    assert twins_of(merged, retitled) == {"AAAA2345": "ZZZZ2345"}


def test_a_twin_in_the_trash_keeps_its_title_where_the_list_has_two_for_its_link() -> None:
    merged = item("AAAA2345", 20260102000000, deleted=True)
    other = item("ZZZZ2345", 20260101000000, title="Another Paper Behind The Link")
    assert twins_of(merged, other, ambiguous=frozenset({"arxiv:2105.07581"})) == {}


def test_one_identifier_under_two_titles_is_two_papers() -> None:
    other = item("ZZZZ2345", 20260102000000, title="Another Paper Behind The Link")
    assert twins_of(item("AAAA2345", 20260101000000), other) == {}


def test_items_outside_the_collection_are_no_twins() -> None:
    first = item("AAAA2345", 20260101000000)
    outside = replace(item("ZZZZ2345", 20260102000000), collections=frozenset())
    library = {i.key: i for i in (first, outside)}
    assert find_twins(library, [first.key], frozenset).survivor == {}


def test_every_item_of_a_paper_with_twins_is_related_to_the_others() -> None:
    items = [item("AAAA2345", 20260101000000), item("ZZZZ2345", 20260102000000)]
    found = find_twins({i.key: i for i in items}, [i.key for i in items], frozenset)
    assert found.related(["ZZZZ2345"]) == {"AAAA2345", "ZZZZ2345"}
    assert found.related(["OTHR2345"]) == set()


def test_a_held_live_item_is_no_twin_of_the_survivor_a_line_of_a_trashed_twin_moves_to() -> None:
    survivor, listed = item("EARL2345", 20260101), item("LIVE2345", 20260102)
    merged = item("GONE2345", 20260103, deleted=True)
    library = {i.key: i for i in (survivor, listed, merged)}
    claimed = {"GONE2345": 0, "LIVE2345": 1}  # (EARL2345's own line was removed)
    twins = twins_in_play(library, list(library), claimed, lambda: (), lambda key: TITLE)
    assert dict(twins.survivor) == {"GONE2345": "EARL2345"}
