"""Items, ported from dataserver's ``tests/remote/tests/3/item.test.js``.

Covered: empty and multiple new books (one version each), edits by PUT and PATCH (fields, tags,
collections), dates (``parsedDate``, ``accessDate`` and ``dateAdded`` in ISO 8601 with an offset
or SQL form, invalid ``accessDate``), ``dateModified`` kept on a collection change and set on
trashing, item type change, ``note`` on a book, missing ``itemType``, ``contentType`` on a book,
child notes moved to the top level (PATCH ``parentItem: false``, with collections) and a child in
a collection refused, ``null`` as an empty field, attachments (empty fields, imported and linked
files, a slash in a stored filename, ``md5``/``mtime`` only for stored files and ``null`` ignored,
linked files only in user libraries), embedded images (under a note, ``numChildren`` of the note,
no parent, parent changed or cleared, a non-image type, a note), mapped creator types,
``library`` JSON, ``numChildren``, trash and ``includeTrashed``, parents (child of itself, missing
parent or collection 409, a note under a note, children of a failed parent in the same request),
deleting a parent deletes its children, invalid keys in ``itemKey`` ignored (GET and DELETE),
``lastRead`` on user-library attachments, emoji in titles (pretty-printed JSON).
"""

from __future__ import annotations

from typing import Any

import pytest

from .ds_api import ZoteroAPI


def test_new_books(zapi: ZoteroAPI) -> None:
    data = zapi.create_item("book")["successful"]["0"]["data"]
    assert (data["itemType"], data["title"], data["date"], data["place"]) == ("book", "", "", "")
    template = zapi.template("book")
    objects = [dict(template, title=t) for t in "AB"] + [dict(template, title="C", numPages=200)]
    response = zapi.post("items", objects)
    version = int(response.headers["Last-Modified-Version"])
    report = response.json()
    for i in range(3):
        entry = report["successful"][str(i)]
        assert entry["version"] == entry["data"]["version"] == version - (2 - i)
        assert entry["data"]["title"] == "ABC"[i]
    assert report["successful"]["2"]["data"]["numPages"] == "200"


def test_edit_and_patch(zapi: ZoteroAPI) -> None:
    data = zapi.create_item("book", fmt="data")
    data.update(title="New Title", numPages=100)
    data["creators"].append({"creatorType": "author", "firstName": "F", "lastName": "L"})
    put = zapi.user(
        "PUT", f"items/{data['key']}", data, If_Unmodified_Since_Version=str(data["version"])
    )
    assert put.status_code == 204
    got = zapi.get_object("items", data["key"])["data"]
    assert (got["title"], got["numPages"], got["creators"][0]["lastName"]) == (
        "New Title",
        "100",
        "L",
    )
    collection = zapi.create_collection("Test", fmt="key")
    version = got["version"]
    for change in (
        {"date": "2013"},
        {"title": ""},
        {"tags": [{"tag": "Foo"}]},
        {"tags": []},
        {"collections": [collection]},
        {"collections": []},
    ):
        patch = zapi.user(
            "PATCH", f"items/{data['key']}", change, If_Unmodified_Since_Version=str(version)
        )
        assert patch.status_code == 204
        got = zapi.get_object("items", data["key"])
        for name, value in change.items():
            assert got["data"][name] == value
        assert got["version"] == int(patch.headers["Last-Modified-Version"]) > version
        version = got["version"]


@pytest.mark.parametrize(
    ("date", "parsed"),
    [("Sept 18, 2012", "2012-09-18"), ("Sept 2012", "2012-09"), ("2012", "2012"), ("n.d.", None)],
)
def test_parsed_date(zapi: ZoteroAPI, date: str, parsed: str | None) -> None:
    json = zapi.create_item("book", {"date": date}, "json")
    assert json["data"]["date"] == date
    assert json["meta"].get("parsedDate") == parsed


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2014-02-01T01:23:45Z", "2014-02-01T01:23:45Z"),
        ("2014-02-01T01:23:45-0400", "2014-02-01T05:23:45Z"),
        ("2014-02-01 01:23:45", "2014-02-01T01:23:45Z"),
    ],
)
def test_access_date(zapi: ZoteroAPI, sent: str, stored: str) -> None:
    assert zapi.create_item("book", {"accessDate": sent}, "data")["accessDate"] == stored


