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
``lastRead`` on user-library attachments, emoji in titles (pretty-printed JSON). Then what a
run of dataserver's own item tests against the sandbox found: annotation and attachment
templates, a version sent as digits, ``itemType`` negation and annotations, the annotation
parent refusal, a child PATCHed into a collection without its parent, the user library's
display name, the last editor kept on relation changes, the creator kept when an item is
made again under its key, and the desktop client's unchanged ``dateModified``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from zotmark.sandbox import Sandbox

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


# --- found by running dataserver's own item tests against the sandbox (see the README) ----


def test_annotation_templates_by_type(zapi: ZoteroAPI) -> None:
    """``/items/new?itemType=annotation`` needs an ``annotationType`` and gives that type's
    empty annotation, as ``API.createAnnotationItem`` starts from (dataserver ``newItem``)."""
    highlight = zapi.template("annotation", annotation_type="highlight")
    assert list(highlight) == [
        "itemType", "parentItem", "annotationType", "annotationText", "annotationComment",
        "annotationColor", "annotationPageLabel", "annotationSortIndex", "annotationPosition",
        "tags",
    ]  # fmt: skip
    assert highlight["annotationPosition"] == {"pageIndex": 0, "rects": []}
    assert "annotationText" not in zapi.template("annotation", annotation_type="note")
    ink = zapi.template("annotation", annotation_type="ink")["annotationPosition"]
    assert ink == {"pageIndex": 0, "paths": [], "width": 2}
    image = zapi.template("annotation", annotation_type="image")["annotationPosition"]
    assert image == {"pageIndex": 0, "rects": [], "width": 0, "height": 0}
    missing = zapi.get("/items/new?itemType=annotation")
    assert (missing.status_code, missing.text) == (
        400,
        "annotationType required for itemType=annotation",
    )
    assert zapi.get("/items/new?itemType=annotation&annotationType=x").status_code == 400
    assert zapi.get("/itemTypeFields?itemType=annotation").status_code == 400


def test_attachment_templates_by_link_mode(zapi: ZoteroAPI) -> None:
    """Only links to URLs have a ``url``; stored files have ``filename``, ``md5`` and
    ``mtime``; an embedded image has a parent and no title, tags or collections."""
    assert "url" in zapi.template("attachment", "linked_url")
    stored = zapi.template("attachment", "imported_file")
    assert "url" not in stored
    assert (stored["filename"], stored["md5"], stored["mtime"]) == ("", None, None)
    assert zapi.template("attachment", "linked_file")["path"] == ""
    assert list(zapi.template("attachment", "embedded_image")) == [
        "itemType", "linkMode", "parentItem", "contentType", "filename", "md5", "mtime",
    ]  # fmt: skip
    bad = zapi.get("/items/new?itemType=attachment&linkMode=nope")
    assert (bad.status_code, bad.text) == (400, "Invalid linkMode 'nope'")


def test_a_version_sent_as_digits_is_a_version(zapi: ZoteroAPI) -> None:
    """``"version": "3"`` (the ``Last-Modified-Version`` header's text sent back, as the item
    tests' ``patch`` does) is taken as 3: the title is cleared."""
    data = zapi.create_item("book", {"title": "Test"}, fmt="data")
    report = zapi.post(
        "items", [{"key": data["key"], "version": str(data["version"]), "title": ""}]
    )
    assert report.json()["success"] == {"0": data["key"]}
    assert zapi.get_object("items", data["key"])["data"]["title"] == ""
    bad = zapi.post("items", [{"key": data["key"], "version": "v1", "title": "x"}]).json()
    assert bad["failed"]["0"]["message"] == "'version' must be an integer"


def _annotation(zapi: ZoteroAPI, kind: str, parent: str) -> dict[str, Any]:
    """An annotation of ``kind`` under attachment ``parent`` made as ``API.createAnnotationItem``
    makes one: its ``data``."""
    json = zapi.template("annotation", annotation_type=kind)
    json.update(
        parentItem=parent,
        annotationColor="#ff8c19",
        annotationSortIndex="00015|002431|00000",
        annotationPosition='{"pageIndex": 123, "rects": [[314.4, 412.8, 556.2, 609.6]]}',
    )
    if kind == "highlight":
        json["annotationText"] = "This is highlighted text."
    data: dict[str, Any] = zapi.created("items", zapi.post("items", [json]), "data")
    return data


def test_item_type_negation_never_lists_annotations(zapi: ZoteroAPI) -> None:
    book = zapi.create_item("book", fmt="key")
    pdf = zapi.create_attachment(
        "imported_url", {"contentType": "application/pdf"}, parent=book, fmt="key"
    )
    annotation = _annotation(zapi, "note", pdf)["key"]
    for negated in ("-journalArticle", "-book"):
        keys = zapi.user("GET", f"items?format=keys&itemType={negated}").text.split()
        assert annotation not in keys and pdf in keys
    assert annotation in zapi.user("GET", "items?format=keys&itemType=annotation").text.split()


