"""Versions and preconditions, ported from dataserver's ``tests/remote/tests/3/version.test.js``.

Covered, for collections, items and searches: single-object ``Last-Modified-Version`` (object =
library after one write), PUT without a version (428), stale (412), with the header and with the
JSON property (204, version moves); multi-object POST with the library header; 304 for
``If-Modified-Since-Version`` on collections, items, searches, settings and tags; ``since`` and
``newer`` with ``format=versions``; an unchanged upload reported ``unchanged``; tags ``since``;
no ``Last-Modified-Version`` on a 400 but the object's on a 412; PATCH of missing objects (428
without a version, 404 with one > 0, created with 0 by header or property), existing objects
with version 0 or an old version (412), a POST with library header 0 to a non-empty library (412),
several objects with and without versions, and settings POSTed with an outdated version (412).
"""

from __future__ import annotations

import pytest

from .ds_api import PLURAL, ZoteroAPI

KINDS = ("collection", "item", "search")
FIELD = {"collection": "name", "item": "title", "search": "name"}


@pytest.mark.parametrize("kind", KINDS)
def test_single_object_last_modified_version(zapi: ZoteroAPI, kind: str) -> None:
    plural = PLURAL[kind]
    key = zapi.create_object(kind, fmt="key")
    response = zapi.user("GET", f"{plural}/{key}")
    version = int(response.headers["Last-Modified-Version"])
    json = response.json()
    assert json["version"] == json["data"]["version"] == version
    library = zapi.user("GET", f"{plural}?limit=1")
    assert int(library.headers["Last-Modified-Version"]) == version
    data = json["data"]
    data[FIELD[kind]] = "New Name"
    del data["version"]
    assert zapi.user("PUT", f"{plural}/{key}", data).status_code == 428
    stale = zapi.user("PUT", f"{plural}/{key}", data, If_Unmodified_Since_Version=str(version - 1))
    assert stale.status_code == 412
    ok = zapi.user("PUT", f"{plural}/{key}", data, If_Unmodified_Since_Version=str(version))
    assert ok.status_code == 204
    newer = int(ok.headers["Last-Modified-Version"])
    assert newer > version
    data[FIELD[kind]] = "Newer Name"
    data["version"] = newer
    again = zapi.user("PUT", f"{plural}/{key}", data)
    assert again.status_code == 204
    assert int(again.headers["Last-Modified-Version"]) > newer
    library = zapi.user("GET", f"{plural}?limit=1")
    assert library.headers["Last-Modified-Version"] == again.headers["Last-Modified-Version"]


@pytest.mark.parametrize("kind", KINDS)
def test_multi_object_last_modified_version(zapi: ZoteroAPI, kind: str) -> None:
    version = zapi.user("GET", f"{PLURAL[kind]}?limit=1").headers["Last-Modified-Version"]
    response = zapi.user(
        "POST", PLURAL[kind], [zapi.unsaved(kind)], If_Unmodified_Since_Version=version
    )
    assert response.status_code == 200
    assert int(response.headers["Last-Modified-Version"]) > int(version)


@pytest.mark.parametrize("kind", ["collection", "item", "search", "setting", "tag"])
def test_multi_object_304(zapi: ZoteroAPI, kind: str) -> None:
    if kind == "setting":
        zapi.user(
            "POST",
            "settings",
            {"tagColors": {"value": [{"name": "A", "color": "#990000"}], "version": 0}},
        )
        plural = "settings"
    elif kind == "tag":
        zapi.create_item("book", {"tags": [{"tag": "test"}]})
        plural = "tags"
    else:
        zapi.create_object(kind)
        plural = PLURAL[kind]
    version = zapi.user("GET", plural).headers["Last-Modified-Version"]
    assert zapi.user("GET", plural, If_Modified_Since_Version=version).status_code == 304


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("param", ["since", "newer"])
def test_since_and_versions_format(zapi: ZoteroAPI, kind: str, param: str) -> None:
    plural = PLURAL[kind]
    keys = [zapi.create_object(kind, fmt="key") for _ in range(3)]
    assert len(zapi.user("GET", f"{plural}?format=versions").json()) == 3
    first = zapi.user("GET", f"{plural}/{keys[0]}").headers["Last-Modified-Version"]
    versions = zapi.user("GET", f"{plural}?{param}={first}&format=versions").json()
    assert set(versions) == set(keys[1:])


@pytest.mark.parametrize("kind", KINDS)
def test_upload_unmodified(zapi: ZoteroAPI, kind: str) -> None:
    key = zapi.create_object(kind, fmt="key")
    json = zapi.get_object(PLURAL[kind], key)
    assert zapi.post(PLURAL[kind], [json]).json()["unchanged"] == {"0": key}


