"""Runs whose list file cannot be read: the run stops with the file's error, and no item
reaches Zotero nor is left pending in the state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zotmark.core.plan import Policy
from zotmark.errors import ListFileError
from zotmark.sandbox import Sandbox
from zotmark.state import MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[ZoteroClient]:
    with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as made:
        yield made


def _run(client: ZoteroClient, store: MemoryStateStore, path: Path) -> None:
    document = ListDocument(path, {"Relevant?": "relevant"})
    ListRunner(
        "papers", Policy(collection="Reading List"), ZoteroLibrary(client), store, document
    ).run()


def test_a_latin1_list_creates_no_item_and_leaves_nothing_pending(
    sandbox: Sandbox, client: ZoteroClient, tmp_path: Path
) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(
        "- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))\n"
        "- [ ] **Déjà vu** ([Link](https://arxiv.org/abs/1609.03499))\n".encode("latin-1")
    )
    store = MemoryStateStore()
    with pytest.raises(ListFileError, match="byte 0xE9 at line 2, column 10"):
        _run(client, store, path)
    assert sandbox.items() == {}
    assert store.load("papers").pending == {}
