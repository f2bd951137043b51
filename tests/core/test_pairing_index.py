"""The identifier index used to match entries against the library."""

from __future__ import annotations

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import Ident
from zotmark.core.pairing import IdentIndex


def _item(key: str, title: str, url: str | None = None) -> Item:
    return Item(key, 1, "preprint", title, url, identify(title, url))


def test_index_finds_by_each_identifier_kind() -> None:
    a = _item("AAAAAAAA", "Paper A", "https://arxiv.org/abs/2105.07581")
    b = _item("BBBBBBBB", "Paper B", "https://doi.org/10.1000/xyz")
    c = _item("CCCCCCCC", "Paper C", "https://example.org/c")
    d = _item("DDDDDDDD", "Paper D")
    index = IdentIndex([a, b, c, d])
    assert index.lookup(identify("other", "https://ar5iv.org/abs/2105.07581v3")) == [a]
    assert index.lookup(identify("other", None, "doi:10.1000/XYZ")) == [b]
    assert index.lookup(identify("other", "http://www.example.org/c/")) == [c]
    assert index.lookup(identify("PAPER  d!", None)) == [d]
    assert index.lookup(identify("nothing", None)) == []


def test_strongest_shared_identifier_decides() -> None:
    by_arxiv = _item("AAAAAAAA", "Other title", "https://arxiv.org/abs/2105.07581")
    by_title = _item("BBBBBBBB", "Same title")
    index = IdentIndex([by_title, by_arxiv])
    assert index.lookup(identify("Same title", "https://arxiv.org/abs/2105.07581")) == [by_arxiv]


def test_title_match_is_dropped_when_arxiv_ids_differ() -> None:
    other = _item("AAAAAAAA", "Same title", "https://arxiv.org/abs/2105.07581")
    index = IdentIndex([other])
    assert index.lookup(identify("Same title", "https://arxiv.org/abs/2004.09476")) == []
    assert index.lookup(Ident(title="same title")) == [other]
