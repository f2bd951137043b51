"""core.port: the values of the Zotero port."""

from __future__ import annotations

from zotmark.core.port import Change


def test_changes_to_one_item_compose_with_the_later_one_winning() -> None:
    first = Change("K", add_tags=frozenset({"read"}), title="A", add_collection="CCCC4444")
    later = Change("K", remove_tags=frozenset({"read"}), title="B", trashed=False)
    assert first.then(later) == Change(
        "K", remove_tags=frozenset({"read"}), title="B", add_collection="CCCC4444", trashed=False
    )


def test_a_later_changes_citation_key_wins_and_an_earlier_one_is_kept() -> None:
    first = Change("K", citation_key="a")
    assert first.then(Change("K", citation_key="b")).citation_key == "b"
    assert first.then(Change("K", add_tags=frozenset({"read"}))).citation_key == "a"
