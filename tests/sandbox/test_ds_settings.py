"""Settings, ported from dataserver's ``tests/remote/tests/3/settings.test.js`` (and the item
test that deletes an attachment's reading position with it).

Covered: a single PUT needs a version (428), 0 for a new setting (412 otherwise), then GET one
and all; several settings in one POST share one new library version (``tagColors``,
``feeds``, ``lastPageIndex_u_…``/``_g…``, ``lastRead_g…``), also in a group; an unchanged POST
keeps the library version; a changed one moves it; delete (404 after, 404 for a missing one);
``since``; names the server does not allow, also in a multi-setting body; values over 30,000
characters; the types by name (``attachmentRenameTemplate`` a string, arrays not empty,
``lastRead`` an integer); ``lastPageIndex`` as integer, zero, string or a percentage with one
decimal (0 to 100), never in a group library; integers beyond 64 bits kept; emoji; an
attachment's ``lastPageIndex_u_<key>`` goes with it.
"""

from __future__ import annotations

import json

import pytest

from .ds_api import ZoteroAPI

COLORS = [{"name": "_READ", "color": "#990000"}]
FEEDS = {
    "http://www.nytimes.com/services/xml/rss/nyt/HomePage.xml": {
        "url": "http://www.nytimes.com/services/xml/rss/nyt/HomePage.xml",
        "name": "NYT > Home Page",
        "cleanupAfter": 2,
        "refreshInterval": 60,
    }
}


def test_add_user_setting(zapi: ZoteroAPI) -> None:
    version = zapi.library_version()
    missing = zapi.user("PUT", "settings/tagColors", {"value": COLORS})
    assert missing.status_code == 428
    assert missing.text == (
        "Either If-Unmodified-Since-Version or object version property must be provided"
        " for key-based writes"
    )
    stale = zapi.user(
        "PUT", "settings/tagColors", {"value": COLORS}, If_Unmodified_Since_Version="1"
    )
    assert (stale.status_code, stale.text) == (
        412,
        "Setting has been modified since specified version (expected 1, found 0)",
    )
    created = zapi.user(
        "PUT", "settings/tagColors", {"value": COLORS}, If_Unmodified_Since_Version="0"
    )
    assert (created.status_code, created.headers["Last-Modified-Version"]) == (
        204,
        str(version + 1),
    )
    listed = zapi.user("GET", "settings")
    assert listed.headers["Content-Type"] == "application/json"
    assert listed.json()["tagColors"] == {"value": COLORS, "version": version + 1}
    assert zapi.user("GET", "settings/tagColors").json() == {
        "value": COLORS,
        "version": version + 1,
    }


@pytest.mark.parametrize("library", ["user", "group"])
def test_add_settings_in_one_post(zapi: ZoteroAPI, library: str) -> None:
    body: dict[str, dict[str, object]] = {"tagColors": {"value": COLORS}}
    if library == "user":
        body |= {
            "feeds": {"value": FEEDS},
            "lastPageIndex_u_ABCD2345": {"value": 123},
            "lastPageIndex_g1234567890_ABCD2345": {"value": 123},
            "lastRead_g1234567890_ABCD2345": {"value": 1674251397},
        }
    send = zapi.user if library == "user" else zapi.group
    version = zapi.library_version(library) + 1
    response = send("POST", "settings", body)
    assert (response.status_code, response.headers["Last-Modified-Version"]) == (204, str(version))
    listed = send("GET", "settings").json()
    assert listed == {
        name: {"value": entry["value"], "version": version} for name, entry in body.items()
    }
    for name, entry in body.items():
        assert send("GET", f"settings/{name}").json() == {
            "value": entry["value"],
            "version": version,
        }


def test_update_user_settings(zapi: ZoteroAPI) -> None:
    version = zapi.library_version() + 1
    assert zapi.user("PUT", "settings/tagColors", {"value": COLORS, "version": 0}).headers[
        "Last-Modified-Version"
    ] == str(version)
    same = zapi.user(
        "POST",
        "settings",
        {"tagColors": {"value": COLORS}},
        If_Unmodified_Since_Version=str(version),
    )
    assert (same.status_code, same.headers["Last-Modified-Version"]) == (204, str(version))
    assert zapi.user("GET", "settings").json()["tagColors"]["version"] == version
    changed = [{"name": "_READ", "color": "#CC9933"}]
    moved = zapi.user(
        "POST",
        "settings",
        {"tagColors": {"value": changed}},
        If_Unmodified_Since_Version=str(version),
    )
    assert (moved.status_code, moved.headers["Last-Modified-Version"]) == (204, str(version + 1))
    assert zapi.user("GET", "settings").json()["tagColors"] == {
        "value": changed,
        "version": version + 1,
    }


def test_delete_settings_and_since(zapi: ZoteroAPI) -> None:
    first = zapi.library_version()
    second = int(
        zapi.user("POST", "settings", {"tagColors": {"value": COLORS}}).headers[
            "Last-Modified-Version"
        ]
    )
    third = int(
        zapi.user("POST", "settings", {"feeds": {"value": FEEDS}}).headers["Last-Modified-Version"]
    )
    assert [
        len(zapi.user("GET", f"settings?since={v}").json()) for v in (first, second, third)
    ] == [2, 1, 0]
    assert (
        zapi.user(
            "DELETE", "settings/tagColors", If_Unmodified_Since_Version=str(second)
        ).status_code
        == 204
    )
    assert zapi.user("GET", "settings/tagColors").status_code == 404
    assert zapi.library_version() == third + 1
    assert (
        zapi.user(
            "DELETE", "settings/nonexistentSetting", If_Unmodified_Since_Version="0"
        ).status_code
        == 404
    )


