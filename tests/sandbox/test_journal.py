"""``--data FILE`` as snapshot plus journal: a killed sandbox reloads to its last complete save.

A save appends what changed to the journal the snapshot names; a killed sandbox (its files left
as they are) reloads to exactly the store of its last complete save, down to the order of its
objects and delete log, also when the last journal line was cut short. The journal is folded
into a new snapshot when it outgrows it; a closed sandbox leaves the snapshot alone.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zotmark.sandbox import persistence
from zotmark.sandbox.atomic import write_atomic
from zotmark.sandbox.backdoor import touch
from zotmark.sandbox.deletes import delete_many, delete_single
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.harness import Identity, build_store, make_state
from zotmark.sandbox.persistence import Saver, dump_store, load_data
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.store import Store
from zotmark.sandbox.tags_settings import delete_setting, delete_tags, put_setting
from zotmark.sandbox.writes import write_many, write_single

NOW = "2026-01-02T03:04:05Z"
KEYS = ("AAAA2222", "BBBB3333", "CCCC4444")
OPS = (
    "create",
    "create_key",
    "child",
    "edit",
    "trash",
    "delete",
    "delete_many",
    "collection",
    "delete_collection",
    "tag_delete",
    "setting",
    "setting_delete",
    "touch",
    "unchanged",
    "group",
    "flush",
)


def _apply(store: Store, op: str, n: int) -> None:
    library = store.libraries["/groups/100" if op == "group" else "/users/1"]
    keys = list(library.items)
    key = keys[n % len(keys)] if keys else None
    collections = list(library.collections)
    collection = collections[n % len(collections)] if collections else None
    schema = load_schema()

    def post(uploads: list[dict[str, Any]], kind: str = "items") -> None:
        write_many(library, kind, uploads, library_header=None, now=NOW, schema=schema)

    if op == "create_key":  # a key deleted before comes back: it leaves the delete log
        post([{"itemType": "book", "title": "keyed", "key": KEYS[n % 3], "version": 0}])
    elif op in ("create", "group") or key is None:
        item: dict[str, Any] = {
            "itemType": "book",
            "title": f"t{n}",
            "tags": [{"tag": f"g{n % 3}"}],
        }
        if collection:
            item["collections"] = [collection]
        post([item])
    elif op == "child":
        post([{"itemType": "note", "note": "n", "parentItem": key}])
    elif op in ("edit", "trash"):
        body = {"title": f"e{n}"} if op == "edit" else {"deleted": 1}
        write_single(
            library, "items", key, body, header=library.items[key].version, method="PATCH",
            now=NOW, schema=schema,
        )  # fmt: skip
    elif op == "delete":
        delete_single(library, "items", key, library.items[key].version)
    elif op == "delete_many":
        delete_many(library, "items", keys[:2], None)
    elif op == "collection":
        post([{"name": f"c{n}"}], "collections")
    elif op == "delete_collection" and collection:
        delete_single(library, "collections", collection, library.collections[collection].version)
    elif op == "tag_delete":
        delete_tags(library, [f"g{n % 3}"], library.version)
    elif op == "setting":
        put_setting(library, "tagColors", {"value": [{"name": f"g{n}", "color": "#fff"}]}, None)
    elif op == "setting_delete" and "tagColors" in library.settings:
        delete_setting(library, "tagColors", library.settings["tagColors"].version)
    elif op == "touch":
        touch(store, library, key if n % 2 else None)
    elif op == "unchanged":  # the library version moves, no object changes
        obj = library.items[key]
        post([{"key": key, "version": obj.version, "title": obj.data.get("title", "")}])


def _dump(store: Store) -> str:
    return json.dumps(dump_store(store))


def _reload(path: Path) -> Store:
    store = build_store(Identity())
    load_data(store, path)
    return store


@settings(
    max_examples=max(settings.default.max_examples, 100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 5)), max_size=60), st.booleans())
def test_a_killed_sandbox_reloads_to_its_last_complete_save(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int]], compact: bool
) -> None:
    """Random writes with saves in between: after each save, the files as a kill would leave
    them load to the store (byte for byte, in order); with the last journal line cut short, to
    the store of the save before. With a tiny compaction threshold, snapshots replace the
    journal along the way."""
    path = tmp_path_factory.mktemp("journal") / "sandbox.json"
    store = build_store(Identity())
    with pytest.MonkeyPatch.context() as patch:
        if compact:
            patch.setattr(persistence, "COMPACT_MIN_BYTES", 2000)
        saver = Saver(store, path, delay=3600)
        saved = _dump(store)
        try:
            for op, n in [*ops, ("flush", 0)]:
                if op != "flush":
                    with contextlib.suppress(ApiError):
                        _apply(store, op, n)
                    continue
                before = saved
                saver.flush()
                saved = _dump(store)
                assert _dump(_reload(path)) == saved
                assert saver.journal is not None
                lines = saver.journal.read_bytes().splitlines(keepends=True)
                if lines and saved != before:  # the last line cut short
                    whole = b"".join(lines)
                    saver.journal.write_bytes(whole[: -len(lines[-1]) // 2])
                    assert _dump(_reload(path)) == before
                    saver.journal.write_bytes(whole)
        finally:
            saver.close(final_snapshot=False)


def test_keys_deleted_and_created_again_keep_the_stores_order(tmp_path: Path) -> None:
    """Items deleted and created anew between two saves go to the end of the library, and
    their keys leave the delete log (and go to its end when deleted again): in the reloaded
    store as in the running one."""
    path = tmp_path / "sandbox.json"
    store = build_store(Identity())
    library = store.libraries["/users/1"]

    def delete(key: str) -> None:
        delete_single(library, "items", key, library.items[key].version)

    for n in range(3):
        _apply(store, "create_key", n)
    _apply(store, "create", 0)
    delete(KEYS[0])
    saver = Saver(store, path, delay=3600)
    try:
        delete(KEYS[1])
        _apply(store, "create_key", 0)  # out of the delete log, last in the library
        delete(KEYS[2])
        _apply(store, "create_key", 1)
        delete(KEYS[1])  # back in the delete log, after KEYS[2]
        assert list(library.items)[-1] == KEYS[0]
        assert list(library.deleted["items"]) == [KEYS[2], KEYS[1]]
        saver.flush()
        assert _dump(_reload(path)) == _dump(store)
    finally:
        saver.close(final_snapshot=False)


def test_a_tag_deleted_twice_keeps_its_place_in_the_delete_log(tmp_path: Path) -> None:
    """A tag deleted, carried again and deleted again keeps its first place in the delete log
    (a new version), in the reloaded store as in the running one; a save that only moved the
    library version (an unchanged write) is kept too."""
    path = tmp_path / "sandbox.json"
    store = build_store(Identity())
    library = store.libraries["/users/1"]
    for n in range(3):
        _apply(store, "create", n)
    saver = Saver(store, path, delay=3600)
    try:
        for name in ("g0", "g1"):
            delete_tags(library, [name], library.version)
        saver.flush()
        _apply(store, "create", 0)  # g0 again
        delete_tags(library, ["g0"], library.version)
        delete_tags(library, ["g2"], library.version)
        assert list(library.deleted["tags"]) == ["g0", "g1", "g2"]
        saver.flush()
        assert _dump(_reload(path)) == _dump(store)
        _apply(store, "unchanged", 0)
        saver.flush()
        assert _reload(path).libraries["/users/1"].version == library.version
    finally:
        saver.close(final_snapshot=False)


def test_saves_append_lines_that_hold_only_the_changes(tmp_path: Path) -> None:
    """A save after one edit in a library of 200 items writes one short journal line; the
    snapshot is left alone."""
    path = tmp_path / "sandbox.json"
    store = build_store(Identity())
    _apply_many(store, 200)
    saver = Saver(store, path, delay=3600)
    try:
        snapshot = path.read_bytes()
        _apply(store, "edit", 7)
        saver.flush()
        assert path.read_bytes() == snapshot
        assert saver.journal is not None
        lines = saver.journal.read_bytes().splitlines()
        assert len(lines) == 1 and len(lines[0]) < 1000
        assert list(json.loads(lines[0])["libraries"]["/users/1"]["items"]) == [
            list(store.libraries["/users/1"].items)[7]
        ]
        saver.flush()  # nothing changed since: nothing written
        assert len(saver.journal.read_bytes().splitlines()) == 1
    finally:
        saver.close()


def _apply_many(store: Store, count: int) -> None:
    library = store.libraries["/users/1"]
    uploads = [{"itemType": "book", "title": f"b{i}"} for i in range(count)]
    for start in range(0, count, 50):
        write_many(
            library, "items", uploads[start : start + 50], library_header=None, now=NOW,
            schema=load_schema(),
        )  # fmt: skip


def test_the_journal_is_compacted_once_larger_than_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the snapshot's size the journal is folded into a new snapshot with a new journal;
    the old journal is removed, and the files still load to the store."""
    monkeypatch.setattr(persistence, "COMPACT_MIN_BYTES", 0)
    path = tmp_path / "sandbox.json"
    store = build_store(Identity())
    _apply_many(store, 20)
    saver = Saver(store, path, delay=3600)
    try:
        first = saver.journal
        for n in range(40):
            _apply(store, "edit", n)
            saver.flush()
        assert saver.snapshots > 1 and saver.journal != first
        assert first is not None and not first.exists()
        assert [p.name for p in tmp_path.glob("*.journal")] == [saver.journal.name]  # type: ignore[union-attr]
        assert json.loads(path.read_text())["journal"] in saver.journal.name  # type: ignore[union-attr]
        assert _dump(_reload(path)) == _dump(store)
    finally:
        saver.close()


