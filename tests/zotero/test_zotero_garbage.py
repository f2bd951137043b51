"""ZoteroClient against a server that answers garbage: one ProtocolError, never a traceback.

Each call is made against an ``httpx2.MockTransport`` that answers every request with the
same garbage; the error must name the server and the request, quote what came back, and
never show the API key (the garbage echoes it).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from zotmark.errors import ProtocolError
from zotmark.zotero.client import ZoteroClient

from .fakes import FakeTime

BASE = "http://zotero.test"
KEY = "SecretKey0123456789abcdef"
NEW_ITEM = {"key": "ABCD2345", "version": 0, "itemType": "book", "title": "t"}
PATCH = {"key": "ABCD2345", "version": 3, "title": "t"}
ITEM = {"key": "ABCD2345", "version": 3, "data": {"key": "ABCD2345", "itemType": "book"}}

Call = Callable[[ZoteroClient], object]
READS: dict[str, Call] = {
    "key_info": lambda c: c.key_info(),
    "check_library_version": lambda c: c.check_library_version(1),
    "item_versions": lambda c: c.item_versions(0),
    "deleted_since": lambda c: c.deleted_since(1),
    "fetch_items": lambda c: c.fetch_items(["ABCD2345"]),
    "collection_item_keys": lambda c: c.collection_item_keys("ABCD2345"),
    "items_page": lambda c: c.items_page(0),
    "collections": lambda c: c.collections(),
}
WRITES: dict[str, Call] = {
    "create_items": lambda c: c.create_items([NEW_ITEM]),
    "update_items": lambda c: c.update_items([PATCH]),
}
JSON_CALLS = {**READS, **WRITES}
VERSIONED: dict[str, Call] = {
    "check_library_version": READS["check_library_version"],
    "item_versions": READS["item_versions"],
    "create_items": WRITES["create_items"],
    "delete_items": lambda c: c.delete_items(["ABCD2345"], 5),
}
WRONG_SHAPES: list[tuple[str, object, str]] = [
    ("key_info", [], "a list where the API key's description (an object) was expected"),
    ("key_info", {"key": "x"}, "'userID' that is null where a number was expected"),
    ("key_info", {"userID": 1, "access": {"groups": []}}, "a list where an 'access.groups'"),
    ("check_library_version", ["ABCD2345"], "a list where an object of item versions"),
    ("item_versions", {"ABCD2345": "3"}, "version a string for ABCD2345, not a number"),
    ("deleted_since", {"items": "ABCD2345"}, "'items' that is a string, not a list of item keys"),
    ("fetch_items", {"ABCD2345": ITEM}, "an object where a list of objects was expected"),
    ("fetch_items", [{"key": "ABCD2345"}], "object ABCD2345 without a 'version' number"),
    ("collection_item_keys", ["ABCD2345"], "a list where an object of item versions"),
    ("items_page", [ITEM, None], "null where a Zotero object was expected"),
    ("collections", [ITEM], "collection ABCD2345 without a name"),
    ("create_items", {"successful": [ITEM]}, "a list where a 'successful' object was expected"),
    ("create_items", {"failed": {}}, "a write report that says nothing of object 0 of 1"),
    ("create_items", {"failed": {"0": {"code": "x"}}}, "a failure code that is a string"),
    ("create_items", {"successful": {"0": {"key": "ABCD2345"}}}, "without a 'version' number"),
    ("update_items", {"unchanged": {"7": "ABCD2345"}}, "'unchanged' entry “7” for none of the 1"),
]
VALID: dict[str, object] = {
    "key_info": {"userID": 1, "access": {}},
    "check_library_version": {"ABCD2345": 3},
    "item_versions": {"ABCD2345": 3},
    "create_items": {"successful": {"0": ITEM}, "success": {"0": "ABCD2345"}},
    "delete_items": None,
}


def _client(answer: Callable[[httpx2.Request], httpx2.Response]) -> ZoteroClient:
    time = FakeTime()
    transport = httpx2.MockTransport(answer)
    return ZoteroClient(
        "user", 1, KEY, BASE, sleep=time.sleep, clock=time.clock, transport=transport
    )


def _garbage(
    body: bytes, content_type: str = "application/json", status: int = 200, **headers: str
) -> Callable[[httpx2.Request], httpx2.Response]:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            status, content=body, headers={"Content-Type": content_type, **headers}
        )

    return answer


def _protocol_error(call: Call, answer: Callable[[httpx2.Request], httpx2.Response]) -> str:
    """The message of the ProtocolError ``call`` raises against ``answer``."""
    with _client(answer) as client, pytest.raises(ProtocolError) as caught:
        call(client)
    message = str(caught.value)
    assert KEY not in message and KEY not in repr(caught.value)
    assert f"The server at {BASE} did not answer as a Zotero API does" in message
    assert "Check base_url in your configuration" in message
    return message


@pytest.mark.parametrize("name", JSON_CALLS)
def test_a_web_page_instead_of_json_is_a_protocol_error_quoting_it(name: str) -> None:
    page = f"<!DOCTYPE html><html><body>Welcome! your key: {KEY}</body></html>".encode()
    message = _protocol_error(JSON_CALLS[name], _garbage(page, "text/html"))
    assert "answered 200 with text/html “<!DOCTYPE html><html><body>Welcome!" in message
    assert "an HTML page where JSON was expected" in message


@pytest.mark.parametrize("name", JSON_CALLS)
def test_an_empty_body_is_a_protocol_error(name: str) -> None:
    message = _protocol_error(JSON_CALLS[name], _garbage(b""))
    assert "application/json and an empty body" in message


@pytest.mark.parametrize("name", JSON_CALLS)
def test_null_is_a_protocol_error(name: str) -> None:
    message = _protocol_error(JSON_CALLS[name], _garbage(b"null"))
    assert "“null” (null where" in message


@pytest.mark.parametrize("name", JSON_CALLS)
def test_json_that_breaks_off_is_a_protocol_error(name: str) -> None:
    message = _protocol_error(JSON_CALLS[name], _garbage(b'{"successful": {"0": {"key": "AB'))
    assert "JSON that breaks off before its end" in message


@pytest.mark.parametrize(("name", "body", "problem"), WRONG_SHAPES)
def test_json_of_the_wrong_shape_is_a_protocol_error_saying_what_is_wrong(
    name: str, body: object, problem: str
) -> None:
    answer = _garbage(httpx2.Response(200, json=body).content)
    assert problem in _protocol_error(JSON_CALLS[name], answer)


def _valid(name: str, **headers: str) -> Callable[[httpx2.Request], httpx2.Response]:
    """The valid answer to ``name``'s request, with ``headers``."""
    body = VALID[name]
    if body is None:
        return lambda request: httpx2.Response(204, headers=headers)
    return lambda request: httpx2.Response(200, json=body, headers=headers)


