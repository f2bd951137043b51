"""Progress reports of long runs: batches reported, the same requests sent, small runs silent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zotmark.core.actions import CreateItem
from zotmark.core.model import Entry, Ident
from zotmark.sandbox import Sandbox
from zotmark.service.progress import ProgressPort, reporting_hook
from zotmark.zotero.client import ZoteroClient

Calls = list[tuple[str, int, int | None]]


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[ZoteroClient]:
    with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as made:
        yield made


def _items(count: int, start: int = 0) -> list[dict[str, Any]]:
    keys = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
    return [
        {
            "key": f"AAA{keys[n // 33 // 33 % 33]}{keys[n // 33 % 33]}{keys[n % 33]}ZZ",
            "version": 0,
            "itemType": "webpage",
            "title": f"Paper {n}",
        }
        for n in range(start, start + count)
    ]


def test_a_big_create_is_reported_batch_by_batch(client: ZoteroClient) -> None:
    calls: Calls = []
    report = ProgressPort(client, lambda *call: calls.append(call)).create_items(_items(120))
    assert len(report.objects) == 120
    assert [done for _what, done, _total in calls] == [0, 50, 100, 120]
    assert {total for _what, _done, total in calls} == {120}


def test_reporting_sends_the_same_requests_as_the_plain_client(
    client: ZoteroClient, sandbox: Sandbox
) -> None:
    client.create_items(_items(120))
    plain = client.requests
    ProgressPort(client, lambda *call: None).create_items(_items(120, start=500))
    assert client.requests - plain == plain
    assert len(sandbox.items()) == 240


def test_a_small_write_is_not_reported(client: ZoteroClient) -> None:
    calls: Calls = []
    ProgressPort(client, lambda *call: calls.append(call)).create_items(_items(17))
    assert calls == []


def test_updates_and_fetches_are_reported_too(client: ZoteroClient) -> None:
    created = client.create_items(_items(60))
    calls: Calls = []
    port = ProgressPort(client, lambda *call: calls.append(call))
    patches = [{"key": k, "version": v, "title": "x"} for k, v in created.versions.items()]
    port.update_items(patches)
    port.fetch_items(list(created.versions))
    assert [(what.split()[0], done) for what, done, _ in calls if done == 60] == [
        ("Updating", 60),
        ("Reading", 60),
    ]


def test_the_metadata_hook_is_called_in_batches_and_keeps_the_order() -> None:
    calls: Calls = []
    batches: list[int] = []

    def hook(creates: list[tuple[CreateItem, dict[str, Any]]]) -> list[dict[str, Any]]:
        batches.append(len(creates))
        return [{**data, "seen": True} for _action, data in creates]

    entry = Entry(line=1, title="t", url=None, ident=Ident(title="t"))
    creates = [(CreateItem(f"K{n:07d}", entry, frozenset()), {"n": n}) for n in range(70)]
    out = reporting_hook(hook, lambda *call: calls.append(call), "Fetching metadata")(creates)
    assert batches == [50, 20]
    assert [d["n"] for d in out] == list(range(70))
    assert calls[-1] == ("Fetching metadata", 70, 70)
