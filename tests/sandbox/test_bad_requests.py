"""Bad requests get the real server's answers (status, plain-text message, headers)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from zotmark.sandbox import Sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    """A plain HTTP client on the server's root (not the user library, as conftest's
    ``api``), with the read/write key."""
    headers = {"Zotero-API-Key": sandbox.api_key, "Zotero-API-Version": "3"}
    with httpx2.Client(base_url=sandbox.url, headers=headers, trust_env=False) as client:
        yield client


def _items(sandbox: Sandbox) -> str:
    return f"/users/{sandbox.user_id}/items"


def test_malformed_json_is_400(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A body that is not JSON: 400 ``JSON Error: Syntax error, malformed JSON``."""
    response = api.post(
        _items(sandbox), content=b"[{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.text == "JSON Error: Syntax error, malformed JSON"


def test_json_object_instead_of_array_is_400(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A multi-object POST needs an array."""
    response = api.post(_items(sandbox), json={"itemType": "book"})
    assert (response.status_code, response.text) == (400, "Uploaded data must be a JSON array")


def test_unknown_item_type_fails_that_object_with_the_real_message(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """An unknown itemType is a per-object 400 in ``failed``; the request is still 200."""
    response = api.post(_items(sandbox), json=[{"itemType": "notARealType", "title": "x"}])
    assert response.status_code == 200
    failed = response.json()["failed"]["0"]
    assert failed == {"code": 400, "message": "'notARealType' is not a valid itemType"}


def test_unknown_field_fails_that_object(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A property no item type has: ``Invalid property 'notAField'``."""
    response = api.post(_items(sandbox), json=[{"itemType": "book", "notAField": "x"}])
    assert response.json()["failed"]["0"]["message"] == "Invalid property 'notAField'"


def test_field_of_another_type_fails_that_object(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A real field not valid for the type (a preprint has ``repository``, not ``publisher``)."""
    response = api.post(_items(sandbox), json=[{"itemType": "preprint", "publisher": "arXiv"}])
    assert response.json()["failed"]["0"]["message"] == (
        "'publisher' is not a valid field for type 'preprint'"
    )


def test_missing_collection_is_409_with_data(api: httpx2.Client, sandbox: Sandbox) -> None:
    """An item in a collection that does not exist: per-object 409 naming the collection."""
    body = [{"itemType": "book", "title": "x", "collections": ["ABCD2345"]}]
    failed = api.post(_items(sandbox), json=body).json()["failed"]["0"]
    assert failed == {
        "code": 409,
        "message": "Collection ABCD2345 not found",
        "data": {"collection": "ABCD2345"},
    }


def test_missing_collection_in_a_patch_is_a_409_response(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """A single-object write with a missing collection answers 409 itself."""
    key = sandbox.add_items([{"itemType": "book", "title": "x"}])[0]
    response = api.patch(
        f"{_items(sandbox)}/{key}",
        json={"collections": ["ABCD2345"]},
        headers={"If-Unmodified-Since-Version": "1"},
    )
    assert (response.status_code, response.text) == (409, "Collection ABCD2345 not found")


def test_stale_library_version_is_412_without_a_version_header(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """A multi-object write with an old ``If-Unmodified-Since-Version``: 412, and unlike an
    object's 412 no ``Last-Modified-Version`` (sessions 2 and 3 of zotmark-on-dataserver)."""
    sandbox.add_items([{"itemType": "book", "title": "x"}, {"itemType": "book", "title": "y"}])
    response = api.post(
        _items(sandbox),
        json=[{"itemType": "book", "title": "z"}],
        headers={"If-Unmodified-Since-Version": "1"},
    )
    assert response.status_code == 412
    assert (
        response.text == "Library has been modified since specified version (expected 1, found 2)"
    )
    assert "Last-Modified-Version" not in response.headers


def test_no_key_reading_a_user_library_is_403_forbidden(sandbox: Sandbox) -> None:
    """Anonymous reads of a private library: 403 ``Forbidden``."""
    response = httpx2.get(f"{sandbox.url}{_items(sandbox)}", trust_env=False)
    assert (response.status_code, response.text) == (403, "Forbidden")


def test_no_key_writing_is_403_key_required(sandbox: Sandbox) -> None:
    """Anonymous writes: 403 ``An API key is required for write requests.``"""
    response = httpx2.post(f"{sandbox.url}{_items(sandbox)}", json=[], trust_env=False)
    assert response.status_code == 403
    assert response.text == "An API key is required for write requests."


def test_wrong_key_is_403_invalid_key_without_version_headers(sandbox: Sandbox) -> None:
    """An unknown key: 403 ``Invalid key``, sent before the API version headers (REC #46)."""
    response = httpx2.get(
        f"{sandbox.url}{_items(sandbox)}", headers={"Zotero-API-Key": "nope"}, trust_env=False
    )
    assert (response.status_code, response.text) == (403, "Invalid key")
    assert "Zotero-API-Version" not in response.headers


def test_readonly_key_writing_is_403_write_access_denied(sandbox: Sandbox) -> None:
    """The read-only key reads fine but every write is 403 ``Write access denied``."""
    headers = {"Authorization": f"Bearer {sandbox.readonly_key}"}
    url = f"{sandbox.url}{_items(sandbox)}"
    assert httpx2.get(url, headers=headers, trust_env=False).status_code == 200
    response = httpx2.post(url, json=[{"itemType": "book"}], headers=headers, trust_env=False)
    assert (response.status_code, response.text) == (403, "Write access denied")


def test_another_users_library_is_403_forbidden(api: httpx2.Client) -> None:
    """A library the key has no access to: 403 ``Forbidden`` (REC #47)."""
    response = api.get("/users/999/items")
    assert (response.status_code, response.text) == (403, "Forbidden")


def test_key_in_query_and_header_must_agree(sandbox: Sandbox) -> None:
    """``?key=`` differing from ``Zotero-API-Key``: 400."""
    response = httpx2.get(
        f"{sandbox.url}{_items(sandbox)}",
        params={"key": sandbox.readonly_key},
        headers={"Zotero-API-Key": sandbox.api_key},
        trust_env=False,
    )
    assert response.status_code == 400


def test_key_as_query_parameter_is_accepted(sandbox: Sandbox) -> None:
    """``?key=`` alone authenticates."""
    response = httpx2.get(
        f"{sandbox.url}{_items(sandbox)}", params={"key": sandbox.api_key}, trust_env=False
    )
    assert response.status_code == 200


def test_malformed_bearer_header_is_400(sandbox: Sandbox) -> None:
    """``Authorization: Bearer`` with a non-alphanumeric value: 400."""
    response = httpx2.get(
        f"{sandbox.url}{_items(sandbox)}", headers={"Authorization": "Bearer a-b"}, trust_env=False
    )
    assert (response.status_code, response.text) == (400, "Invalid Authorization header format")


def test_more_than_50_objects_is_413(api: httpx2.Client, sandbox: Sandbox) -> None:
    """51 objects in one POST: 413 ``Cannot add more than 50 items at a time``."""
    response = api.post(_items(sandbox), json=[{"itemType": "book"}] * 51)
    assert (response.status_code, response.text) == (413, "Cannot add more than 50 items at a time")
    assert sandbox.items() == {}


def test_limit_above_100_is_clamped_to_100(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``limit=500`` returns 100 objects and links pages of 100 (the server clamps)."""
    sandbox.add_items([{"itemType": "book", "title": f"b{i}"} for i in range(120)])
    response = api.get(_items(sandbox), params={"limit": "500"})
    assert len(response.json()) == 100
    assert response.headers["Total-Results"] == "120"
    assert 'limit=100&start=100>; rel="next"' in response.headers["Link"]


def test_invalid_format_is_400(api: httpx2.Client, sandbox: Sandbox) -> None:
    """An unknown ``format``: 400 ``Invalid 'format' value 'x'``, quotes as they are (the real
    server's ``'since' parameter must be provided`` is 34 bytes on the wire, session 3)."""
    response = api.get(_items(sandbox), params={"format": "x"})
    assert (response.status_code, response.text) == (400, "Invalid 'format' value 'x'")


def test_deleted_without_since_is_400(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``/deleted`` needs ``since``."""
    response = api.get(f"/users/{sandbox.user_id}/deleted")
    assert response.status_code == 400


def test_put_without_any_version_is_428(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A single-object write without header or JSON version: 428 (REC #48)."""
    key = sandbox.add_items([{"itemType": "book", "title": "x"}])[0]
    response = api.put(f"{_items(sandbox)}/{key}", json={"itemType": "book", "title": "y"})
    assert response.status_code == 428


def test_delete_without_version_is_428(api: httpx2.Client, sandbox: Sandbox) -> None:
    """DELETE of one item without ``If-Unmodified-Since-Version``: 428."""
    key = sandbox.add_items([{"itemType": "book", "title": "x"}])[0]
    assert api.delete(f"{_items(sandbox)}/{key}").status_code == 428


def test_header_and_json_version_must_agree(api: httpx2.Client, sandbox: Sandbox) -> None:
    """PATCH with a header version different from the JSON ``version``: 400."""
    key = sandbox.add_items([{"itemType": "book", "title": "x"}])[0]
    response = api.patch(
        f"{_items(sandbox)}/{key}",
        json={"version": 1, "title": "y"},
        headers={"If-Unmodified-Since-Version": "2"},
    )
    assert response.status_code == 400


def test_patch_to_a_missing_item_without_version_is_404(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """PATCH to an unknown key without version 0: 404 explaining how to create."""
    response = api.patch(f"{_items(sandbox)}/ABCD2345", json={"title": "x"})
    assert response.status_code == 404
    assert response.text.startswith("Item not found (to create, use If-Unmodified-Since-Version: 0")


def test_unknown_item_is_404_item_does_not_exist(api: httpx2.Client, sandbox: Sandbox) -> None:
    """GET of a key that does not exist: 404 ``Item does not exist`` (REC #36)."""
    response = api.get(f"{_items(sandbox)}/ABCD2345")
    assert (response.status_code, response.text) == (404, "Item does not exist")


def test_overlong_tag_fails_413_with_the_tag(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A tag over 255 characters: per-object 413 with ``data.tag``."""
    body = [{"itemType": "book", "tags": [{"tag": "x" * 256}]}]
    failed = api.post(_items(sandbox), json=body).json()["failed"]["0"]
    assert (failed["code"], failed["data"]) == (413, {"tag": "x" * 256})


def test_overlong_field_fails_413(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A field value over 65,535 characters: per-object 413 naming the field."""
    body = [{"itemType": "book", "title": "t" * 65536}]
    failed = api.post(_items(sandbox), json=body).json()["failed"]["0"]
    assert (failed["code"], failed["data"]["field"]) == (413, "Title")


@pytest.mark.parametrize("path", ["deleted", "items"])
def test_a_since_that_is_not_ascii_digits_is_400(
    api: httpx2.Client, sandbox: Sandbox, path: str
) -> None:
    """``since=1²`` (a digit to ``str.isdigit``, not to ``int``): 400, not a server error."""
    response = api.get(f"/users/{sandbox.user_id}/{path}", params={"since": "1²"})
    assert (response.status_code, response.text) == (400, "Invalid value for 'since' parameter")