def test_unsupported_and_overlong_settings(zapi: ZoteroAPI) -> None:
    version = zapi.library_version()
    alone = zapi.user("PUT", "settings/unsupportedSetting", {"value": True, "version": 0})
    assert (alone.status_code, alone.text) == (400, "Invalid setting 'unsupportedSetting'")
    body = {
        "tagColors": {"value": {"name": "_READ", "color": "#990000"}, "version": 0},
        "unsupportedSetting": {"value": False, "version": 0},
    }
    several = zapi.user("PUT", "settings/unsupportedSetting", body)
    assert (several.status_code, several.text) == (400, "Invalid setting 'unsupportedSetting'")
    assert zapi.user("GET", "settings/unsupportedSetting").status_code == 404
    assert zapi.library_version() == version
    long = zapi.user(
        "PUT",
        "settings/tagColors",
        {"value": [{"name": "abcdefghij" * 3001, "color": "#990000"}], "version": 0},
    )
    assert (long.status_code, long.text) == (400, "'value' cannot be longer than 30000 characters")
    emoji = zapi.user(
        "PUT", "settings/tagColors", {"value": [{"name": "🐶", "color": "#990000"}], "version": 0}
    )
    assert emoji.status_code == 204


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("attachmentRenameTemplate", '{{ firstCreator suffix=" - " }}{{ year }}', None),
        ("attachmentRenameTemplate", 1, "'value' must be a string"),
        ("autoRenameFilesFileTypes", ["application/pdf"], None),
        ("autoRenameFilesFileTypes", [], "'value' array cannot be empty"),
        ("feeds", [], "'value' must be an object"),
        ("lastRead_g1_ABCD2345", "1674251397", "'value' must be an integer"),
        ("lastPageIndex_u_ABCD2345", 0, None),
        ("lastPageIndex_u_ABCD2345", 12, None),
        ("lastPageIndex_u_ABCD2345", 12.2, None),
        ("lastPageIndex_u_ABCD2345", "epubcfi(/6/4)", None),
        ("lastPageIndex_u_ABCD2345", -1.2, "Decimal value must be between 0 and 100"),
        ("lastPageIndex_u_ABCD2345", 100.1, "Decimal value must be between 0 and 100"),
        ("lastPageIndex_u_ABCD2345", 12.23, "Decimal value must be to one decimal place"),
        ("lastPageIndex_u_ABCD2345", True, "'value' must be an integer, string, or decimal"),
    ],
)
def test_setting_values(zapi: ZoteroAPI, name: str, value: object, message: str | None) -> None:
    response = zapi.user("POST", "settings", {name: {"value": value}})
    if message is None:
        assert response.status_code == 204, response.text
        assert zapi.user("GET", f"settings/{name}").json()["value"] == value
    else:
        assert (response.status_code, response.text) == (400, message)


def test_massive_integers_are_kept(zapi: ZoteroAPI) -> None:
    values = ["9223372036854775807", "9223372036854776000"]
    raw = (
        f'{{"lastPageIndex_u_ABCD2345":{{"value":{values[0]}}},'
        f'"lastPageIndex_u_BCDE3456":{{"value":{values[1]}}}}}'
    )
    assert zapi.user("POST", "settings", raw).status_code == 204
    for key, value in zip(("ABCD2345", "BCDE3456"), values, strict=True):
        assert value in zapi.user("GET", f"settings/lastPageIndex_u_{key}").text


def test_last_page_index_only_in_user_libraries(zapi: ZoteroAPI) -> None:
    name = f"lastPageIndex_g{zapi.group_id}_ABCD2345"
    refused = zapi.group("PUT", f"settings/{name}", {"value": 1234, "version": 0})
    assert (refused.status_code, refused.text) == (
        400,
        "lastPageIndex can only be set in user library",
    )


def test_deleting_an_attachment_deletes_its_page_index(zapi: ZoteroAPI) -> None:
    attachment = zapi.create_attachment(
        "imported_file", {"contentType": "application/pdf"}, fmt="json"
    )
    name = f"lastPageIndex_u_{attachment['key']}"
    assert zapi.user("PUT", f"settings/{name}", {"value": 123, "version": 0}).status_code == 204
    deleted = zapi.user(
        "DELETE",
        f"items/{attachment['key']}",
        If_Unmodified_Since_Version=str(attachment["version"]),
    )
    assert deleted.status_code == 204
    assert zapi.user("GET", f"settings/{name}").status_code == 404
    log = zapi.user("GET", "deleted?since=0").json()
    assert (log["items"], log["settings"]) == ([attachment["key"]], [])
    assert json.loads(zapi.user("GET", "settings").text) == {}


def test_a_setting_version_sent_as_digits_is_a_version(zapi: ZoteroAPI) -> None:
    """``"version": "0"`` for a new setting is version 0, as for objects (one version check
    for objects and settings)."""
    new = zapi.user("PUT", "settings/tagColors", {"value": COLORS, "version": "0"})
    assert new.status_code == 204, new.text