def test_a_closed_sandbox_leaves_one_snapshot_naming_no_journal(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    store = build_store(Identity())
    saver = Saver(store, path)
    _apply(store, "create", 1)
    saver.close()
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]
    saved = json.loads(path.read_text())
    assert "journal" not in saved
    assert saved == dump_store(store)


def test_a_file_without_journal_loads_and_stray_journals_go(tmp_path: Path) -> None:
    """A snapshot as older versions wrote it (no journal named) loads as it is; journals no
    snapshot names (a sandbox killed while compacting) are removed when the next one starts."""
    path = tmp_path / "sandbox.json"
    store = build_store(Identity())
    _apply_many(store, 3)
    write_atomic(path, dump_store(store))
    stray = tmp_path / "sandbox.json.0123456789abcdef.journal"
    stray.write_text('{"libraries": {}}\n')
    state = make_state(path, Identity())
    assert _dump(state.store) == _dump(store)
    saver = Saver(state.store, path)
    try:
        assert not stray.exists()
    finally:
        saver.close()


def test_a_data_file_that_cannot_be_written_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As before the journal: the sandbox starts and serves, warning that it cannot save."""
    (tmp_path / "not-a-directory").write_text("")
    store = build_store(Identity())
    saver = Saver(store, tmp_path / "not-a-directory" / "sandbox.json")
    try:
        assert "cannot save the sandbox" in caplog.text
        assert saver.journal is None
    finally:
        saver.close(final_snapshot=False)