def test_access_date_invalid(zapi: ZoteroAPI) -> None:
    failed = zapi.create_item("book", {"accessDate": "February 1, 2014"})["failed"]["0"]
    assert failed["message"] == (
        "'accessDate' must be in ISO 8601 or UTC 'YYYY-MM-DD[ hh:mm:ss]' format or "
        "'CURRENT_TIMESTAMP' (February 1, 2014)"
    )


def test_date_modified_rules(zapi: ZoteroAPI, sandbox: Any) -> None:
    from datetime import UTC, datetime

    sandbox.state.store.clock = lambda: datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    collection = zapi.create_collection("Test", fmt="key")
    data = zapi.create_item("book", {"title": "Test"}, "data")
    sandbox.state.store.clock = lambda: datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    data["collections"] = [collection]
    moved = zapi.post("items", [data]).json()["successful"]["0"]["data"]
    assert moved["dateModified"] == "2026-01-01T00:00:00Z"
    trashed = zapi.post(
        "items", [{"key": data["key"], "version": moved["version"], "deleted": True}]
    ).json()
    assert trashed["successful"]["0"]["data"]["dateModified"] == "2026-01-01T00:00:05Z"
    explicit = dict(
        trashed["successful"]["0"]["data"], title="T", dateModified="2013-03-03T21:33:53Z"
    )
    assert zapi.user("PUT", f"items/{data['key']}", explicit).status_code == 204
    assert zapi.get_object("items", data["key"])["data"]["dateModified"] == "2013-03-03T21:33:53Z"


def test_change_item_type(zapi: ZoteroAPI) -> None:
    key = zapi.created(
        "items", zapi.post("items", [dict(zapi.template("book"), title="Foo", numPages=100)]), "key"
    )
    book = zapi.get_object("items", key)["data"]
    section = {
        f: book.get(f, v) for f, v in zapi.template("bookSection").items() if f != "itemType"
    }
    section["itemType"] = "bookSection"
    assert (
        zapi.user(
            "PUT", f"items/{key}", section, If_Unmodified_Since_Version=str(book["version"])
        ).status_code
        == 204
    )
    data = zapi.get_object("items", key)["data"]
    assert (data["itemType"], data["title"], "numPages" in data) == ("bookSection", "Foo", False)


def test_invalid_books(zapi: ZoteroAPI) -> None:
    data = zapi.create_item("book", fmt="data")
    patch = zapi.user(
        "PATCH",
        f"items/{data['key']}",
        {"note": "Test"},
        If_Unmodified_Since_Version=str(data["version"]),
    )
    assert patch.status_code == 400
    assert "'note' property is valid only for note and attachment items" in patch.text
    template = zapi.template("book")
    del template["itemType"]
    assert (
        zapi.post("items", [template]).json()["failed"]["0"]["message"]
        == "'itemType' property not provided"
    )
    typed = dict(zapi.template("book"), contentType="text/html")
    assert (
        zapi.post("items", [typed]).json()["failed"]["0"]["message"]
        == "'contentType' is valid only for attachment items"
    )


def test_child_notes(zapi: ZoteroAPI) -> None:
    collection = zapi.create_collection("Test", fmt="key")
    parent = zapi.create_item("book", {"title": "Test"}, "key")
    note = zapi.create_note("<p>Test</p>", parent, "data")
    in_collection = dict(note, collections=[collection])
    refused = zapi.user("PUT", f"items/{note['key']}", in_collection)
    assert (refused.status_code, refused.text) == (
        400,
        "Child items cannot be assigned to collections",
    )
    moved = zapi.user(
        "PATCH",
        f"items/{note['key']}",
        {"parentItem": False, "collections": [collection]},
        If_Unmodified_Since_Version=str(note["version"]),
    )
    assert moved.status_code == 204
    data = zapi.get_object("items", note["key"])["data"]
    assert "parentItem" not in data and data["collections"] == [collection]


