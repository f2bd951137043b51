"""ZoteroClient against the sandbox: every method, batching, idempotent writes, back-off, errors."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from zotmark.core.identifiers import identify
from zotmark.core.model import ITEM_KEY_ALPHABET, Entry
from zotmark.core.port import Change
from zotmark.errors import AuthError, NetworkError, NotFoundError, PreconditionFailed, ZoteroError
from zotmark.sandbox import Sandbox
from zotmark.zotero.client import RetryPolicy, ZoteroClient
from zotmark.zotero.mapping import item_from_json, item_patch, new_item_data

from .fakes import FakeTime

_SERIAL = itertools.count()


def _fresh_key() -> str:
    """A new, never repeated, well-formed object key."""
    number, digits = next(_SERIAL), []
    for _ in range(8):
        number, digit = divmod(number, len(ITEM_KEY_ALPHABET))
        digits.append(ITEM_KEY_ALPHABET[digit])
    return "".join(reversed(digits))


def _new_items(collection: str, count: int) -> list[dict[str, Any]]:
    """``count`` new item JSONs with fresh client keys, in ``collection``."""
    items = []
    for n in range(count):
        url = f"https://arxiv.org/abs/2105.{n:05d}"
        entry = Entry(line=n + 1, title=f"Paper {n}", url=url, ident=identify(f"Paper {n}", url))
        key = _fresh_key()
        items.append(new_item_data(entry, key=key, collection=collection, tags=()))
    return items


def _client(sandbox: Sandbox, fake_time: FakeTime, key: str, **kwargs: Any) -> ZoteroClient:
    return ZoteroClient(
        "user",
        sandbox.user_id,
        key,
        sandbox.url,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        **kwargs,
    )


def _fresh_stats(sandbox: Sandbox) -> None:
    """Empty the sandbox's request log once it has logged everything sent so far.

    The sandbox logs a request just after answering it, so a request of the previous test
    can land late; a marker request, waited for, flushes those out first (bounded wait)."""
    marker = f"/users/{sandbox.user_id}/items/MARK2222"
    headers = {"Zotero-API-Key": sandbox.api_key}
    with httpx2.Client(trust_env=False) as http:
        http.get(sandbox.url + marker, headers=headers)
    _wait(lambda: any(e["path"] == marker for e in sandbox.stats()["log"]))
    sandbox.reset_stats()


def _served(sandbox: Sandbox, count: int) -> list[tuple[str, int]]:
    """(method, status) of the requests logged since :func:`_fresh_stats`, once ``count``
    are in (bounded wait)."""
    _wait(lambda: sandbox.request_count >= count)
    return [(entry["method"], entry["status"]) for entry in sandbox.stats()["log"]]


def _wait(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.002)


# --- the key and the library version ------------------------------------------------------------


def test_key_info_reads_the_user_and_fills_in_the_library_id(
    sandbox: Sandbox, fake_time: FakeTime
) -> None:
    client = ZoteroClient("user", "", sandbox.api_key, sandbox.url, sleep=fake_time.sleep)
    info = client.key_info()
    assert (info.user_id, info.can_read, info.can_write) == (sandbox.user_id, True, True)
    assert client.library_id == str(sandbox.user_id)
    assert info.groups[str(sandbox.group_id)].write


def test_key_info_of_the_read_only_key_has_no_write(sandbox: Sandbox, fake_time: FakeTime) -> None:
    info = _client(sandbox, fake_time, sandbox.readonly_key).key_info()
    assert (info.can_read, info.can_write) == (True, False)


def test_unchanged_library_costs_one_304(client: ZoteroClient, sandbox: Sandbox) -> None:
    sandbox.add_items([{"itemType": "book", "title": "x"}])
    version = sandbox.library_version()
    _fresh_stats(sandbox)
    assert client.check_library_version(version) is None
    assert _served(sandbox, 1) == [("GET", 304)]


def test_changed_library_version_also_answers_item_versions(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    [old] = sandbox.add_items([{"itemType": "book", "title": "old"}])
    known = sandbox.library_version()
    [new] = sandbox.add_items([{"itemType": "book", "title": "new"}])
    assert client.check_library_version(known) == sandbox.library_version()
    before = client.requests
    versions = client.item_versions(known)
    assert client.requests == before
    assert set(versions.versions) == {new} != {old}


def test_item_versions_include_trashed_items_unless_asked_not_to(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    [kept, trashed] = sandbox.add_items(
        [{"itemType": "book", "title": "a"}, {"itemType": "book", "title": "b"}]
    )
    sandbox.update_item(trashed, {"deleted": 1})
    assert set(client.item_versions(0).versions) == {kept, trashed}
    assert set(client.item_versions(0, include_trashed=False).versions) == {kept}
    assert client.item_versions(0).library_version == sandbox.library_version()


def test_item_versions_are_not_limited_to_100(client: ZoteroClient, sandbox: Sandbox) -> None:
    sandbox.add_items([{"itemType": "book", "title": f"b{n}"} for n in range(130)])
    before = client.requests
    assert len(client.item_versions(0).versions) == 130
    assert client.requests == before + 1


def test_deleted_since_lists_items_deleted_for_good(client: ZoteroClient, sandbox: Sandbox) -> None:
    [gone, _] = sandbox.add_items(
        [{"itemType": "book", "title": "a"}, {"itemType": "book", "title": "b"}]
    )
    known = sandbox.library_version()
    sandbox.delete_item(gone)
    assert client.deleted_since(known).items == [gone]
    assert client.deleted_since(sandbox.library_version()).items == []


def test_deleted_since_lists_collections_deleted_for_good(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    gone = sandbox.add_collection("doomed")
    known = sandbox.library_version()
    sandbox.delete_collection(gone)
    assert client.deleted_since(known) == ([], [gone])


# --- reads --------------------------------------------------------------------------------------


def test_fetch_items_reads_up_to_50_keys_in_one_request_trash_included(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    keys = sandbox.add_items([{"itemType": "book", "title": f"b{n}"} for n in range(49)])
    sandbox.update_item(keys[0], {"deleted": 1})
    before = client.requests
    found = client.fetch_items([*keys, "ZZZZ2222"])
    assert {obj["key"] for obj in found} == set(keys)
    assert client.requests - before == 1


def test_a_request_naming_more_than_50_objects_is_refused_unsent(client: ZoteroClient) -> None:
    with pytest.raises(ValueError, match="at most 50"):
        client.fetch_items([f"K{n:07d}" for n in range(51)])


def test_collection_item_keys_are_the_members(client: ZoteroClient, sandbox: Sandbox) -> None:
    collection = sandbox.add_collection("Reading List")
    [member, _outsider] = sandbox.add_items(
        [{"itemType": "book", "collections": [collection]}, {"itemType": "book"}]
    )
    assert client.collection_item_keys(collection) == {member}


def test_collection_item_keys_of_unknown_collection_is_not_found(client: ZoteroClient) -> None:
    with pytest.raises(NotFoundError, match="ABCD2345"):
        client.collection_item_keys("ABCD2345")


def test_items_pages_list_the_library_oldest_first_with_trash_one_request_each(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    keys = sandbox.add_items([{"itemType": "book", "title": f"b{n}"} for n in range(130)])
    sandbox.update_item(keys[5], {"deleted": 1})
    before = client.requests
    first = client.items_page(0)
    second = client.items_page(100)
    assert client.requests - before == 2
    assert (len(first.objects), first.library_version) == (100, sandbox.library_version())
    assert (first.total, second.total) == (130, 130)
    assert {obj["key"] for obj in first.objects + second.objects} == set(keys)


# --- collections --------------------------------------------------------------------------------


def test_collections_leave_out_trashed_ones(client: ZoteroClient, sandbox: Sandbox) -> None:
    kept = sandbox.add_collection("Kept")
    sandbox.add_collection("Trashed", deleted=True)
    assert [(c.key, c.name) for c in client.collections()] == [(kept, "Kept")]


def test_find_or_create_collection_creates_once_by_name(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    key = client.find_or_create_collection("Reading List")
    assert client.find_or_create_collection("Reading List") == key
    assert [c["name"] for c in sandbox.collections().values()] == ["Reading List"]


def test_find_or_create_collection_accepts_an_existing_key(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    key = sandbox.add_collection("Lab list")
    assert client.find_or_create_collection(key) == key


def test_unknown_collection_key_is_not_found_and_names_it(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    with pytest.raises(NotFoundError, match="ABCD2345"):
        client.find_or_create_collection("ABCD2345")
    assert sandbox.collections() == {}


# --- creates ------------------------------------------------------------------------------------


def test_50_creates_take_one_post_with_per_object_versions(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    collection = sandbox.add_collection("Reading List")
    items = _new_items(collection, 50)
    _fresh_stats(sandbox)
    report = client.create_items(items)
    assert _served(sandbox, 1) == [("POST", 200)]
    assert report.ok
    assert set(report.versions) == {item["key"] for item in items}
    assert len(set(report.versions.values())) == 50
    assert report.library_version == sandbox.library_version()
    stored = sandbox.items()
    assert all(stored[key]["version"] == version for key, version in report.versions.items())


def test_created_item_maps_back_to_its_entry(client: ZoteroClient, sandbox: Sandbox) -> None:
    collection = sandbox.add_collection("Reading List")
    [item] = _new_items(collection, 1)
    report = client.create_items([item])
    created = item_from_json(report.objects[item["key"]])
    assert created.ident.arxiv == "2105.00000"
    assert created.collections == {collection}


def test_a_lost_create_response_creates_no_duplicate(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    collection = sandbox.add_collection("Reading List")
    items = _new_items(collection, 3)
    sandbox.add_faults("drop,method=POST,path=/items")
    report = client.create_items(items)
    assert report.ok
    assert report.already_existed == {item["key"] for item in items}
    assert len(sandbox.items()) == 3
    assert report.versions == {key: data["version"] for key, data in sandbox.items().items()}


def test_a_repeated_create_counts_as_created(client: ZoteroClient, sandbox: Sandbox) -> None:
    collection = sandbox.add_collection("Reading List")
    items = _new_items(collection, 2)
    first = client.create_items(items)
    again = client.create_items(items)
    assert again.ok
    assert again.versions == first.versions
    assert len(sandbox.items()) == 2


def test_an_invalid_object_fails_as_a_value(client: ZoteroClient, sandbox: Sandbox) -> None:
    bad = {"key": "BADD2222", "version": 0, "itemType": "preprint", "publisher": "x"}
    [good] = _new_items(sandbox.add_collection("L"), 1)
    report = client.create_items([bad, good])
    assert set(report.failed) == {"BADD2222"}
    assert report.failed["BADD2222"].code == 400
    assert set(report.versions) == {good["key"]}


def test_create_needs_client_keys_and_version_zero(client: ZoteroClient) -> None:
    with pytest.raises(ValueError, match="version"):
        client.create_items([{"itemType": "book", "title": "no key"}])


# --- updates and deletes ------------------------------------------------------------------------


def test_update_items_patches_tags_and_returns_new_versions(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    [key] = sandbox.add_items([{"itemType": "book", "tags": [{"tag": "mine"}]}])
    [obj] = client.fetch_items([key])
    report = client.update_items(
        [item_patch(item_from_json(obj), Change(key, add_tags=frozenset({"read"})))]
    )
    assert report.ok
    assert report.versions[key] == sandbox.items()[key]["version"] > obj["version"]
    assert {t["tag"] for t in sandbox.items()[key]["tags"]} == {"mine", "read"}


def test_update_with_a_stale_version_fails_that_object(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    [key] = sandbox.add_items([{"itemType": "book", "title": "t"}])
    [obj] = client.fetch_items([key])
    sandbox.update_item(key, {"title": "edited in Zotero"})
    report = client.update_items([item_patch(item_from_json(obj), Change(key, trashed=True))])
    assert report.failed[key].code == 412
    assert not sandbox.items()[key].get("deleted")


def test_a_lost_update_response_counts_as_written(client: ZoteroClient, sandbox: Sandbox) -> None:
    [key] = sandbox.add_items([{"itemType": "book", "title": "t"}])
    [obj] = client.fetch_items([key])
    sandbox.add_faults("drop,method=POST,path=/items")
    report = client.update_items([item_patch(item_from_json(obj), Change(key, trashed=True))])
    assert report.ok
    assert report.versions[key] == sandbox.items()[key]["version"]
    assert sandbox.items()[key]["deleted"]


def test_delete_items_removes_them_and_returns_the_library_version(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    keys = sandbox.add_items([{"itemType": "book", "title": f"b{n}"} for n in range(60)])
    _fresh_stats(sandbox)
    version = client.delete_items(keys[:55], sandbox.library_version())
    assert set(sandbox.items()) == set(keys[55:])
    assert version == sandbox.library_version()
    assert _served(sandbox, 2) == [("DELETE", 204)] * 2


def test_delete_at_a_stale_library_version_is_refused(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    [key] = sandbox.add_items([{"itemType": "book"}])
    stale = sandbox.library_version()
    sandbox.add_items([{"itemType": "book"}])
    with pytest.raises(PreconditionFailed):
        client.delete_items([key], stale)
    assert key in sandbox.items()


def test_a_lost_delete_response_is_not_an_error(client: ZoteroClient, sandbox: Sandbox) -> None:
    [key] = sandbox.add_items([{"itemType": "book"}])
    sandbox.add_faults("drop,method=DELETE")
    assert client.delete_items([key], sandbox.library_version()) == sandbox.library_version()
    assert sandbox.items() == {}


# --- back-off -----------------------------------------------------------------------------------


def test_429_on_a_write_is_waited_out_and_resent(
    client: ZoteroClient, sandbox: Sandbox, fake_time: FakeTime
) -> None:
    items = _new_items(sandbox.add_collection("L"), 50)
    sandbox.add_faults("429=7,times=1,method=POST,path=/items")
    report = client.create_items(items)
    assert report.ok and len(sandbox.items()) == 50
    assert fake_time.sleeps == [7.0]


def test_503_is_retried_with_retry_after(
    client: ZoteroClient, sandbox: Sandbox, fake_time: FakeTime
) -> None:
    sandbox.add_faults("503=4,times=2")
    assert client.collections() == []
    assert fake_time.sleeps == [4.0, 4.0]


def test_backoff_delays_the_next_request(
    client: ZoteroClient, sandbox: Sandbox, fake_time: FakeTime
) -> None:
    sandbox.add_faults("backoff=5,times=1")
    client.collections()
    assert fake_time.sleeps == []
    client.collections()
    assert fake_time.sleeps == [5.0]


def test_rate_limit_outlasting_the_retries_is_an_error(
    sandbox: Sandbox, fake_time: FakeTime
) -> None:
    client = _client(sandbox, fake_time, sandbox.api_key, retry=RetryPolicy(max_retries=2))
    sandbox.add_faults("429=1,times=3")
    with pytest.raises(ZoteroError, match="rate-limiting"):
        client.item_versions(0)
    assert fake_time.sleeps == [1.0, 1.0]


def test_request_counter_matches_the_server(client: ZoteroClient, sandbox: Sandbox) -> None:
    _fresh_stats(sandbox)
    sandbox.add_faults("503=0,times=1")
    client.collections()
    client.find_or_create_collection("New")
    assert client.requests == len(_served(sandbox, 4)) == 4


# --- errors -------------------------------------------------------------------------------------


def test_read_only_key_cannot_write(sandbox: Sandbox, fake_time: FakeTime) -> None:
    client = _client(sandbox, fake_time, sandbox.readonly_key)
    with pytest.raises(AuthError, match="lacks write access"):
        client.create_items(_new_items("ABCD2345", 1))


def test_wrong_key_is_not_valid(sandbox: Sandbox, fake_time: FakeTime) -> None:
    client = _client(sandbox, fake_time, "WrongKey0123456789abcdef")
    with pytest.raises(AuthError, match="not valid"):
        client.item_versions(0)
    with pytest.raises(AuthError, match="not valid"):
        client.key_info()


def test_another_users_library_is_forbidden(sandbox: Sandbox, fake_time: FakeTime) -> None:
    client = ZoteroClient("user", 999, sandbox.api_key, sandbox.url, sleep=fake_time.sleep)
    with pytest.raises(AuthError, match="no access"):
        client.collections()


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_server_is_a_network_error_naming_it(fake_time: FakeTime) -> None:
    url = _closed_port_url()
    client = ZoteroClient("user", 1, "AnyKey0123456789abcdefgh", url, sleep=fake_time.sleep)
    with pytest.raises(NetworkError, match=url) as caught:
        client.collections()
    assert "connection refused" in str(caught.value)
    assert fake_time.sleeps == [0.5, 1.0]
    assert client.requests == 3


def test_group_library_works_the_same(sandbox: Sandbox, fake_time: FakeTime) -> None:
    client = ZoteroClient(
        "group", sandbox.group_id, sandbox.api_key, sandbox.url, sleep=fake_time.sleep
    )
    collection = client.find_or_create_collection("Lab list")
    report = client.create_items(_new_items(collection, 2))
    assert report.ok
    assert len(sandbox.items("group")) == 2
    assert sandbox.items() == {}


def test_the_api_key_appears_in_no_error_repr_or_log(
    sandbox: Sandbox, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    wrong = "WrongKey0123456789abcdef"
    clients = {
        key: _client(sandbox, fake_time, key)
        for key in (sandbox.api_key, sandbox.readonly_key, wrong)
    }
    stale_keys = sandbox.add_items([{"itemType": "book"}, {"itemType": "book"}])
    errors: list[Exception] = []
    attempts = [
        lambda: clients[wrong].key_info(),
        lambda: clients[wrong].item_versions(0),
        lambda: clients[sandbox.readonly_key].create_items(_new_items("ABCD2345", 1)),
        lambda: clients[sandbox.api_key].collection_item_keys("ABCD2345"),
        lambda: clients[sandbox.api_key].find_or_create_collection("ABCD2345"),
        lambda: clients[sandbox.api_key].delete_items(stale_keys[:1], 1),
        lambda: ZoteroClient(
            "user", 1, wrong, _closed_port_url(), sleep=fake_time.sleep
        ).deleted_since(0),
    ]
    sandbox.add_faults("503,times=99,path=/deleted")
    attempts.append(lambda: clients[sandbox.api_key].deleted_since(0))
    for attempt in attempts:
        with pytest.raises(ZoteroError) as caught:
            attempt()
        errors.append(caught.value)
    texts = (
        [str(e) for e in errors] + [repr(e) for e in errors] + [repr(c) for c in clients.values()]
    )
    texts.append(caplog.text)
    for key in (sandbox.api_key, sandbox.readonly_key, wrong):
        assert all(key not in text for text in texts)
    assert {type(e).__name__ for e in errors} == {
        "AuthError",
        "NotFoundError",
        "PreconditionFailed",
        "NetworkError",
        "ZoteroError",
    }
