"""What the recordings of zotmark on a genuine Zotero server showed, one fact per test.

Each fact was a difference between the sandbox and the real server in the recordings under
``tests/fixtures/recordings/zotmark-on-dataserver/`` (session and probe named in the test);
``test_recorded_sessions.py`` replays the whole sessions, these pin the rules on their own.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from zotmark.sandbox import Sandbox


def _post(api: httpx2.Client, path: str, *objects: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=list(objects))
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def test_field_length_counts_utf8_bytes(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A 30,000-character CJK title is 90,000 bytes: 413, named by item (session 3, s10x)."""
    report = _post(
        api,
        "/items",
        {"key": "DVAUHHXA", "version": 0, "itemType": "webpage", "title": "日" * 30_000},
    )
    failed = report["failed"]["0"]
    assert failed["code"] == 413
    assert failed["message"] == (
        f"Title field value '{'日' * 50}…' too long for item '{sandbox.user_id}/DVAUHHXA'"
    )
    assert failed["data"] == {"field": "Title", "value": "日" * 50 + "…"}
    assert _post(api, "/items", {"itemType": "webpage", "title": "日" * 21_845})["successful"]


def test_413_names_the_key_the_server_gave_a_keyless_item(api: httpx2.Client) -> None:
    """An object sent without a key is named by the key the server chose (session 3,
    probe:extra70k: ``... too long for item '3/WS2JHGU6'``) and is not created."""
    report = _post(api, "/items", {"itemType": "webpage", "extra": "e" * 70_000})
    message = report["failed"]["0"]["message"]
    assert message.startswith("Extra field value 'eeee") and " too long for item '1/" in message
    assert api.get("/items", params={"format": "keys"}).text.strip() == ""


def test_failed_entries_carry_no_key(api: httpx2.Client, sandbox: Sandbox) -> None:
    """Even for an object sent with a key, ``failed`` has only code and message (session 3,
    probe:recreate-v0)."""
    key = sandbox.add_items([{"itemType": "preprint", "title": "Probe item"}])[0]
    report = _post(api, "/items", {"itemType": "preprint", "key": key, "version": 0})
    assert report["failed"]["0"] == {
        "code": 412,
        "message": "Item has been modified since specified version (expected 0, found 1)",
    }


def test_keyed_write_without_version_has_the_multi_object_wording(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """428 in ``failed`` says ``'version'`` and ``'key'`` in quotes (session 3,
    probe:recreate-nover); the single-object 428 keeps its own text (probe:put-nover)."""
    key = sandbox.add_items([{"itemType": "preprint", "title": "Probe item"}])[0]
    report = _post(api, "/items", {"itemType": "preprint", "key": key})
    assert report["failed"]["0"]["message"] == (
        "Either If-Unmodified-Since-Version or 'version' property must be provided for "
        "'key'-based writes"
    )
    single = api.put(f"/items/{key}", json={"itemType": "preprint", "title": "x"})
    assert (single.status_code, single.text) == (
        428,
        "Either If-Unmodified-Since-Version or object version property must be provided for "
        "key-based writes",
    )


def test_collection_name_over_255_characters_is_413(api: httpx2.Client) -> None:
    """A 300-character collection name fails with 413 and no version moves (session 3,
    s10x-init-longcoll); 255 characters of CJK (765 bytes) are fine."""
    name = "C" * 300
    response = api.post("/collections", json=[{"name": name, "parentCollection": False}])
    assert response.headers["Last-Modified-Version"] == "0"
    assert response.json()["failed"]["0"] == {
        "code": 413,
        "message": f"Collection name '{'C' * 50}…' too long",
        "data": {"value": "C" * 50 + "…"},
    }
    assert _post(api, "/collections", {"name": "日" * 255})["successful"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2013-03-03T21:33:53Z", "2013-03-03T21:33:53Z"),
        ("2013-03-03 21:33:53", "2013-03-03T21:33:53Z"),
        ("2013-03-03T17:33:53-0400", "2013-03-03T21:33:53Z"),
        ("2013-03-03T23:33:53+02:00", "2013-03-03T21:33:53Z"),
    ],
)
def test_date_added_is_stored_in_utc(api: httpx2.Client, sent: str, stored: str) -> None:
    """SQL or ISO 8601 with a zone; an offset is converted (dataserver item tests)."""
    report = _post(api, "/items", {"itemType": "videoRecording", "dateAdded": sent})
    assert report["successful"]["0"]["data"]["dateAdded"] == stored


@pytest.mark.parametrize("sent", ["2020-01-01", "2020-01-01T10:00:00", "yesterday"])
def test_date_added_needs_a_date_time(api: httpx2.Client, sent: str) -> None:
    """A date alone (or no zone) is refused per object (session 3, probe:dateadded)."""
    report = _post(api, "/items", {"itemType": "webpage", "title": "x", "dateAdded": sent})
    assert report["failed"]["0"] == {
        "code": 400,
        "message": f"'dateAdded' must be in ISO 8601 or UTC 'YYYY-MM-DD hh:mm:ss' format ({sent})",
    }


def test_access_date_current_timestamp_is_the_write_time(api: httpx2.Client) -> None:
    """``CURRENT_TIMESTAMP`` is stored as the time of the write (session 3, probe:accessdate2)."""
    report = _post(api, "/items", {"itemType": "webpage", "accessDate": "CURRENT_TIMESTAMP"})
    data = report["successful"]["0"]["data"]
    assert data["accessDate"] == data["dateAdded"]