def test_null_is_an_empty_string(zapi: ZoteroAPI) -> None:
    data = zapi.create_item("book", {"place": "New York"}, "data")
    data["place"] = None
    assert zapi.post("items", [data]).json()["successful"]["0"]["data"]["place"] == ""


def test_attachments(zapi: ZoteroAPI) -> None:
    parent = zapi.create_item("book", fmt="key")
    linked = zapi.create_attachment("linked_url", {}, parent, "data")
    assert all(linked[f] == "" for f in ("url", "title", "note", "contentType", "charset"))
    assert zapi.post("items", [zapi.template("attachment", "imported_file")]).json()["success"]
    path = "attachments:tést.txt"
    assert zapi.create_attachment("linked_file", {"path": path}, parent, "data")["path"] == path
    for filename in ("D:/Foo/Bar/test.pdf", "D:\\Foo\\Bar\\test.pdf"):
        failed = zapi.create_attachment("imported_file", {"filename": filename})["failed"]["0"]
        assert failed["message"] == f"Stored-file filename '{filename}' cannot contain a slash"
    for name, value in (("md5", "c7487a750a97722ae1878ed46b215ebe"), ("mtime", "1332807793000")):
        failed = zapi.create_attachment("linked_url", {name: value}, parent)["failed"]["0"]
        assert (
            failed["message"]
            == f"'{name}' is valid only for imported and embedded-image attachments"
        )


def test_storage_properties_ignore_null(zapi: ZoteroAPI) -> None:
    json = zapi.create_attachment("imported_file", fmt="data")
    json.update(md5="c7487a750a97722ae1878ed46b215ebe", mtime=1332807793000)
    json = zapi.post("items", [json]).json()["successful"]["0"]["data"]
    json.update(md5=None, mtime=None)
    zapi.post("items", [json])
    data = zapi.get_object("items", json["key"])["data"]
    assert (data["md5"], data["mtime"]) == ("c7487a750a97722ae1878ed46b215ebe", 1332807793000)


def test_linked_files_only_in_user_libraries(zapi: ZoteroAPI) -> None:
    parent = zapi.create_item("book", fmt="key", library="group")
    json = dict(
        zapi.template("attachment", "linked_file"), parentItem=parent, path="attachments:tést.txt"
    )
    failed = zapi.post("items", [json], library="group").json()["failed"]["0"]
    assert failed["message"] == "Linked files can only be added to user libraries"


def _image(zapi: ZoteroAPI, parent: Any, **extra: Any) -> dict[str, Any]:
    json = dict(
        zapi.template("attachment", "embedded_image"), parentItem=parent, contentType="image/png"
    )
    json.update(extra)
    return json


def test_embedded_images(zapi: ZoteroAPI) -> None:
    note = zapi.create_note("Test", fmt="key")
    image = zapi.created("items", zapi.post("items", [_image(zapi, note)]), "key")
    assert zapi.get_object("items", note)["meta"]["numChildren"] == 1
    assert [c["key"] for c in zapi.user("GET", f"items/{note}/children").json()] == [image]
    refusals = [
        (_image(zapi, False), "Embedded-image attachment must have a parent item"),
        (
            _image(zapi, note, contentType="application/pdf"),
            "Embedded-image attachment must have an image content type",
        ),
        (_image(zapi, note, note="<p>Foo</p>"), "'note' property is not valid for embedded images"),
    ]
    for json, message in refusals:
        assert zapi.post("items", [json]).json()["failed"]["0"]["message"] == message
    other = zapi.create_note("Test 2", fmt="key")
    version = zapi.get_object("items", image)["version"]
    for parent in (other, False):
        patch = zapi.user("PATCH", f"items/{image}", {"version": version, "parentItem": parent})
        assert patch.status_code == 400
        assert "Cannot change parent item of embedded-image attachment" in patch.text


