"""Fault injection: the spec grammar and each fault's effect on a real HTTP exchange."""

from __future__ import annotations

import json

import httpx2
import pytest
from pyzotero import zotero_errors

from zotmark.sandbox import FaultSpecError, Sandbox, parse_spec


def test_spec_parses_kinds_values_and_options() -> None:
    """Rules are ``;``-separated; options narrow them."""
    faults = parse_spec("latency=50; 429=2,times=1,method=post; drop,path=/items,after=3")
    assert [(f.kind, f.value) for f in faults] == [("latency", 50), ("429", 2), ("drop", None)]
    assert (faults[1].times, faults[1].method) == (1, "POST")
    assert (faults[2].path, faults[2].after, faults[2].times) == ("/items", 3, 1)
    assert faults[0].times is None


@pytest.mark.parametrize(
    "spec",
    ["teapot", "latency", "429,times=x", "503,color=red", "drop,every=0", "garbage", "garbage=5"],
)
def test_bad_specs_are_refused_with_a_reason(spec: str) -> None:
    """Unknown kinds, missing values, bad numbers and unknown options raise ``FaultSpecError``."""
    with pytest.raises(FaultSpecError):
        parse_spec(spec)


def test_backoff_is_added_to_matching_responses(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``backoff=5`` puts ``Backoff: 5`` on responses (success included)."""
    sandbox.add_faults("backoff=5,times=1")
    assert api.get("/items").headers["Backoff"] == "5"
    assert "Backoff" not in api.get("/items").headers


def test_429_answers_with_retry_after_then_serves(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``429=3,times=1``: one 429 with ``Retry-After: 3``, then normal service."""
    sandbox.add_faults("429=3,times=1,method=POST")
    refused = api.post("/items", json=[{"itemType": "book"}])
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "3")
    assert sandbox.items() == {}
    assert api.post("/items", json=[{"itemType": "book"}]).status_code == 200


def test_pyzotero_reads_retry_after_a_429(sandbox: Sandbox) -> None:
    """pyzotero honours ``Retry-After`` on reads; with 0 seconds it retries at once."""
    sandbox.add_items([{"itemType": "book", "title": "x"}])
    sandbox.add_faults("429=0,times=1")
    assert len(sandbox.zotero().items()) == 1
    assert sandbox.stats()["by_status"] == {"429": 1, "200": 1}


def test_503_is_served_before_the_request_runs(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``503`` refuses the request; nothing is written."""
    sandbox.add_faults("503=10")
    response = api.post("/items", json=[{"itemType": "book"}])
    assert (response.status_code, response.headers["Retry-After"]) == (503, "10")
    assert sandbox.items() == {}


def test_dropped_response_still_applies_the_write(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``drop``: the client sees the connection close, but the items were created."""
    sandbox.add_faults("drop,method=POST")
    with pytest.raises(httpx2.TransportError):
        api.post("/items", json=[{"itemType": "book", "title": "lost answer"}])
    assert [i["title"] for i in sandbox.items().values()] == ["lost answer"]
    assert sandbox.stats()["log"][-1]["dropped"] is True


def test_concurrent_writer_makes_the_next_write_stale(sandbox: Sandbox) -> None:
    """``concurrent``: another client bumps the item first, so the PATCH gets 412."""
    key = sandbox.add_items([{"itemType": "book", "title": "x"}])[0]
    zot = sandbox.zotero()
    data = zot.item(key)["data"]
    sandbox.add_faults("concurrent,method=PATCH")
    data["title"] = "mine"
    with pytest.raises(zotero_errors.PreConditionFailedError):
        zot.update_item(data)
    assert sandbox.items()[key]["version"] == 2


@pytest.mark.parametrize(
    ("what", "content_type", "body"),
    [
        ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
        ("empty", "application/json", b""),
        ("null", "application/json", b"null"),
        ("list", "application/json", b"[]"),
        ("object", "application/json", b"{}"),
    ],
)
def test_garbage_answers_200_with_its_body_instead_of_serving(
    api: httpx2.Client, sandbox: Sandbox, what: str, content_type: str, body: bytes
) -> None:
    """``garbage=html`` (…): 200 with a body no Zotero server sends; nothing is written."""
    sandbox.add_faults(f"garbage={what},method=POST")
    response = api.post("/items", json=[{"itemType": "book"}])
    assert (response.status_code, response.headers["Content-Type"]) == (200, content_type)
    assert response.content.startswith(body) and (body or response.content == b"")
    assert sandbox.items() == {}
    assert api.post("/items", json=[{"itemType": "book"}]).status_code == 200  # once only


def test_truncated_garbage_serves_the_write_and_cuts_the_answer_in_half(
    api: httpx2.Client, sandbox: Sandbox
) -> None:
    """``garbage=truncated``: the write is applied, the answer breaks off half-way."""
    sandbox.add_faults("garbage=truncated,method=POST")
    response = api.post("/items", json=[{"itemType": "book", "title": "half"}])
    assert response.status_code == 200 and response.content.startswith(b'{\n    "successful"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert [i["title"] for i in sandbox.items().values()] == ["half"]


@pytest.mark.parametrize(("what", "header"), [("version", "abc"), ("noversion", None)])
def test_version_garbage_spoils_the_library_version_header(
    api: httpx2.Client, sandbox: Sandbox, what: str, header: str | None
) -> None:
    """``garbage=version``: ``Last-Modified-Version: abc``; ``noversion``: none at all."""
    sandbox.add_faults(f"garbage={what}")
    response = api.get("/items", params={"format": "versions"})
    assert (response.status_code, response.headers.get("Last-Modified-Version")) == (200, header)
    assert api.get("/items").headers["Last-Modified-Version"] == "0"


def test_latency_delays_the_request(api: httpx2.Client, sandbox: Sandbox) -> None:
    """``latency=30`` makes the server take at least 30 ms (its own measurement)."""
    sandbox.add_faults("latency=30,times=1")
    api.get("/items")
    assert sandbox.stats()["log"][-1]["milliseconds"] >= 30


def test_faults_are_switchable_over_http(sandbox: Sandbox) -> None:
    """``/_sandbox/faults``: POST a spec, GET the rules, DELETE them; bad specs are 400."""
    with httpx2.Client(base_url=sandbox.url, trust_env=False) as admin:
        assert admin.post("/_sandbox/faults", content=b"backoff=2").status_code == 204
        assert admin.post("/_sandbox/faults", json={"spec": "503,times=2"}).status_code == 204
        assert [rule["kind"] for rule in admin.get("/_sandbox/faults").json()] == ["backoff", "503"]
        assert admin.post("/_sandbox/faults", content=b"nonsense").status_code == 400
        assert admin.delete("/_sandbox/faults").status_code == 204
        assert admin.get("/_sandbox/faults").json() == []


def test_sandbox_routes_are_never_faulted_or_counted(sandbox: Sandbox) -> None:
    """Admin requests bypass faults and stats."""
    sandbox.add_faults("503")
    with httpx2.Client(base_url=sandbox.url, trust_env=False) as admin:
        stats = admin.get("/_sandbox/stats").json()
    assert stats["requests"] == 0