@pytest.mark.parametrize("name", VERSIONED)
def test_a_library_version_that_is_no_number_is_a_protocol_error(name: str) -> None:
    message = _protocol_error(VERSIONED[name], _valid(name, **{"Last-Modified-Version": "abc"}))
    assert "Last-Modified-Version “abc”, which is not a version number" in message


@pytest.mark.parametrize("name", VERSIONED)
def test_a_missing_library_version_is_a_protocol_error(name: str) -> None:
    assert "no Last-Modified-Version header" in _protocol_error(VERSIONED[name], _valid(name))


def test_a_valid_answer_with_its_version_passes(fake_time: FakeTime) -> None:
    """(The answers above differ from a good one only where the test says.)"""
    with _client(_valid("create_items", **{"Last-Modified-Version": "4"})) as client:
        assert client.create_items([NEW_ITEM]).versions == {"ABCD2345": 3}


@pytest.mark.parametrize(
    ("status", "call"),
    [(404, READS["key_info"]), (404, READS["collections"]), (401, READS["item_versions"])],
    ids=["404-key", "404-library", "401-library"],
)
def test_a_web_servers_error_page_says_the_server_is_no_zotero_api(status: int, call: Call) -> None:
    page = b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
    with (
        _client(_garbage(page, "text/html", status)) as client,
        pytest.raises(ProtocolError) as caught,
    ):
        call(client)
    message = str(caught.value)
    assert f"The server at {BASE} does not look like a Zotero API" in message
    assert f"answered {status} with a web page “<html><head><title>404 Not Found" in message
    assert "does not exist" not in message and "not valid" not in message


def test_a_json_error_document_says_the_server_is_no_zotero_api() -> None:
    answer = _garbage(b'{"detail": "Not Found"}', "application/json", 404)
    with _client(answer) as client, pytest.raises(ProtocolError, match="a JSON document"):
        client.key_info()


def test_a_success_where_a_delete_expects_no_content_is_a_protocol_error() -> None:
    message = _protocol_error(VERSIONED["delete_items"], _garbage(b"<html>OK</html>", "text/html"))
    assert "DELETE /users/1/items answered 200" in message
