"""pyzotero 1.16, unchanged except ``endpoint``, against the sandbox: a test per method used."""

from __future__ import annotations

from typing import Any

import pytest
from pyzotero import zotero_errors

from zotmark.sandbox import Sandbox


def _preprint(zot: Any, title: str, **fields: Any) -> dict[str, Any]:
    template: dict[str, Any] = zot.item_template("preprint")
    template.update(title=title, repository="arXiv", **fields)
    return template


def test_key_info_describes_the_key_and_its_access(sandbox: Sandbox) -> None:
    """``key_info()`` (``GET /keys/<key>``) names the user and grants write access."""
    info = sandbox.zotero().key_info()
    assert info["userID"] == sandbox.user_id
    assert info["access"]["user"]["write"] is True
    assert info["access"]["groups"][str(sandbox.group_id)]["write"] is True


def test_key_info_of_the_readonly_key_denies_writes(sandbox: Sandbox) -> None:
    """The read-only key reports ``write: false``."""
    info = sandbox.zotero(readonly=True).key_info()
    assert info["access"]["user"]["write"] is False


def test_create_collections_returns_a_write_report_with_the_new_key(sandbox: Sandbox) -> None:
    """``create_collections`` gets the report; the collection exists at version 1."""
    report = sandbox.zotero().create_collections([{"name": "Reading List"}])
    key = report["success"]["0"]
    assert report["successful"]["0"]["data"]["parentCollection"] is False
    assert sandbox.collections()[key]["version"] == 1


def test_collections_lists_every_collection(sandbox: Sandbox) -> None:
    """``collections()`` returns the collection objects."""
    sandbox.add_collection("A")
    sandbox.add_collection("B")
    names = sorted(c["data"]["name"] for c in sandbox.zotero().collections())
    assert names == ["A", "B"]


def test_item_template_follows_the_schema(sandbox: Sandbox) -> None:
    """``item_template('preprint')``: the schema's fields, one empty author, tags, collections."""
    template = sandbox.zotero().item_template("preprint")
    assert list(template)[:3] == ["itemType", "title", "creators"]
    assert template["creators"] == [{"creatorType": "author", "firstName": "", "lastName": ""}]
    assert {"repository", "archiveID", "citationKey"} <= set(template)
    assert template["tags"] == [] and template["collections"] == []


def test_item_types_include_preprint(sandbox: Sandbox) -> None:
    """``item_types()`` lists the schema's types with English labels."""
    types = {row["itemType"]: row["localized"] for row in sandbox.zotero().item_types()}
    assert types["preprint"] == "Preprint"
    assert types["journalArticle"] == "Journal Article"


def test_item_fields_include_the_schema_v41_fields(sandbox: Sandbox) -> None:
    """``item_fields()`` knows ``archiveID`` and ``citationKey`` (pyzotero validates with it)."""
    fields = {row["field"] for row in sandbox.zotero().item_fields()}
    assert {"archiveID", "citationKey", "repository", "DOI"} <= fields


def test_create_items_with_client_keys_and_version_zero(sandbox: Sandbox) -> None:
    """Client-chosen keys with ``version: 0`` create the items under those keys."""
    zot = sandbox.zotero()
    payload = [
        dict(_preprint(zot, "One"), key="ABCD2345", version=0),
        dict(_preprint(zot, "Two"), key="EFGH6789", version=0),
    ]
    report = zot.create_items(payload)
    assert report["success"] == {"0": "ABCD2345", "1": "EFGH6789"}
    assert [report["successful"][s]["version"] for s in "01"] == [1, 2]


def test_create_items_retried_with_version_zero_fails_412_per_object(sandbox: Sandbox) -> None:
    """A retried create (same key, version 0) is a per-object 412, not a duplicate."""
    zot = sandbox.zotero()
    item = dict(_preprint(zot, "One"), key="ABCD2345", version=0)
    zot.create_items([item])
    report = zot.create_items([item])
    assert report["success"] == {}
    assert report["failed"]["0"]["code"] == 412
    assert "key" not in report["failed"]["0"]  # the real server names no key there
    assert len(sandbox.items()) == 1


