"""sandbox.model: the per-library count of child items stays equal to a full recount."""

from __future__ import annotations

import contextlib
import json
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from zotmark.sandbox.deletes import delete_many, delete_single
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.harness import Identity, build_store
from zotmark.sandbox.model import Library
from zotmark.sandbox.persistence import dump_store, load_store
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.store import Store
from zotmark.sandbox.writes import write_many, write_single

NOW = "2026-01-02T03:04:05Z"
OPS = ("parent", "child", "trash", "restore", "move", "detach", "delete", "delete_many", "reload")


def recount(library: Library) -> Counter[str]:
    """numChildren as the renderer computed it before the index: a scan of every item."""
    return Counter(
        o.data["parentItem"]
        for o in library.items.values()
        if o.data.get("parentItem") and not o.data.get("deleted")
    )


def _post(library: Library, upload: dict[str, object]) -> None:
    write_many(library, "items", [upload], library_header=None, now=NOW, schema=load_schema())


def _patch(library: Library, key: str, body: dict[str, object]) -> None:
    version = library.items[key].version
    write_single(
        library, "items", key, body, header=version, method="PATCH", now=NOW,
        schema=load_schema(),
    )  # fmt: skip


def _apply(store: Store, op: str, pick: int, other: int) -> Store:
    library = store.libraries["/users/1"]
    keys = list(library.items)
    key = keys[pick % len(keys)] if keys else None
    target = keys[other % len(keys)] if keys else None
    if op == "parent" or key is None or target is None:
        _post(library, {"itemType": "book", "title": f"parent {pick}"})
    elif op == "child":
        _post(library, {"itemType": "note", "note": "n", "parentItem": key})  # may be refused
    elif op in ("trash", "restore"):
        _patch(library, key, {"deleted": 1 if op == "trash" else 0})
    elif op == "move":
        _patch(library, key, {"parentItem": target})
    elif op == "detach":
        _patch(library, key, {"parentItem": False})
    elif op == "delete":
        delete_single(library, "items", key, library.items[key].version)
    elif op == "delete_many":
        delete_many(library, "items", [key, target], library.version)
    else:  # reload: the index is rebuilt from a saved file
        copy = build_store(Identity())
        load_store(copy, json.loads(json.dumps(dump_store(store))))
        return copy
    return store


@given(
    st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 30), st.integers(0, 30)), max_size=40)
)
def test_child_counts_equal_a_recount_after_any_writes(
    ops: list[tuple[str, int, int]],
) -> None:
    """Creates, re-parenting, trash and restore, deletes (children go with their parent) and a
    reload from a saved file, refused writes included: the index matches a full scan."""
    store = build_store(Identity())
    for op, pick, other in ops:
        with contextlib.suppress(ApiError):  # a refused write must leave the counts alone too
            store = _apply(store, op, pick, other)
        library = store.libraries["/users/1"]
        assert library.child_counts == recount(library)
        assert 0 not in library.child_counts.values()


def test_trashed_children_are_not_counted() -> None:
    store = build_store(Identity())
    library = store.libraries["/users/1"]
    _post(library, {"itemType": "book", "title": "parent"})
    parent = next(iter(library.items))
    _post(library, {"itemType": "note", "note": "a", "parentItem": parent})
    _post(library, {"itemType": "note", "note": "b", "parentItem": parent})
    note = list(library.items)[-1]
    _patch(library, note, {"deleted": 1})
    assert library.child_counts == Counter({parent: 1})