@pytest.mark.parametrize("param", ["since", "newer"])
def test_tags_since(zapi: ZoteroAPI, param: str) -> None:
    zapi.create_item("book", {"tags": [{"tag": "foo"}]})
    version = zapi.library_version()
    zapi.create_item("book", {"tags": [{"tag": "bar"}]})
    assert [t["tag"] for t in zapi.user("GET", f"tags?{param}={version}").json()] == ["bar"]


def test_no_library_version_for_400_but_for_412(zapi: ZoteroAPI) -> None:
    json = zapi.create_item("book", fmt="json")
    mismatch = zapi.user(
        "PUT", f"items/{json['key']}", json, If_Unmodified_Since_Version=str(json["version"] - 1)
    )
    assert mismatch.status_code == 400
    assert "Last-Modified-Version" not in mismatch.headers
    json["data"]["version"] -= 1
    stale = zapi.user(
        "PUT",
        f"items/{json['key']}",
        json["data"],
        If_Unmodified_Since_Version=str(json["version"] - 1),
    )
    assert (stale.status_code, stale.headers["Last-Modified-Version"]) == (
        412,
        str(json["version"]),
    )


def test_patch_missing_object_rules(zapi: ZoteroAPI) -> None:
    failed = zapi.post("items", [{"key": "AAAAAAAA", "itemType": "book"}]).json()["failed"]["0"]
    assert failed["code"] == 428
    failed = zapi.post("items", [{"key": "AAAAAAAA", "version": 5, "itemType": "book"}]).json()
    assert failed["failed"]["0"] == {
        "code": 404,
        "message": "Item doesn't exist (expected version 5; use 0 instead)",
    }
    created = zapi.post("items", [{"key": "AAAAAAAA", "version": 0, "itemType": "book"}])
    assert created.json()["success"] == {"0": "AAAAAAAA"}
    both = zapi.post(
        "items",
        [
            {"key": "BBBBBBBB", "version": 0, "itemType": "book"},
            {"key": "CCCCCCCC", "version": 5, "itemType": "book"},
        ],
    ).json()
    assert set(both["successful"]) == {"0"} and set(both["failed"]) == {"1"}


@pytest.mark.parametrize("kind", KINDS)
def test_patch_missing_and_existing_objects_by_header(zapi: ZoteroAPI, kind: str) -> None:
    plural = PLURAL[kind]
    json = zapi.unsaved(kind)
    missing = zapi.user("PATCH", f"{plural}/TPMBJWVH", json, If_Unmodified_Since_Version="123")
    assert missing.status_code == 404
    created = zapi.user("PATCH", f"{plural}/TPMBWVZH", json, If_Unmodified_Since_Version="0")
    assert created.status_code == 204
    key = zapi.create_object(kind, fmt="key")
    for version in ("0", "1"):
        stale = zapi.user("PATCH", f"{plural}/{key}", json, If_Unmodified_Since_Version=version)
        assert stale.status_code == 412


def test_existing_objects_with_version_0_or_old_fail(zapi: ZoteroAPI) -> None:
    first = zapi.create_item("book", fmt="data")
    second = zapi.create_item("book", fmt="data")
    report = zapi.post("items", [dict(first, version=0), dict(second, version=0, title="T")]).json()
    assert set(report["failed"]) == {"0", "1"}
    assert {f["code"] for f in report["failed"].values()} == {412}
    old = zapi.post("items", [dict(second, version=second["version"] - 1, title="T")]).json()
    assert old["failed"]["0"]["code"] == 412


def test_post_to_a_non_empty_library_with_version_0(zapi: ZoteroAPI) -> None:
    zapi.create_item("book")
    response = zapi.user("POST", "items", [{"itemType": "book"}], If_Unmodified_Since_Version="0")
    assert response.status_code == 412


def test_objects_without_version_need_the_library_header(zapi: ZoteroAPI) -> None:
    first = zapi.create_item("book", fmt="data")
    second = zapi.create_item("book", fmt="data")
    version = max(first["version"], second["version"])
    for obj in (first, second):
        del obj["version"]
    first["title"], second["title"] = "Test 1", "Test 2"
    without = zapi.post("items", [first, second]).json()
    assert without["failed"]["0"]["code"] == 428
    ok = zapi.user("POST", "items", [first, second], If_Unmodified_Since_Version=str(version))
    assert set(ok.json()["successful"]) == {"0", "1"}


def test_settings_post_with_an_outdated_version(zapi: ZoteroAPI) -> None:
    body = {"tagColors": {"value": [{"name": "A", "color": "#990000"}], "version": 0}}
    assert zapi.user("POST", "settings", body).status_code == 204
    body["tagColors"]["value"] = [{"name": "B", "color": "#CC9933"}]
    assert zapi.user("POST", "settings", body).status_code == 412
