"""Behaviour shared by collections, items and searches, ported from dataserver's
``tests/remote/tests/3/object.test.js``.

Covered: multi-object GET by ``<type>Key`` (HEAD's ``Total-Results``, a trailing comma), create by
PUT with version 0, single and multi-object DELETE, trash state set and cleared through POST
(``deleted`` is 1 for items and ``true`` for the others) and kept when not sent, an empty
``format=versions``, write reports for POST, partial failures (a too-long name or title is 413 in
``failed``, the rest written or ``unchanged``), and an invalid upload (not an array, not objects).
"""

from __future__ import annotations

import pytest

from .ds_api import PLURAL, ZoteroAPI

KINDS = ("collection", "item", "search")
TOO_LONG = "1234567890" * 6554


@pytest.mark.parametrize("kind", KINDS)
def test_multi_object_get(zapi: ZoteroAPI, kind: str) -> None:
    keys = [zapi.create_object(kind, fmt="key") for _ in range(3)][:2]
    plural, param = PLURAL[kind], f"{kind}Key"
    head = zapi.user("HEAD", f"{plural}?{param}={','.join(keys)}")
    assert (head.status_code, head.headers["Total-Results"]) == (200, "2")
    assert len(zapi.user("GET", f"{plural}?{param}={','.join(keys)}").json()) == 2
    assert len(zapi.user("GET", f"{plural}?{param}={','.join(keys)},").json()) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_create_by_put(zapi: ZoteroAPI, kind: str) -> None:
    response = zapi.user(
        "PUT", f"{PLURAL[kind]}/ABCD2345", zapi.unsaved(kind), If_Unmodified_Since_Version="0"
    )
    assert response.status_code == 204
    assert zapi.get_object(PLURAL[kind], "ABCD2345")["version"] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_single_and_multi_object_delete(zapi: ZoteroAPI, kind: str) -> None:
    plural = PLURAL[kind]
    key = zapi.create_object(kind, fmt="key")
    version = zapi.user("GET", f"{plural}/{key}").headers["Last-Modified-Version"]
    assert (
        zapi.user("DELETE", f"{plural}/{key}", If_Unmodified_Since_Version=version).status_code
        == 204
    )
    keys = [zapi.create_object(kind, fmt="key") for _ in range(2)]
    versions = zapi.user("GET", f"{plural}?format=versions").json()
    response = zapi.user(
        "DELETE",
        f"{plural}?{kind}Key={','.join(keys)}",
        If_Unmodified_Since_Version=str(max(versions.values())),
    )
    assert response.status_code == 204
    assert zapi.user("GET", f"{plural}?format=keys").text.strip() == ""
    deleted = zapi.user("GET", "deleted?since=0").json()[plural]
    assert deleted == sorted([key, *keys])


@pytest.mark.parametrize("kind", KINDS)
def test_trash_state_through_post(zapi: ZoteroAPI, kind: str) -> None:
    trashed = 1 if kind == "item" else True
    json = zapi.create_object(kind)
    report = zapi.post(
        PLURAL[kind], [{"key": json["key"], "version": json["version"], "deleted": True}]
    ).json()
    assert (
        report["successful"]["0"]["data"]["deleted"] is trashed
        or report["successful"]["0"]["data"]["deleted"] == trashed
    )
    data = report["successful"]["0"]["data"]
    title = {"item": "title"}.get(kind, "name")
    kept = zapi.post(
        PLURAL[kind], [{"key": data["key"], "version": data["version"], title: "New"}]
    ).json()
    assert kept["successful"]["0"]["data"]["deleted"] == trashed
    data = kept["successful"]["0"]["data"]
    cleared = zapi.post(
        PLURAL[kind], [{"key": data["key"], "version": data["version"], "deleted": False}]
    ).json()
    assert "deleted" not in cleared["successful"]["0"]["data"]


def test_item_trash_flag_is_an_integer_and_others_booleans(zapi: ZoteroAPI) -> None:
    assert zapi.create_object("item", {"deleted": True})["data"]["deleted"] == 1
    collection = zapi.create_object("collection", {"deleted": True})["data"]["deleted"]
    assert collection is True
    assert zapi.create_object("search", {"deleted": True})["data"]["deleted"] is True


def test_empty_versions_response(zapi: ZoteroAPI) -> None:
    assert zapi.user("GET", "items?format=versions&since=0").json() == {}


@pytest.mark.parametrize("kind", KINDS)
def test_partial_write_failure(zapi: ZoteroAPI, kind: str) -> None:
    plural = PLURAL[kind]
    if kind == "item":
        objects = [zapi.template("book") for _ in range(3)]
        objects[1]["title"] = TOO_LONG
    else:
        base = zapi.unsaved(kind)
        objects = [dict(base), dict(base, name=TOO_LONG), dict(base)]
    report = zapi.post(plural, objects).json()
    assert set(report["successful"]) == {"0", "2"}
    assert report["failed"]["1"]["code"] == 413


@pytest.mark.parametrize("kind", KINDS)
def test_partial_write_failure_with_unchanged(zapi: ZoteroAPI, kind: str) -> None:
    existing = zapi.create_object(kind, fmt="data")
    second = zapi.unsaved(kind)
    second["title" if kind == "item" else "name"] = TOO_LONG
    report = zapi.post(PLURAL[kind], [existing, second, zapi.unsaved(kind)]).json()
    assert set(report["unchanged"]) == {"0"}
    assert report["failed"]["1"]["code"] == 413
    assert set(report["successful"]) == {"2"}


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_multi_object_upload(zapi: ZoteroAPI, kind: str) -> None:
    plural = PLURAL[kind]
    response = zapi.user("POST", plural, {"foo": "bar"})
    assert (response.status_code, response.text) == (400, "Uploaded data must be a JSON array")
    failed = zapi.user("POST", plural, [[], ""]).json()["failed"]
    for slot in ("0", "1"):
        assert failed[slot]["message"] == (
            f"Invalid value for index {slot} in uploaded data; expected JSON {kind} object"
        )


def test_invalid_library_ids(zapi: ZoteroAPI) -> None:
    """The server casts a library id to a number, and 0 is no library (``ApiController``)."""
    for path, message in (
        ("/users/foo/items", "Invalid user ID"),
        ("/users/0/items", "Invalid user ID"),
        ("/groups/foo/items", "Invalid group ID"),
        ("/users/foo", "Invalid user ID"),
    ):
        response = zapi.request("GET", path)
        assert (response.status_code, response.text) == (400, message), path
