"""Relations, ported from dataserver's ``tests/remote/tests/3/relation.test.js``.

Covered: item relations (owl:sameAs, dc:relation lists), related items shown in both
directions (two requests and one), sending the other side back is no change, a URL added to and
removed from a relation by PATCH (one object is a string), unsupported predicates and non-URI
values refused for items and collections, circular relations (the second is ``unchanged``),
deleting relations, collection relations, and Mendeley predicates accepted for collections and
items.
"""

from __future__ import annotations

from .ds_api import ZoteroAPI


def _uri(zapi: ZoteroAPI, key: str) -> str:
    return f"http://zotero.org/users/{zapi.user_id}/items/{key}"


def test_new_item_relations(zapi: ZoteroAPI) -> None:
    relations = {
        "owl:sameAs": "http://zotero.org/groups/1/items/AAAAAAAA",
        "dc:relation": [_uri(zapi, "AAAAAAAA"), _uri(zapi, "BBBBBBBB")],
    }
    data = zapi.create_item("book", {"relations": relations}, "data")
    assert data["relations"] == relations


def test_related_items_are_bidirectional(zapi: ZoteroAPI) -> None:
    item1 = zapi.create_item(
        "book", {"relations": {"owl:sameAs": "http://zotero.org/groups/1/items/AAAAAAAA"}}, "data"
    )
    item2 = zapi.create_item("book", None, "data")
    item1["relations"]["dc:relation"] = _uri(zapi, item2["key"])
    assert zapi.user("PUT", f"items/{item1['key']}", item1).status_code == 204
    assert zapi.get_object("items", item1["key"])["data"]["relations"]["dc:relation"] == _uri(
        zapi, item2["key"]
    )
    item2 = zapi.get_object("items", item2["key"])["data"]
    assert item2["relations"] == {"dc:relation": _uri(zapi, item1["key"])}
    again = zapi.user("PUT", f"items/{item2['key']}", item2)
    assert (again.status_code, int(again.headers["Last-Modified-Version"])) == (
        204,
        item2["version"],
    )


def test_related_items_in_one_request(zapi: ZoteroAPI) -> None:
    item1 = dict(zapi.template("book"), key="ABCD2345", version=0)
    item1["relations"] = {"dc:relation": _uri(zapi, "BCDE3456")}
    item2 = dict(zapi.template("book"), key="BCDE3456", version=0)
    assert zapi.post("items", [item1, item2]).status_code == 200
    assert zapi.get_object("items", "ABCD2345")["data"]["relations"] == {
        "dc:relation": _uri(zapi, "BCDE3456")
    }
    assert zapi.get_object("items", "BCDE3456")["data"]["relations"] == {
        "dc:relation": _uri(zapi, "ABCD2345")
    }


def test_url_added_and_removed_by_patch(zapi: ZoteroAPI) -> None:
    first, second = _uri(zapi, "AAAAAAAA"), _uri(zapi, "BBBBBBBB")
    item = zapi.create_item("book", {"relations": {"dc:replaces": [first]}}, "data")
    patch = zapi.user(
        "PATCH",
        f"items/{item['key']}",
        {"version": item["version"], "relations": {"dc:replaces": [first, second]}},
    )
    assert patch.status_code == 204
    data = zapi.get_object("items", item["key"])["data"]
    assert data["relations"]["dc:replaces"] == [first, second]
    patch = zapi.user(
        "PATCH",
        f"items/{item['key']}",
        {"version": data["version"], "relations": {"dc:replaces": [first]}},
    )
    assert zapi.get_object("items", item["key"])["data"]["relations"]["dc:replaces"] == first


def test_invalid_relations(zapi: ZoteroAPI) -> None:
    cases = [
        (
            {"foo:unknown": "http://zotero.org/groups/1/items/AAAAAAAA"},
            "Unsupported predicate 'foo:unknown'",
        ),
        ({"owl:sameAs": "Not a URI"}, "'relations' values currently must be Zotero item URIs"),
        ({"owl:sameAs": ["Not a URI"]}, "'relations' values currently must be Zotero item URIs"),
    ]
    for relations, message in cases:
        failed = zapi.create_item("book", {"relations": relations}, "responseJSON")["failed"]["0"]
        assert (failed["code"], failed["message"]) == (400, message)
    collection = [
        (
            {"foo:unknown": "http://zotero.org/groups/1/collections/AAAAAAAA"},
            "Unsupported predicate 'foo:unknown'",
        ),
        (
            {"owl:sameAs": "Not a URI"},
            "'relations' values currently must be Zotero collection URIs",
        ),
        (
            ["http://zotero.org/groups/1/collections/AAAAAAAA"],
            "'relations' property must be an object",
        ),
    ]
    for relations, message in collection:
        failed = zapi.post("collections", [{"name": "Test", "relations": relations}]).json()[
            "failed"
        ]["0"]
        assert failed["message"] == message


def test_circular_relations(zapi: ZoteroAPI) -> None:
    item1 = zapi.create_item("book", None, "data")
    item2 = zapi.create_item("book", None, "data")
    item1["relations"] = {"dc:relation": _uri(zapi, item2["key"])}
    item2["relations"] = {"dc:relation": _uri(zapi, item1["key"])}
    report = zapi.post("items", [item1, item2]).json()
    assert set(report["successful"]) == {"0"}
    assert report["unchanged"] == {"1": item2["key"]}


def test_delete_relations(zapi: ZoteroAPI) -> None:
    relations = {
        "owl:sameAs": [
            "http://zotero.org/groups/1/items/AAAAAAAA",
            "http://zotero.org/groups/1/items/BBBBBBBB",
        ],
        "dc:relation": _uri(zapi, "AAAAAAAA"),
    }
    data = zapi.create_item("book", {"relations": relations}, "data")
    data["relations"]["owl:sameAs"] = relations["owl:sameAs"][0]
    assert zapi.user("PUT", f"items/{data['key']}", data).status_code == 204
    data = zapi.get_object("items", data["key"])["data"]
    assert data["relations"] == {
        "owl:sameAs": relations["owl:sameAs"][0],
        "dc:relation": relations["dc:relation"],
    }
    data["relations"] = {}
    assert zapi.user("PUT", f"items/{data['key']}", data).status_code == 204
    assert zapi.get_object("items", data["key"])["data"]["relations"] == {}


def test_collection_relations_and_mendeley(zapi: ZoteroAPI) -> None:
    same = {"owl:sameAs": "http://zotero.org/groups/1/collections/AAAAAAAA"}
    data = zapi.create_collection("Test", {"relations": same}, "data")
    assert data["relations"] == same
    data["relations"] = {}
    assert zapi.user("PUT", f"collections/{data['key']}", data).status_code == 204
    assert zapi.get_object("collections", data["key"])["data"]["relations"] == {}
    uuid = "b95b84b9-8b27-4a55-b5ea-5b98c1cac205"
    folder = zapi.create_collection(
        "Test", {"relations": {"mendeleyDB:remoteFolderUUID": uuid}}, "data"
    )
    assert folder["relations"]["mendeleyDB:remoteFolderUUID"] == uuid
    listed = zapi.post(
        "collections", [{"name": "Test", "relations": {"mendeleyDB:remoteFolderUUID": [uuid]}}]
    )
    assert listed.json()["success"]
    item = zapi.create_item("book", {"relations": {"mendeleyDB:documentUUID": uuid}}, "data")
    assert item["relations"] == {"mendeleyDB:documentUUID": uuid}