def test_an_annotation_moved_under_a_regular_item_is_refused_naming_its_type(
    zapi: ZoteroAPI,
) -> None:
    book = zapi.create_item("book", fmt="key")
    pdf = zapi.create_attachment("imported_url", {"contentType": "application/pdf"}, fmt="key")
    data = _annotation(zapi, "highlight", pdf)
    moved = zapi.user(
        "PATCH", f"items/{data['key']}", {"version": data["version"], "parentItem": book}
    )
    assert moved.status_code == 400
    assert "Parent item of highlight annotation must be a PDF attachment" in moved.text


def test_a_child_patched_into_a_collection_without_its_parent_becomes_top_level(
    zapi: ZoteroAPI,
) -> None:
    """A child attachment's JSON sent back without ``parentItem`` and with a collection
    (PATCH): the item leaves its parent for the collection (204); naming the parent is 400."""
    collection = zapi.create_collection("Test", fmt="key")
    parent = zapi.create_item("book", {"title": "Test"}, fmt="key")
    child = zapi.create_attachment("linked_url", parent=parent, fmt="data")
    named = dict(child, collections=[collection])
    refused = zapi.user("PATCH", f"items/{child['key']}", named)
    assert (refused.status_code, refused.text) == (
        400,
        "Child items cannot be assigned to collections",
    )
    del named["parentItem"]
    assert zapi.user("PATCH", f"items/{child['key']}", named).status_code == 204
    got = zapi.get_object("items", child["key"])["data"]
    assert "parentItem" not in got and got["collections"] == [collection]


def test_a_user_library_is_named_by_its_display_name(zapi: ZoteroAPI) -> None:
    """``library.name`` is the user's display name; the web link stays at the username."""
    made = zapi.http.post(
        "/_sandbox/users", json={"username": "phpunit", "displayName": "Real Name"}
    )
    user = made.json()["id"]
    key = "displaynamekey0000000000"
    access = {"user": {"library": True, "write": True}}
    assert zapi.http.put(
        f"/_sandbox/keys/{key}", json={"userID": user, "access": access}
    ).is_success
    client = ZoteroAPI(zapi.sandbox, key=key)
    client.user_id = user
    try:
        library = client.create_item("book", fmt="json")["library"]
        assert library["name"] == "Real Name"
        assert library["links"]["alternate"]["href"].endswith("/phpunit")
    finally:
        client.close()


def test_a_relations_change_keeps_the_last_editor(zapi: ZoteroAPI) -> None:
    """``lastModifiedByUser`` follows field edits, not collection or relation changes."""
    second, group = zapi.second_member()
    try:
        made = zapi.group_items(group, [zapi.template("book")])["0"]
        edited = second.group_items(
            group, [{"key": made["key"], "version": made["version"], "title": "T"}]
        )["0"]
        editor = edited["meta"]["lastModifiedByUser"]
        assert editor["id"] == second.user_id
        relation = f"http://zotero.org/groups/{group}/items/AAAAAAAA"
        related = zapi.group_items(
            group,
            [{"key": made["key"], "version": edited["version"],
              "relations": {"dc:relation": relation}}],
        )["0"]  # fmt: skip
        assert related["meta"]["lastModifiedByUser"] == editor
    finally:
        second.close()


def test_an_item_made_again_under_its_key_keeps_its_creator(zapi: ZoteroAPI) -> None:
    """A group item deleted, then uploaded again by another member under the same key:
    ``createdByUser`` is still the first creator."""
    second, group = zapi.second_member()
    try:
        made = zapi.group_items(group, [zapi.template("book")])["0"]
        gone = zapi.request(
            "DELETE",
            f"/groups/{group}/items/{made['key']}",
            headers={"If-Unmodified-Since-Version": str(made["version"])},
        )
        assert gone.status_code == 204
        again = second.group_items(group, [dict(made["data"], version=0)])["0"]
        assert again["meta"]["createdByUser"]["id"] == zapi.user_id
    finally:
        second.close()


@pytest.mark.parametrize(
    ("agent", "kept"),
    [("Firefox", True), ("Mozilla/5.0 Zotero/7.0 Firefox/115.0", True), ("", False)],
)
def test_an_unchanged_date_modified_sent_back_is_kept_for_the_desktop_client(
    zapi: ZoteroAPI, sandbox: Sandbox, agent: str, kept: bool
) -> None:
    """dataserver's "tmp zotero client hack": a write from the desktop client (its
    User-Agent names Firefox) that sends the item's ``dateModified`` back unchanged keeps it;
    any other client's write gets the time of the write."""
    sandbox.state.store.clock = lambda: datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    data = zapi.create_item("book", fmt="data")
    sandbox.state.store.clock = lambda: datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    data["title"] = "A"
    headers = {"User-Agent": agent} if agent else {}
    response = zapi.request("POST", f"/users/{zapi.user_id}/items", [data], headers)
    written = response.json()["successful"]["0"]["data"]["dateModified"]
    assert (written == data["dateModified"]) is kept