def test_collection_items_and_everything_page_through_the_collection(sandbox: Sandbox) -> None:
    """``everything(collection_items(...))`` follows ``Link: rel=next`` across pages."""
    collection = sandbox.add_collection("Reading List")
    sandbox.add_items(
        [
            {"itemType": "webpage", "title": f"Page {i}", "collections": [collection]}
            for i in range(7)
        ]
    )
    sandbox.add_items([{"itemType": "webpage", "title": "Elsewhere"}])
    zot = sandbox.zotero()
    items = zot.everything(zot.collection_items(collection, limit=3))
    assert sorted(i["data"]["title"] for i in items) == [f"Page {i}" for i in range(7)]


def test_items_since_in_versions_format_without_limit(sandbox: Sandbox) -> None:
    """``items(since=V, format='versions', limit=None)`` returns every changed key and version."""
    old = sandbox.add_items([{"itemType": "book", "title": "Old"}])[0]
    version = sandbox.library_version()
    new = sandbox.add_items([{"itemType": "book", "title": f"N{i}"} for i in range(120)])
    zot = sandbox.zotero()
    versions = zot.items(since=version, format="versions", limit=None)
    assert set(versions) == set(new) and old not in versions
    assert int(zot.request.headers["Last-Modified-Version"]) == sandbox.library_version()


def test_items_by_item_key_fetches_exactly_those_items(sandbox: Sandbox) -> None:
    """``items(itemKey='A,B')`` returns those items (trashed ones with ``includeTrashed=1``)."""
    keys = sandbox.add_items([{"itemType": "book", "title": t} for t in ("a", "b", "c")])
    sandbox.update_item(keys[1], {"deleted": 1})
    zot = sandbox.zotero()
    plain = zot.items(itemKey=",".join(keys[:2]))
    with_trash = zot.items(itemKey=",".join(keys[:2]), includeTrashed=1)
    assert [i["key"] for i in plain] == [keys[0]]
    assert {i["key"] for i in with_trash} == set(keys[:2])


def test_item_returns_the_object_with_its_version_as_header(sandbox: Sandbox) -> None:
    """``item(key)`` returns the item; ``Last-Modified-Version`` is the item's version."""
    first = sandbox.add_items([{"itemType": "book", "title": "First"}])[0]
    sandbox.add_items([{"itemType": "book", "title": "Second"}])
    zot = sandbox.zotero()
    item = zot.item(first)
    assert item["data"]["title"] == "First"
    assert zot.request.headers["Last-Modified-Version"] == "1"


def test_update_items_applies_partial_updates(sandbox: Sandbox) -> None:
    """``update_items`` POSTs the changed data; the items take new versions."""
    keys = sandbox.add_items([{"itemType": "book", "title": t} for t in ("a", "b")])
    zot = sandbox.zotero()
    items = [zot.item(k)["data"] for k in keys]
    for data in items:
        data["tags"] = [{"tag": "read"}]
    assert zot.update_items(items) is True
    report = zot.request.json()
    assert set(report["success"].values()) == set(keys)
    assert all(d["tags"] == [{"tag": "read"}] for d in sandbox.items().values())


def test_update_item_patches_with_the_object_version(sandbox: Sandbox) -> None:
    """``update_item`` PATCHes with ``If-Unmodified-Since-Version``: 204 and a new version."""
    key = sandbox.add_items([{"itemType": "book", "title": "Draft"}])[0]
    zot = sandbox.zotero()
    data = zot.item(key)["data"]
    data["title"] = "Final"
    assert zot.update_item(data) is True
    assert zot.request.status_code == 204
    assert sandbox.items()[key]["title"] == "Final"
    assert sandbox.items()[key]["version"] == 2