def test_mapped_creator_types(zapi: ZoteroAPI) -> None:
    objects = [
        {
            "itemType": "presentation",
            "title": "Test",
            "creators": [{"creatorType": kind, "name": "Foo"}],
        }
        for kind in ("author", "editor")
    ]
    report = zapi.post("items", objects).json()
    assert "0" in report["successful"] and "1" in report["failed"]


def test_library_json(zapi: ZoteroAPI) -> None:
    library = zapi.create_item("book", fmt="json")["library"]
    assert (library["type"], library["id"]) == ("user", zapi.user_id)
    assert library["links"]["alternate"]["type"] == "text/html"
    group = zapi.create_item("book", fmt="json", library="group")["library"]
    assert (group["type"], group["id"]) == ("group", zapi.group_id)
    assert group["links"]["alternate"]["href"].endswith(f"/groups/{zapi.group_id}")


def test_num_children(zapi: ZoteroAPI) -> None:
    json = zapi.create_item("book", fmt="json")
    assert json["meta"]["numChildren"] == 0
    zapi.create_attachment("linked_url", {}, json["key"])
    assert zapi.get_object("items", json["key"])["meta"]["numChildren"] == 1
    zapi.create_note("Test", json["key"])
    assert zapi.get_object("items", json["key"])["meta"]["numChildren"] == 2


def test_trash_and_include_trashed(zapi: ZoteroAPI) -> None:
    key1 = zapi.create_item("book", fmt="key")
    key2 = zapi.create_item("book", {"deleted": 1}, "key")
    key3 = zapi.create_note("", key1, "key")
    keys = lambda path: sorted(o["key"] for o in zapi.user("GET", path).json())  # noqa: E731
    assert keys("items?includeTrashed=1") == sorted([key1, key2, key3])
    assert keys(f"items?itemKey={key2},{key3}&includeTrashed=1") == sorted([key2, key3])
    assert keys("items/top?includeTrashed=1") == sorted([key1, key2])
    assert keys("items/trash") == [key2]
    assert keys("items/top") == [key1]
    assert keys(f"items?itemKey={key2}") == []


def test_parent_rules(zapi: ZoteroAPI) -> None:
    own = dict(
        zapi.template("attachment", "imported_file"),
        key="ABCD2345",
        version=0,
        parentItem="ABCD2345",
    )
    failed = zapi.post("items", [own]).json()["failed"]["0"]
    assert failed["code"] == 400 and "cannot be a child of itself" in failed["message"]
    note = dict(zapi.template("note"), parentItem="BDARG2AV", note="<p>test</p>")
    assert zapi.post("items", [note]).json()["failed"]["0"] == {
        "code": 409,
        "message": "Parent item BDARG2AV not found",
        "data": {"parentItem": "BDARG2AV"},
    }
    book = dict(zapi.template("book"), collections=["BDARG2AV"])
    failed = zapi.post("items", [book]).json()["failed"]["0"]
    assert (failed["code"], failed["data"]) == (409, {"collection": "BDARG2AV"})
    parent_note = zapi.create_note("<p>Parent</p>", fmt="key")
    for child in (
        dict(zapi.template("note"), parentItem=parent_note),
        dict(zapi.template("attachment", "imported_file"), parentItem=parent_note),
    ):
        failed = zapi.post("items", [child]).json()["failed"]["0"]
        assert (failed["code"], failed["message"]) == (
            409,
            "Parent item cannot be a note or attachment",
        )