def test_library_version_412_has_no_version_header(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A multi-object POST or DELETE with a stale library version: 412 and no
    ``Last-Modified-Version`` (sessions 2 and 3); a single DELETE's 412 names the object's."""
    keys = sandbox.add_items([{"itemType": "webpage", "title": t} for t in ("d1", "d2")])
    post = api.post(
        "/items", json=[{"itemType": "webpage"}], headers={"If-Unmodified-Since-Version": "1"}
    )
    delete = api.delete(
        "/items", params={"itemKey": ",".join(keys)}, headers={"If-Unmodified-Since-Version": "1"}
    )
    for response in (post, delete):
        assert response.status_code == 412
        assert (
            response.text
            == "Library has been modified since specified version (expected 1, found 2)"
        )
        assert "Last-Modified-Version" not in response.headers
    single = api.delete(f"/items/{keys[1]}", headers={"If-Unmodified-Since-Version": "1"})
    assert (single.status_code, single.headers["Last-Modified-Version"]) == (412, "2")


def test_writing_unchanged_tags_is_a_change(api: httpx2.Client, sandbox: Sandbox) -> None:
    """The same tag set sent again moves the versions and ``dateModified`` and is reported in
    ``successful`` (session 2, probe-noop-patch/-post/-fulltags); an unchanged title is
    ``unchanged`` and still takes a version (probe-noop-title)."""
    sandbox.state.store.clock = lambda: _at("2026-12-04T21:55:09")
    key = sandbox.add_items([{"itemType": "preprint", "title": "T", "tags": [{"tag": "read"}]}])[0]
    sandbox.state.store.clock = lambda: _at("2026-12-04T21:55:38")
    patch = api.patch(
        f"/items/{key}",
        json={"tags": [{"tag": "read"}]},
        headers={"If-Unmodified-Since-Version": "1"},
    )
    assert (patch.status_code, patch.headers["Last-Modified-Version"]) == (204, "2")
    report = _post(api, "/items", {"key": key, "version": 2, "tags": [{"tag": "read", "type": 0}]})
    assert report["successful"]["0"]["version"] == 3
    assert report["successful"]["0"]["data"]["dateModified"] == "2026-12-04T21:55:38Z"
    title = api.post("/items", json=[{"key": key, "version": 3, "title": "T"}])
    assert title.json()["unchanged"] == {"0": key}
    assert title.headers["Last-Modified-Version"] == "4"


def test_empty_tags_on_a_tagless_item_change_nothing(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``tags: []`` for an item without tags is no change (``Item::setTags``); a PUT of the
    item's own JSON leaves its version alone (dataserver item tests)."""
    key = sandbox.add_items([{"itemType": "book", "title": "T"}])[0]
    data = api.get(f"/items/{key}").json()["data"]
    response = api.put(f"/items/{key}", json=data)
    assert (response.status_code, response.headers["Last-Modified-Version"]) == (204, "1")
    assert api.get(f"/items/{key}").json()["version"] == 1


def test_trashing_sets_date_modified(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``PATCH {"deleted": 1}`` gives the item a new ``dateModified`` (session 3, probe:trash)."""
    sandbox.state.store.clock = lambda: _at("2026-12-04T21:57:28")
    key = sandbox.add_items([{"itemType": "preprint", "title": "changed"}])[0]
    sandbox.state.store.clock = lambda: _at("2026-12-04T21:57:29")
    api.patch(f"/items/{key}", json={"deleted": 1}, headers={"If-Unmodified-Since-Version": "1"})
    data = api.get(f"/items/{key}").json()["data"]
    assert (data["deleted"], data["dateModified"]) == (1, "2026-12-04T21:57:29Z")


def test_error_texts_are_not_html_escaped(api: httpx2.Client) -> None:
    """``'since' parameter must be provided``: 34 bytes on the wire (session 3,
    probe:deleted-nosince)."""
    response = api.get("/deleted")
    assert (response.status_code, response.content) == (400, b"'since' parameter must be provided")


def test_failed_messages_escape_like_ent_compat(api: httpx2.Client) -> None:
    """Messages in ``failed`` go through ``htmlspecialchars(..., ENT_COMPAT)``: ``&<>"`` are
    escaped, single quotes are not (dataserver ``Zotero_Results``)."""
    report = _post(api, "/items", {"itemType": "book", 'ti"t<l>e&': "x"})
    assert report["failed"]["0"]["message"] == "Invalid property 'ti&quot;t&lt;l&gt;e&amp;'"


def test_control_characters_are_dropped(api: httpx2.Client) -> None:
    """``a\\u0001b`` is stored as ``ab`` (session 3, probe:ctrl); tab and newline stay."""
    report = _post(api, "/items", {"itemType": "webpage", "title": "a\u0001b", "extra": "c\td\ne"})
    data = report["successful"]["0"]["data"]
    assert (data["title"], data["extra"]) == ("ab", "c\td\ne")


def test_deleted_lists_keys_in_key_order(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``/deleted`` lists keys in key order, whatever the order of deletion (session 3,
    probe:deleted)."""
    keys = sandbox.add_items(
        [{"itemType": "webpage", "key": k, "version": 0} for k in ("MGU629UC", "8KQ2BWAD")]
    )
    api.delete(
        "/items", params={"itemKey": ",".join(keys)}, headers={"If-Unmodified-Since-Version": "2"}
    )
    assert api.get("/deleted", params={"since": "0"}).json()["items"] == ["8KQ2BWAD", "MGU629UC"]


def _at(text: str) -> Any:
    from datetime import UTC, datetime

    return datetime.fromisoformat(text).replace(tzinfo=UTC)
