"""Progress reports of long runs: batches reported, the same requests sent, small runs silent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zotmark.core.actions import CreateItem
from zotmark.core.model import Entry, Ident
from zotmark.sandbox import Sandbox
from zotmark.sync.progress import reporting_hook
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
