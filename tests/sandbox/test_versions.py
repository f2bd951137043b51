"""Version semantics, preconditions and sync reads, as the recorded real server behaves."""

from __future__ import annotations

from typing import Any

import httpx2

from zotmark.sandbox import Sandbox


def _books(*titles: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"itemType": "book", "title": title, **extra} for title in titles]


def test_multi_object_post_bumps_the_library_once_per_object(api: httpx2.Client) -> None:
    """Three items in one POST take versions 1, 2, 3; the header is the final version (REC #4)."""
    response = api.post("/items", json=_books("a", "b", "c"))
    report = response.json()
    assert [report["successful"][s]["version"] for s in "012"] == [1, 2, 3]
    assert response.headers["Last-Modified-Version"] == "3"


def test_post_on_an_existing_key_is_a_partial_update(api: httpx2.Client, sandbox: Sandbox) -> None:
    """POSTing ``{key, version, field}`` changes only that field (REC #18)."""
    key = sandbox.add_items(_books("Title", publisher="P"))[0]
    report = api.post("/items", json=[{"key": key, "version": 1, "edition": "2"}]).json()
    data = report["successful"]["0"]["data"]
    assert (data["title"], data["publisher"], data["edition"]) == ("Title", "P", "2")


def test_post_with_identical_data_is_reported_unchanged(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """An upload that changes nothing lands in ``unchanged``; the item keeps its version."""
    key = sandbox.add_items(_books("Same"))[0]
    report = api.post("/items", json=[{"key": key, "version": 1, "title": "Same"}]).json()
    assert report["unchanged"] == {"0": key}
    assert sandbox.items()[key]["version"] == 1


def test_keyed_object_without_version_or_header_fails_428(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """A keyed object needs ``version`` unless the request carries the library header."""
    key = sandbox.add_items(_books("x"))[0]
    report = api.post("/items", json=[{"key": key, "title": "y"}]).json()
    assert report["failed"]["0"]["code"] == 428
    with_header = api.post(
        "/items",
        json=[{"key": key, "title": "y"}],
        headers={"If-Unmodified-Since-Version": "1"},
    ).json()
    assert with_header["success"] == {"0": key}


def test_stale_object_version_in_post_fails_412_for_that_object(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """One stale object fails 412; the others in the same POST are written."""
    keys = sandbox.add_items(_books("a", "b"))
    sandbox.update_item(keys[0], {"title": "changed elsewhere"})
    body = [
        {"key": keys[0], "version": 1, "title": "x"},
        {"key": keys[1], "version": 2, "title": "y"},
    ]
    report = api.post("/items", json=body).json()
    assert report["failed"]["0"]["code"] == 412
    assert report["success"] == {"1": keys[1]}


def test_version_above_zero_for_a_missing_key_fails_404(api: httpx2.Client) -> None:
    """``version: 5`` for a key that does not exist: per-object 404."""
    report = api.post("/items", json=[{"key": "ABCD2345", "version": 5, "itemType": "book"}]).json()
    assert report["failed"]["0"]["code"] == 404


def test_write_token_reuse_is_412_and_does_not_write_twice(api: httpx2.Client) -> None:
    """A second POST with the same ``Zotero-Write-Token``: 412 ``Write token already used``."""
    headers = {"Zotero-Write-Token": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}
    assert api.post("/items", json=_books("a"), headers=headers).status_code == 200
    again = api.post("/items", json=_books("a"), headers=headers)
    assert (again.status_code, again.text) == (412, "Write token already used")
    assert "Last-Modified-Version" not in again.headers
    assert api.get("/items", params={"format": "keys"}).text.count("\n") == 1


def test_write_token_of_a_failed_request_can_be_reused(api: httpx2.Client) -> None:
    """Tokens are stored only after success, so a refused request may be retried with it."""
    headers = {"Zotero-Write-Token": "token-12345", "If-Unmodified-Since-Version": "0"}
    api.post("/items", json=_books("a"))
    assert api.post("/items", json=_books("b"), headers=headers).status_code == 412
    del headers["If-Unmodified-Since-Version"]
    assert api.post("/items", json=_books("b"), headers=headers).status_code == 200


def test_if_modified_since_version_gives_bare_304(api: httpx2.Client, sandbox: Sandbox) -> None:
    """Nothing changed since version N: 304 with no body and no version header (REC #37)."""
    sandbox.add_items(_books("a"))
    response = api.get("/items", headers={"If-Modified-Since-Version": "1"})
    assert (response.status_code, response.content) == (304, b"")
    assert "Last-Modified-Version" not in response.headers
    assert api.get("/items", headers={"If-Modified-Since-Version": "0"}).status_code == 200


def test_since_returns_only_newer_objects(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``since=V`` keeps objects whose version is greater than V."""
    _, second = sandbox.add_items(_books("a", "b"))
    assert api.get("/items", params={"since": "1", "format": "versions"}).json() == {second: 2}


def test_trashed_items_are_excluded_unless_include_trashed(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """``deleted: 1`` moves an item to ``/items/trash`` and out of ``/items`` (REC #29-31)."""
    keys = sandbox.add_items(_books("a", "b"))
    response = api.patch(
        f"/items/{keys[0]}", json={"deleted": 1}, headers={"If-Unmodified-Since-Version": "1"}
    )
    assert response.status_code == 204
    assert api.get("/items", params={"format": "keys"}).text == f"{keys[1]}\n"
    trashed = api.get("/items", params={"format": "versions", "includeTrashed": "1"}).json()
    assert set(trashed) == set(keys)
    assert [i["key"] for i in api.get("/items/trash").json()] == [keys[0]]
    assert api.get(f"/items/{keys[0]}").json()["data"]["deleted"] == 1


def test_collection_only_changes_keep_date_modified(api: httpx2.Client, sandbox: Sandbox) -> None:
    """Adding an item to a collection bumps its version but not ``dateModified``."""
    collection = sandbox.add_collection("C")
    key = sandbox.add_items(
        [{"itemType": "book", "title": "x", "dateModified": "2020-01-01T00:00:00Z"}]
    )[0]
    api.patch(
        f"/items/{key}",
        json={"collections": [collection]},
        headers={"If-Unmodified-Since-Version": "2"},
    )
    item = sandbox.items()[key]
    assert (item["version"], item["dateModified"]) == (3, "2020-01-01T00:00:00Z")


def test_patch_replaces_arrays_whole(api: httpx2.Client, sandbox: Sandbox) -> None:
    """A PATCH ``tags`` list replaces the item's tags (REC #22)."""
    key = sandbox.add_items(_books("x", tags=[{"tag": "a"}, {"tag": "b"}]))[0]
    api.patch(
        f"/items/{key}", json={"tags": [{"tag": "b"}]}, headers={"If-Unmodified-Since-Version": "1"}
    )
    assert sandbox.items()[key]["tags"] == [{"tag": "b"}]


def test_unchanged_patch_answers_the_previous_library_version(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """A PATCH that changes nothing is 204 with the unchanged library version."""
    key = sandbox.add_items(_books("x"))[0]
    response = api.patch(
        f"/items/{key}", json={"title": "x"}, headers={"If-Unmodified-Since-Version": "1"}
    )
    assert (response.status_code, response.headers["Last-Modified-Version"]) == (204, "1")


def test_multi_delete_checks_the_library_version(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``DELETE /items?itemKey=`` with a stale library version: 412; with the current: 204."""
    keys = sandbox.add_items(_books("a", "b", "c"))
    params = {"itemKey": ",".join(keys[:2])}
    stale = api.delete("/items", params=params, headers={"If-Unmodified-Since-Version": "2"})
    assert stale.status_code == 412
    ok = api.delete("/items", params=params, headers={"If-Unmodified-Since-Version": "3"})
    assert (ok.status_code, ok.headers["Last-Modified-Version"]) == (204, "4")
    assert set(sandbox.items()) == {keys[2]}
    assert api.get("/deleted", params={"since": "3"}).json()["items"] == sorted(keys[:2])


def test_deleting_a_tag_bumps_its_items_and_logs_it(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``DELETE /tags?tag=x``: items carrying it get the new version; ``/deleted`` lists it."""
    keys = sandbox.add_items([*_books("a", tags=[{"tag": "x"}]), *_books("b", tags=[{"tag": "y"}])])
    response = api.delete(
        "/tags", params={"tag": "x"}, headers={"If-Unmodified-Since-Version": "2"}
    )
    assert (response.status_code, response.headers["Last-Modified-Version"]) == (204, "3")
    versions = api.get("/items", params={"format": "versions"}).json()
    assert versions == {keys[0]: 3, keys[1]: 2}
    assert api.get("/deleted", params={"since": "2"}).json()["tags"] == ["x"]


def test_deleting_a_collection_logs_it_and_keeps_item_versions(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """A deleted collection is in ``/deleted``; its items keep their versions (REC #49-51)."""
    collection = sandbox.add_collection("C")
    key = sandbox.add_items(_books("x", collections=[collection]))[0]
    response = api.delete(
        f"/collections/{collection}", headers={"If-Unmodified-Since-Version": "1"}
    )
    assert response.status_code == 204
    assert api.get("/deleted", params={"since": "0"}).json()["collections"] == [collection]
    assert sandbox.items()[key]["version"] == 2


def test_tag_colors_setting_round_trip(api: httpx2.Client) -> None:
    """``PUT /settings/tagColors`` then GET: the value and its version; POST /settings is 204."""
    colors = [{"name": "read", "color": "#5FB236"}]
    put = api.put(
        "/settings/tagColors", json={"value": colors}, headers={"If-Unmodified-Since-Version": "0"}
    )
    assert (put.status_code, put.headers["Last-Modified-Version"]) == (204, "1")
    assert api.get("/settings/tagColors").json() == {"value": colors, "version": 1}
    more = [*colors, {"name": "relevant", "color": "#FF6666"}]
    post = api.post("/settings", json={"tagColors": {"value": more, "version": 1}})
    assert post.status_code == 204
    assert api.get("/settings").json()["tagColors"] == {"value": more, "version": 2}


def test_empty_tag_colors_are_refused(api: httpx2.Client) -> None:
    """``tagColors`` must be a non-empty array (after the version, which a PUT needs)."""
    response = api.put("/settings/tagColors", json={"value": []})
    assert response.status_code == 428
    response = api.put("/settings/tagColors", json={"value": [], "version": 0})
    assert (response.status_code, response.text) == (400, "'value' array cannot be empty")


def test_top_and_collection_listings(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``/items/top`` leaves out child notes; ``/collections/K/items`` only the members."""
    collection = sandbox.add_collection("C")
    parent, other = sandbox.add_items([*_books("in", collections=[collection]), *_books("out")])
    note = sandbox.add_items([{"itemType": "note", "note": "n", "parentItem": parent}])[0]
    top = api.get("/items/top", params={"format": "keys"}).text.split()
    members = api.get(f"/collections/{collection}/items", params={"format": "keys"}).text.split()
    assert note not in top and {parent, other} <= set(top)
    assert set(members) == {parent, note}
    assert api.get(f"/items/{parent}/children").json()[0]["key"] == note


def test_pagination_links_match_the_recorded_shape(api: httpx2.Client, sandbox: Sandbox) -> None:
    """Page 1 of 3 (limit 2): ``next`` and ``last``; page 2: ``first`` and ``prev`` (REC #39-40)."""
    sandbox.add_items(_books("a", "b", "c"))
    params = {"limit": "2", "sort": "dateAdded", "direction": "asc"}
    first = api.get("/items", params=params).headers["Link"]
    second = api.get("/items", params={**params, "start": "2"}).headers["Link"]
    base = f"{sandbox.url}/users/{sandbox.user_id}/items"
    assert first == (
        f'<{base}?direction=asc&limit=2&sort=dateAdded&start=2>; rel="next", '
        f'<{base}?direction=asc&limit=2&sort=dateAdded&start=2>; rel="last", '
        f'<{base}>; rel="alternate"'
    )
    assert second == (
        f'<{base}?direction=asc&limit=2&sort=dateAdded>; rel="first", '
        f'<{base}?direction=asc&limit=2&sort=dateAdded>; rel="prev", '
        f'<{base}>; rel="alternate"'
    )


def test_tag_and_q_filters(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``tag=a || b`` is OR, repeated ``tag`` AND, ``-x`` negates; ``q`` searches titles."""
    keys = sandbox.add_items(
        [
            *_books("Attention", tags=[{"tag": "read"}, {"tag": "relevant"}]),
            *_books("Vision", tags=[{"tag": "read"}]),
            *_books("Speech"),
        ]
    )

    def keys_for(params: list[tuple[str, str]]) -> set[str]:
        return set(api.get("/items", params=[*params, ("format", "keys")]).text.split())

    assert keys_for([("tag", "read")]) == set(keys[:2])
    assert keys_for([("tag", "read"), ("tag", "relevant")]) == {keys[0]}
    assert keys_for([("tag", "relevant || nothing")]) == {keys[0]}
    assert keys_for([("tag", "-read")]) == {keys[2]}
    assert keys_for([("q", "visi")]) == {keys[1]}


def test_admin_routes_reset_and_report(sandbox: Sandbox) -> None:
    """``/_sandbox/stats`` counts API requests; ``/_sandbox/reset`` empties the libraries."""
    sandbox.add_items(_books("x"))
    sandbox.zotero().items()
    with httpx2.Client(base_url=sandbox.url, trust_env=False) as admin:
        assert admin.get("/_sandbox/stats", params={"log": "0"}).json()["requests"] == 1
        assert admin.post("/_sandbox/reset").status_code == 204
    assert sandbox.items() == {} and sandbox.request_count == 0