def test_update_item_with_a_stale_version_raises_412(sandbox: Sandbox) -> None:
    """A PATCH with an outdated version is refused (``PreConditionFailedError``)."""
    key = sandbox.add_items([{"itemType": "book", "title": "Draft"}])[0]
    zot = sandbox.zotero()
    data = zot.item(key)["data"]
    sandbox.update_item(key, {"title": "Changed in the Zotero app"})
    data["title"] = "Mine"
    with pytest.raises(zotero_errors.PreConditionFailedError):
        zot.update_item(data)
    assert sandbox.items()[key]["title"] == "Changed in the Zotero app"


def test_delete_item_list_form_with_last_modified(sandbox: Sandbox) -> None:
    """``delete_item([...], last_modified=V)`` deletes them; ``/deleted`` lists the keys."""
    keys = sandbox.add_items([{"itemType": "book", "title": t} for t in ("a", "b", "c")])
    zot = sandbox.zotero()
    items = [zot.item(k) for k in keys[:2]]
    assert zot.delete_item(items, last_modified=sandbox.library_version()) is True
    assert set(sandbox.items()) == {keys[2]}
    assert set(sandbox.deleted()["items"]) == set(keys[:2])


def test_delete_item_list_form_without_last_modified_fails_412(sandbox: Sandbox) -> None:
    """Without ``last_modified`` pyzotero sends the first item's version: stale → 412."""
    keys = sandbox.add_items([{"itemType": "book", "title": t} for t in ("a", "b")])
    zot = sandbox.zotero()
    items = [zot.item(k) for k in keys]
    with pytest.raises(zotero_errors.PreConditionFailedError):
        zot.delete_item(items)


def test_deleted_since_lists_deleted_keys(sandbox: Sandbox) -> None:
    """``deleted(since=V)`` lists keys deleted after V, and nothing before."""
    keys = sandbox.add_items([{"itemType": "book", "title": t} for t in ("a", "b")])
    sandbox.delete_item(keys[0])
    version = sandbox.library_version()
    sandbox.delete_item(keys[1])
    zot = sandbox.zotero()
    assert zot.deleted(since=version)["items"] == [keys[1]]
    assert set(zot.deleted(since=0)["items"]) == set(keys)


def test_tags_returns_tag_names(sandbox: Sandbox) -> None:
    """``tags()`` returns the library's tag names."""
    sandbox.add_items([{"itemType": "book", "title": "a", "tags": [{"tag": "read"}]}])
    sandbox.add_items([{"itemType": "book", "title": "b", "tags": [{"tag": "relevant"}]}])
    assert sorted(sandbox.zotero().tags()) == ["read", "relevant"]


def test_everything_collects_all_items(sandbox: Sandbox) -> None:
    """``everything(items())`` returns all items over several pages (default limit 100)."""
    sandbox.add_items([{"itemType": "book", "title": f"b{i}"} for i in range(130)])
    zot = sandbox.zotero()
    assert len(zot.everything(zot.items())) == 130


def test_item_versions_and_collection_versions(sandbox: Sandbox) -> None:
    """``item_versions()`` and ``collection_versions()`` map keys to versions."""
    collection = sandbox.add_collection("C")
    item = sandbox.add_items([{"itemType": "book", "title": "b"}])[0]
    zot = sandbox.zotero()
    assert zot.item_versions() == {item: 2}
    assert zot.collection_versions() == {collection: 1}


def test_group_library_works_like_a_user_library(sandbox: Sandbox) -> None:
    """A ``group`` pyzotero client writes to and reads from the group library."""
    zot = sandbox.zotero("group")
    report = zot.create_items([{"itemType": "book", "title": "Shared"}])
    key = report["success"]["0"]
    assert zot.item(key)["library"]["type"] == "group"
    assert key in sandbox.items("group") and sandbox.items("user") == {}


def test_readonly_key_cannot_create_items(sandbox: Sandbox) -> None:
    """pyzotero raises ``UserNotAuthorisedError`` for a write with the read-only key."""
    zot = sandbox.zotero(readonly=True)
    with pytest.raises(zotero_errors.UserNotAuthorisedError):
        zot.update_item({"key": "ABCD2345", "version": 0, "itemType": "book", "title": "x"})
