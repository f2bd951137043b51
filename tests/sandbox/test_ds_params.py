"""Query parameters, ported from dataserver's ``tests/remote/tests/3/params.test.js``.

Covered: ``format=keys`` for collections, items and searches (also with ``order=title``), the
``<type>Key`` parameter with ``order=<type>KeyList``, pagination in JSON, Atom, keys and BibTeX
(and tags in JSON and Atom) with the ``Link`` rels, ``since`` kept in the next link, quick search
of collections and items (title, year, several words, a quoted phrase) sorted by date.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .ds_api import PLURAL, ZoteroAPI
from .test_ds_atom import entry_keys

KINDS = ("collection", "item", "search")


def _links(header: str) -> dict[str, dict[str, str]]:
    out = {}
    for part in header.split(","):
        uri, rel = part.strip().split("; ")
        query = parse_qs(urlsplit(uri[1:-1]).query)
        out[rel[len('rel="') : -1]] = {k: v[0] for k, v in query.items()}
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_format_keys(zapi: ZoteroAPI, kind: str) -> None:
    keys = [zapi.create_object(kind, fmt="key") for _ in range(5)]
    if kind == "item":
        keys.append(zapi.create_attachment("imported_file", fmt="key"))
    for query in ("format=keys", "format=keys&order=title"):
        assert sorted(zapi.user("GET", f"{PLURAL[kind]}?{query}").text.split()) == sorted(keys)


@pytest.mark.parametrize("kind", KINDS)
def test_object_key_parameter(zapi: ZoteroAPI, kind: str) -> None:
    keys = [zapi.create_object(kind, fmt="key") for _ in range(2)]
    one = zapi.user("GET", f"{PLURAL[kind]}?{kind}Key={keys[0]}")
    assert (one.headers["Total-Results"], [o["key"] for o in one.json()]) == ("1", keys[:1])
    for order in (keys, keys[::-1]):
        listed = zapi.user("GET", f"{PLURAL[kind]}?{kind}Key={','.join(order)}&order={kind}KeyList")
        assert [o["key"] for o in listed.json()] == order


def _count(response: object, fmt: str) -> int:
    if fmt == "json":
        return len(response.json())  # type: ignore[attr-defined]
    if fmt == "keys":
        return len(response.text.split())  # type: ignore[attr-defined]
    if fmt == "atom":
        return len(entry_keys(response.text))  # type: ignore[attr-defined]
    return response.text.count("\n@")  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", [*KINDS, "tag"])
def test_pagination(zapi: ZoteroAPI, kind: str) -> None:
    if kind == "tag":
        zapi.create_item("book", {"tags": [{"tag": "a"}, {"tag": "b"}]})
        zapi.create_item("book", {"tags": [{"tag": t} for t in "cde"]})
        plural, formats = "tags", ["json", "atom"]
    else:
        for _ in range(5):
            zapi.create_object(kind, fmt="key")
        plural, formats = (
            PLURAL[kind],
            ["json", "atom", "keys"] + (["bibtex"] if kind == "item" else []),
        )
    for fmt in formats:
        for start, rels in (
            (0, {"next", "last", "alternate"}),
            (1, {"first", "prev", "next", "last", "alternate"}),
            (2, {"first", "prev", "next", "last", "alternate"}),
            (3, {"first", "prev", "last", "alternate"}),
        ):
            query = f"limit=2&format={fmt}" + (f"&start={start}" if start else "")
            response = zapi.user("GET", f"{plural}?{query}")
            assert (
                response.status_code,
                _count(response, fmt),
                response.headers["Total-Results"],
            ) == (200, 2, "5"), (fmt, start)
            links = _links(response.headers["Link"])
            assert set(links) == rels, (fmt, start)
            assert (
                links["last"] == {"format": fmt, "limit": "2", "start": "4"}
                if fmt != "json"
                else links["last"] == {"limit": "2", "start": "4"}
            )
            if "next" in links:
                assert links["next"]["start"] == str(start + 2)
            if start:
                assert links["first"].get("start") is None
                assert links["prev"].get("start") == (str(start - 2) if start > 2 else None)


def test_since_in_next_link(zapi: ZoteroAPI) -> None:
    since = zapi.create_item("book", fmt="json")["version"]
    for _ in range(6):
        zapi.create_item("book")
    response = zapi.user("GET", f"items?limit=5&since={since}")
    assert (len(response.json()), response.headers["Total-Results"]) == (5, "6")
    assert _links(response.headers["Link"])["next"]["since"] == str(since)


def test_quick_search(zapi: ZoteroAPI) -> None:
    keys = [zapi.create_collection(t, fmt="key") for t in ("Test Title", "Another Title")]
    assert [c["key"] for c in zapi.user("GET", "collections?q=another").json()] == keys[1:]
    assert zapi.user("GET", "collections?q=nothing").json() == []
    book = zapi.create_item("book", {"title": "Test Title", "date": "February 12, 2013"}, "key")
    article = zapi.create_item(
        "journalArticle", {"title": "Another Title", "date": "November 25, 2012"}, "key"
    )

    def found(query: str) -> list[str]:
        return [o["key"] for o in zapi.user("GET", f"items?{query}").json()]

    assert found("q=Test%20Title") == [book]
    assert found("q=2012") == [article]
    assert found("q=2014") == []
    assert found("q=title&sort=date&direction=asc") == [article, book]
    assert found("q=title&order=date&sort=asc") == [article, book]
    assert found("q=title&sort=date&direction=desc") == [book, article]


def test_quick_search_words_and_phrases(zapi: ZoteroAPI) -> None:
    first = zapi.create_item("book", {"title": "This Is a Great Title"}, "key")
    second = zapi.create_item(
        "journalArticle", {"title": "Great, But Is It Better Than This Title?"}, "key"
    )
    assert [o["key"] for o in zapi.user("GET", "items?q=better%20title").json()] == [second]
    assert [o["key"] for o in zapi.user("GET", "items?q=%22great%20title%22").json()] == [first]
    assert zapi.user("GET", "items?q=%22better%20title%22").json() == []
