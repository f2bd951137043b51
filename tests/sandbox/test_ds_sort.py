"""Sorting, ported from dataserver's ``tests/remote/tests/3/sort.test.js``.

Covered: ``/items/top`` by title (a note by its text) and by creator (items without creators
last, in the order added), with ``sort`` or the old ``order``; ``sort=asc`` alone; by item type;
the default (``dateModified`` descending for JSON and keys, ``dateAdded`` for Atom); directions
with ``direction``, the old ``order``/``sort`` pair and the pair the wrong way round.
"""

from __future__ import annotations

import pytest

from .ds_api import ZoteroAPI
from .test_ds_atom import entry_keys

TITLES = ["q", "c", "a", "j", "e", "h", "i"]
NAMES = ["m", "s", "a", "bb", "ba", "", ""]


@pytest.fixture
def library(zapi: ZoteroAPI) -> list[str]:
    attachment_titles = ["v", "x", None, "a", None]
    notes = [None, "aaa", None, None, "taf"]
    keys = []
    for i in range(5):
        key = zapi.create_item(
            "book",
            {"title": TITLES[i], "creators": [{"creatorType": "author", "name": NAMES[i]}]},
            "key",
        )
        if attachment_titles[i] is not None:
            zapi.create_attachment("imported_file", {"title": attachment_titles[i]}, key)
        if notes[i] is not None:
            zapi.create_note(notes[i], key)
        keys.append(key)
    keys.append(zapi.create_attachment("imported_file", {"title": TITLES[5]}, fmt="key"))
    keys.append(zapi.create_note(TITLES[6], fmt="key"))
    return keys


@pytest.mark.parametrize("param", ["sort", "order"])
def test_top_items_by_title_and_creator(zapi: ZoteroAPI, library: list[str], param: str) -> None:
    by_title = zapi.user("GET", f"items/top?format=keys&{param}=title").text.split()
    assert by_title == [library[i] for i in sorted(range(7), key=lambda i: TITLES[i])]
    by_creator = zapi.user("GET", f"items/top?format=keys&{param}=creator").text.split()
    named = sorted(range(5), key=lambda i: NAMES[i])
    assert by_creator == [library[i] for i in named] + library[5:]


def test_other_sorts(zapi: ZoteroAPI, library: list[str]) -> None:
    assert zapi.user("GET", "items?format=keys&sort=asc").status_code == 200
    types = [i["data"]["itemType"] for i in zapi.user("GET", "items/top?sort=itemType").json()]
    assert types == sorted(types)


@pytest.fixture
def dated(zapi: ZoteroAPI) -> list[dict[str, str]]:
    rows = [
        ("book", "B", "2014-02-05T00:00:00Z", "2014-04-05T01:00:00Z"),
        ("journalArticle", "A", "2014-02-04T00:00:00Z", "2014-01-04T01:00:00Z"),
        ("newspaperArticle", "F", "2014-02-03T00:00:00Z", "2014-02-03T01:00:00Z"),
        ("book", "C", "2014-02-02T00:00:00Z", "2014-03-02T01:00:00Z"),
    ]
    return [
        zapi.create_item(
            kind,
            {
                "title": t,
                "creators": [{"creatorType": "author", "name": t}],
                "dateAdded": a,
                "dateModified": m,
            },
            "data",
        )
        for kind, t, a, m in rows
    ]


def _keys(zapi: ZoteroAPI, query: str) -> list[str]:
    fmt = query.split("format=")[1].split("&")[0]
    response = zapi.user("GET", f"items?{query}")
    if fmt == "keys":
        return response.text.split()
    if fmt == "json":
        return [o["key"] for o in response.json()]
    return entry_keys(response.text)


def test_default_sort(zapi: ZoteroAPI, dated: list[dict[str, str]]) -> None:
    by_modified = [d["key"] for d in sorted(dated, key=lambda d: d["dateModified"], reverse=True)]
    by_added = [d["key"] for d in sorted(dated, key=lambda d: d["dateAdded"], reverse=True)]
    assert _keys(zapi, "format=keys") == by_modified
    assert _keys(zapi, "format=json") == by_modified
    assert _keys(zapi, "format=atom") == by_added


@pytest.mark.parametrize("fmt", ["keys", "json", "atom"])
def test_sort_direction(zapi: ZoteroAPI, dated: list[dict[str, str]], fmt: str) -> None:
    ascending = [d["key"] for d in sorted(dated, key=lambda d: d["dateAdded"])]
    for query in (
        "sort=dateAdded&direction=asc",
        "order=dateAdded&sort=asc",
        "sort=dateAdded&order=asc",
    ):
        assert _keys(zapi, f"format={fmt}&{query}") == ascending
    for query in ("sort=dateAdded&direction=desc", "order=dateAdded&sort=desc"):
        assert _keys(zapi, f"format={fmt}&{query}") == ascending[::-1]
