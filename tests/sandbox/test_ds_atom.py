"""``format=atom``, as dataserver's tests read it (``sort``, ``params`` and ``item`` tests of
``tests/remote/tests/3/``, which look at ``//atom:entry/zapi:key`` and ``atom:content``).

Covered: feeds of items, top-level items (a child's key shows its parent), collections,
searches and tags, with ``Total-Results``, ``Link`` and the feed's own links; the Atom default
sort (``dateAdded``, newest first); ``content=json`` (the object's data as JSON, kept in the
entry and feed links) and ``content`` alone asking for Atom; a single object as one entry;
``content`` refused with another format.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from .ds_api import ZoteroAPI

NS = {"atom": "http://www.w3.org/2005/Atom", "zapi": "http://zotero.org/ns/api"}


def entries(text: str) -> list[ET.Element]:
    """The ``<entry>`` elements of a feed (or the entry document itself)."""
    root = ET.fromstring(text)
    if root.tag == f"{{{NS['atom']}}}entry":
        return [root]
    return root.findall("atom:entry", NS)


def entry_keys(text: str) -> list[str]:
    """Each entry's ``zapi:key`` (tags, which have none: their title), in feed order."""
    out = []
    for entry in entries(text):
        key = entry.find("zapi:key", NS)
        out.append((key if key is not None else entry.find("atom:title", NS)).text or "")  # type: ignore[union-attr]
    return out


def _content(entry: ET.Element) -> ET.Element:
    content = entry.find("atom:content", NS)
    assert content is not None
    return content


def test_item_feed(zapi: ZoteroAPI) -> None:
    first = zapi.create_item(
        "book",
        {
            "title": "First",
            "creators": [{"creatorType": "author", "name": "Ann"}],
            "date": "2014-03-02",
        },
        "json",
    )
    second = zapi.create_item("book", {"title": "Second"}, "json")
    response = zapi.user("GET", "items?format=atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    assert response.headers["Total-Results"] == "2"
    assert response.headers["Last-Modified-Version"] == str(second["version"])
    assert entry_keys(response.text) == [second["key"], first["key"]]  # dateAdded, newest first
    entry = entries(response.text)[1]
    values = {child.tag.split("}")[1]: child.text for child in entry if child.text}
    assert values["title"] == "First"
    assert values["version"] == str(first["version"])
    assert (
        values["itemType"],
        values["creatorSummary"],
        values["parsedDate"],
        values["numChildren"],
    ) == ("book", "Ann", "2014-03-02", "0")
    assert _content(entry).get("type") == "xhtml"
    feed = ET.fromstring(response.text)
    rels = {link.get("rel") for link in feed.findall("atom:link", NS)}
    assert {"self", "alternate"} <= rels


def test_content_json(zapi: ZoteroAPI) -> None:
    item = zapi.create_item("book", {"title": "A"}, "json")
    for query in ("items?format=atom&content=json", "items?content=json"):
        response = zapi.user("GET", query)
        assert response.headers["Content-Type"].startswith("application/atom+xml"), query
        content = _content(entries(response.text)[0])
        assert content.get(f"{{{NS['zapi']}}}type") == "json"
        assert json.loads(content.text or "") == item["data"]
    single = zapi.user("GET", f"items/{item['key']}?format=atom&content=json")
    (entry,) = entries(single.text)
    assert entry_keys(single.text) == [item["key"]]
    assert json.loads(_content(entry).text or "")["title"] == "A"
    links = {link.get("rel"): link.get("href") for link in entry.findall("atom:link", NS)}
    assert links["self"].endswith(f"/items/{item['key']}?format=atom&content=json")
    refused = zapi.user("GET", "items?format=json&content=json")
    assert (refused.status_code, refused.text) == (400, "'content' is valid only for format=atom")


def test_top_items_feed(zapi: ZoteroAPI) -> None:
    parent = zapi.create_item("book", {"title": "Parent"}, "key")
    note = zapi.create_note("<p>Child note</p>", parent, "key")
    response = zapi.user("GET", f"items/top?format=atom&itemKey={note}")
    assert (response.headers["Total-Results"], entry_keys(response.text)) == ("1", [parent])
    child = zapi.user("GET", f"items/{note}?format=atom")
    links = {
        link.get("rel"): link.get("href")
        for link in entries(child.text)[0].findall("atom:link", NS)
    }
    assert links["up"].endswith(f"/items/{parent}?format=atom")


def test_collection_search_and_tag_feeds(zapi: ZoteroAPI) -> None:
    collection = zapi.create_collection("Shelf", fmt="key")
    search = zapi.create_search("Saved", fmt="key")
    zapi.create_item("book", {"collections": [collection], "tags": [{"tag": "a"}, {"tag": "b"}]})
    feed = zapi.user("GET", "collections?format=atom").text
    assert entry_keys(feed) == [collection]
    values = {c.tag.split("}")[1]: c.text for c in entries(feed)[0]}
    assert (values["title"], values["numItems"], values["numCollections"]) == ("Shelf", "1", "0")
    assert entry_keys(zapi.user("GET", "searches?format=atom").text) == [search]
    tags = zapi.user("GET", "tags?format=atom")
    assert (tags.headers["Total-Results"], sorted(entry_keys(tags.text))) == ("2", ["a", "b"])
    single = zapi.user("GET", f"collections/{collection}?format=atom")
    assert entry_keys(single.text) == [collection]
