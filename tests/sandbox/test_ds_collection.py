"""Collections, ported from dataserver's ``tests/remote/tests/3/collection.test.js``.

Covered: a subcollection counted in its parent's ``meta.numCollections``; several collections
and keyed ones (a parent created in the same request) in one POST; an unchanged POST listed under
``unchanged``; POST follows PATCH (unnamed properties kept); filing an item moves its version but
not the collection's, while ``numItems`` follows; child items refused in collections (400);
``/collections/<key>/items`` with children and ``/items/top`` without; a missing collection (409)
or parent (409 with ``data.collection``); a name over 255 characters (413); deleting a collection
with 20 levels below it; a collection put under its own child moves that child to the root; an
emoji name. (Versions per object, not shared by a request's objects: see the report.)
"""

from __future__ import annotations

from .ds_api import ZoteroAPI


def test_subcollections(zapi: ZoteroAPI) -> None:
    parent = zapi.create_collection("Test Parent", fmt="key")
    child = zapi.create_collection("Test Subcollection", {"parentCollection": parent}, "json")
    assert child["data"]["parentCollection"] == parent
    assert zapi.get_object("collections", parent)["meta"]["numCollections"] == 1


def test_several_and_keyed_collections(zapi: ZoteroAPI) -> None:
    key = "AAAA2345"
    response = zapi.user(
        "POST",
        "collections",
        [{"key": key, "version": 0, "name": "One"}, {"name": "Two", "parentCollection": key}],
    )
    report = response.json()
    assert len(report["successful"]) == len(report["success"]) == 2
    assert [report["successful"][s]["data"]["parentCollection"] for s in "01"] == [False, key]
    assert all(
        report["successful"][s]["key"] == report["successful"][s]["data"]["key"] for s in "01"
    )
    listed = zapi.user("GET", f"collections?collectionKey={key},{report['success']['1']}")
    assert listed.headers["Total-Results"] == "2"


def test_update_several_collections(zapi: ZoteroAPI) -> None:
    first = zapi.create_collection("Test 1", fmt="data")
    second = zapi.create_collection("Test 2", fmt="data")
    same = zapi.user("POST", "collections", [first, second]).json()
    assert sorted(same["unchanged"]) == ["0", "1"]
    new_parent = zapi.create_collection("Test 3", fmt="key")
    body = [
        {"key": first["key"], "version": first["version"], "name": "Test 1 Modified"},
        {"key": second["key"], "version": second["version"], "parentCollection": new_parent},
    ]
    report = zapi.user("POST", "collections", body).json()
    assert len(report["successful"]) == 2
    one, two = (zapi.get_object("collections", c["key"])["data"] for c in (first, second))
    assert (one["name"], one["parentCollection"]) == ("Test 1 Modified", False)
    assert (two["name"], two["parentCollection"]) == ("Test 2", new_parent)


def test_filing_items(zapi: ZoteroAPI) -> None:
    first = zapi.create_collection("Test", fmt="key")
    second = zapi.create_collection("Test", fmt="json")
    item = zapi.create_item("book", {"collections": [first]}, "json")
    version = zapi.library_version()
    filed = zapi.user(
        "PATCH",
        f"items/{item['key']}",
        {"collections": [first, second["key"]]},
        If_Unmodified_Since_Version=str(item["version"]),
    )
    assert filed.status_code == 204
    assert zapi.get_object("items", item["key"])["version"] == version + 1
    after = zapi.get_object("collections", second["key"])
    assert (after["meta"]["numItems"], after["version"]) == (1, second["version"])


def test_child_items_and_collection_listings(zapi: ZoteroAPI) -> None:
    collection = zapi.create_collection("Test", fmt="key")
    parent = zapi.create_item("book", {"collections": [collection]}, "key")
    note = zapi.create_note("Test Note", parent, "data")
    refused = zapi.user("PUT", f"items/{note['key']}", dict(note, collections=[collection]))
    assert (refused.status_code, refused.text) == (
        400,
        "Child items cannot be assigned to collections",
    )
    child = zapi.create_attachment("linked_url", {}, parent, "key")
    everything = zapi.user("GET", f"collections/{collection}/items?format=keys").text.split()
    assert sorted(everything) == sorted([parent, note["key"], child])
    assert zapi.user("GET", f"collections/{collection}/items/top?format=keys").text.split() == [
        parent
    ]


def test_missing_collections_and_long_names(zapi: ZoteroAPI) -> None:
    item = zapi.create_item("book", {"collections": ["AAAAAAAA"]})
    assert (item["failed"]["0"]["code"], item["failed"]["0"]["message"]) == (
        409,
        "Collection AAAAAAAA not found",
    )
    orphan = zapi.create_collection("Test", {"parentCollection": "GDHRG8AZ"})["failed"]["0"]
    assert (orphan["code"], orphan["message"], orphan["data"]) == (
        409,
        "Parent collection GDHRG8AZ not found",
        {"collection": "GDHRG8AZ"},
    )
    assert (
        zapi.user("POST", "collections", [{"name": "1" * 256}]).json()["failed"]["0"]["code"] == 413
    )
    assert zapi.create_collection("\U0001f436", fmt="data")["name"] == "\U0001f436"


def test_delete_twenty_levels(zapi: ZoteroAPI) -> None:
    top = parent = zapi.create_collection("0", fmt="key")
    for level in range(20):
        parent = zapi.create_collection(str(level), {"parentCollection": parent}, "key")
    version = zapi.library_version()
    assert (
        zapi.user(
            "DELETE", f"collections?collectionKey={top}", If_Unmodified_Since_Version=str(version)
        ).status_code
        == 204
    )
    assert zapi.user("GET", "collections?format=keys").text.strip() == ""


def test_parent_under_its_child_moves_the_child_to_the_root(zapi: ZoteroAPI) -> None:
    a = zapi.create_collection("A", fmt="data")
    b = zapi.create_collection("B", {"parentCollection": a["key"]}, "key")
    report = zapi.user("POST", "collections", [dict(a, parentCollection=b)]).json()
    assert report["successful"]["0"]["data"]["parentCollection"] == b
    moved = zapi.get_object("collections", b)
    assert moved["data"]["parentCollection"] is False
    assert moved["version"] == report["successful"]["0"]["version"]
