"""``--data FILE``: the libraries survive a restart; saves are atomic."""

from __future__ import annotations

import json
from pathlib import Path

from zotmark.sandbox import start_sandbox
from zotmark.sandbox.harness import Identity, build_store
from zotmark.sandbox.persistence import dump_store, load_store, write_atomic


def test_items_keys_and_versions_survive_a_restart(tmp_path: Path) -> None:
    """A second server on the same data file serves the same items, versions and API key."""
    data = tmp_path / "library.json"
    with start_sandbox(data=data) as first:
        key = first.zotero().create_items([{"itemType": "book", "title": "kept"}])["success"]["0"]
        api_key, version = first.api_key, first.library_version()
    with start_sandbox(data=data) as second:
        assert second.api_key == api_key
        assert second.library_version() == version
        assert second.zotero().item(key)["data"]["title"] == "kept"


def test_delete_log_survives_a_restart(tmp_path: Path) -> None:
    """``/deleted`` still lists what was deleted before the restart."""
    data = tmp_path / "library.json"
    with start_sandbox(data=data) as first:
        key = first.add_items([{"itemType": "book", "title": "gone"}])[0]
        first.delete_item(key)
    with start_sandbox(data=data) as second:
        assert second.zotero().deleted(since=0)["items"] == [key]


def test_dump_and_load_round_trip() -> None:
    """``load_store(dump_store(s))`` reproduces the store."""
    store = build_store(Identity())
    library = store.libraries["/users/1"]
    library.version = 7
    copy = build_store(Identity())
    load_store(copy, json.loads(json.dumps(dump_store(store))))
    assert dump_store(copy) == dump_store(store)


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    """The temp file is renamed over the target; nothing else remains in the directory."""
    target = tmp_path / "sub" / "data.json"
    write_atomic(target, {"a": 1})
    write_atomic(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["data.json"]


def test_the_creators_of_deleted_items_survive_a_restart() -> None:
    """An item made again under a deleted item's key after a restart keeps its creator."""
    store = build_store(Identity())
    store.libraries["/users/1"].former_creators["ABCD2345"] = 7
    copy = build_store(Identity())
    load_store(copy, json.loads(json.dumps(dump_store(store))))
    assert copy.libraries["/users/1"].former_creators == {"ABCD2345": 7}