def test_children_of_a_failed_parent(zapi: ZoteroAPI) -> None:
    collection = zapi.create_collection("A", fmt="key")
    version = zapi.library_version()
    parent = dict(
        zapi.template("book"),
        key="BDARG2AV",
        tags=[{"tag": "A"}, {"tag": "x" * 300}],
        collections=[collection],
    )
    note = dict(zapi.template("note"), parentItem="BDARG2AV")
    attachment = dict(zapi.template("attachment", "linked_url"), parentItem="BDARG2AV", note="Test")
    response = zapi.user(
        "POST", "items", [parent, note, attachment], If_Unmodified_Since_Version=str(version)
    )
    failed = response.json()["failed"]
    assert failed["0"]["code"] == 413
    for slot in ("1", "2"):
        assert (failed[slot]["code"], failed[slot]["data"]) == (409, {"parentItem": "BDARG2AV"})


def test_deleting_a_parent_deletes_its_children(zapi: ZoteroAPI) -> None:
    parent = zapi.create_item("book", fmt="key")
    child = zapi.create_attachment("linked_file", {}, parent, "key")
    note = zapi.create_note("<p>Test</p>", parent, "key")
    image = zapi.created("items", zapi.post("items", [_image(zapi, note)]), "key")
    keys = ",".join([parent, child, note, image])
    assert len(zapi.user("GET", f"items?itemKey={keys}").json()) == 4
    version = zapi.get_object("items", parent)["version"]
    assert (
        zapi.user("DELETE", f"items/{parent}", If_Unmodified_Since_Version=str(version)).status_code
        == 204
    )
    assert zapi.user("GET", f"items?itemKey={keys}").json() == []


def test_invalid_keys_in_item_key_are_ignored(zapi: ZoteroAPI) -> None:
    data = zapi.create_item("book", fmt="data")
    got = zapi.user("GET", f"items?itemKey={data['key']},0aB1cDeF,tZ37uYyQ").json()
    assert [o["key"] for o in got] == [data["key"]]
    delete = zapi.user(
        "DELETE",
        f"items?itemKey={data['key']},0aB1cDeF,tZ37uYyQ,8ECE13BC",
        If_Unmodified_Since_Version=str(data["version"]),
    )
    assert delete.status_code == 204
    assert zapi.user("GET", f"items?itemKey={data['key']}").json() == []


def test_last_read(zapi: ZoteroAPI) -> None:
    json = zapi.create_attachment("imported_file", {"lastRead": 1674668111}, fmt="data")
    assert json["lastRead"] == 1674668111
    for cleared in ("", None, False):
        json = zapi.create_attachment("imported_file", {"lastRead": 1674668111}, fmt="data")
        patch = zapi.user(
            "PATCH",
            f"items/{json['key']}",
            {"lastRead": cleared},
            If_Unmodified_Since_Version=str(json["version"]),
        )
        assert patch.status_code == 204
        assert "lastRead" not in zapi.get_object("items", json["key"])["data"]
    bad = zapi.user(
        "PATCH",
        f"items/{json['key']}",
        {"lastRead": "not a number"},
        If_Unmodified_Since_Version=str(zapi.get_object("items", json["key"])["version"]),
    )
    assert bad.status_code == 400
    book = zapi.create_item("book", fmt="data")
    patch = zapi.user(
        "PATCH",
        f"items/{book['key']}",
        {"lastRead": 1674668111},
        If_Unmodified_Since_Version=str(book["version"]),
    )
    assert patch.status_code == 400
    parent = zapi.create_item("book", fmt="key", library="group")
    group = zapi.create_attachment("imported_file", {}, parent, "data", library="group")
    group["lastRead"] = 1674668111
    assert zapi.post("items", [group], library="group").json()["failed"]["0"]["code"] == 400


def test_emoji_title_in_pretty_json(zapi: ZoteroAPI) -> None:
    key = zapi.create_item("book", {"title": "\U0001f436"}, "key")
    assert '"title": "\U0001f436"' in zapi.user("GET", f"items/{key}").text
    assert '"title": "\U0001f436"' in zapi.user("GET", "items").text
