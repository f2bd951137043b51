"""sandbox.views: indexed item listings select and order exactly as a scan of the library does.

The reference is the listing as it was computed before the views: every item checked against
the scope and the filters, then sorted and paged. Random writes (creates, children, trash,
collections, deletes, tag deletes, concurrent touches) interleave with random listings, with the
views kept for any selection size and the catch-up and change-log limits made small or large.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zotmark.sandbox import model, views
from zotmark.sandbox.backdoor import touch
from zotmark.sandbox.deletes import delete_many, delete_single
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.harness import Identity, build_store
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.query import ListParams
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.selection import matches, page, sort_objects
from zotmark.sandbox.store import Store
from zotmark.sandbox.tags_settings import delete_tags
from zotmark.sandbox.writes import write_many, write_single

SCOPES = ("all", "top", "trash", "children", "collection", "collection-top")
SORTS = ("dateModified", "title", "dateAdded", "creator", "itemType")
WRITES = (
    *("create", "child", "file", "title") * 3,
    *("collection", "unfile", "trash", "restore", "move", "touch") * 2,
    *("delete", "delete_many", "delete_collection", "delete_tag"),
)


def reference(
    library: Library, scope: str, anchor: str | None, params: ListParams
) -> tuple[list[str], int]:
    """The page and total as a scan of the whole library gives them."""
    items = library.items
    chosen = []
    for item in items.values():
        data = item.data
        parent = data.get("parentItem")
        if scope.endswith("top") and parent:
            continue
        if scope == "trash":
            if not data.get("deleted"):
                continue
        elif data.get("deleted") and not params.include_trashed:
            continue
        if scope.startswith("collection") and anchor not in data.get("collections", ()):
            owner = items.get(parent) if parent else None
            if (
                scope.endswith("top")
                or owner is None
                or anchor not in owner.data.get("collections", ())
            ):
                continue
        if scope == "children" and parent != anchor:
            continue
        if (params.keys is None or item.key in params.keys) and matches(item, params):
            chosen.append(item)
    ordered = sort_objects(chosen, params)
    return [o.key for o in page(ordered, params)], len(ordered)


class World:
    """A library, a clock with coarse (often equal) timestamps, and the writes to apply."""

    def __init__(self) -> None:
        self.tick = 0
        self.store: Store = build_store(Identity())
        self.store.clock = self._clock  # type: ignore[assignment]
        self.library = self.store.libraries["/users/1"]

    def _clock(self) -> Any:
        from datetime import UTC, datetime

        return datetime(2026, 1, 1, 0, 0, self.tick % 4, tzinfo=UTC)

    def now(self) -> str:
        self.tick += 1
        return self.store.now()

    def pick(self, objects: dict[str, StoredObject], n: int) -> str | None:
        keys = list(objects)
        return keys[n % len(keys)] if keys else None

    def post(self, uploads: list[dict[str, Any]], kind: str = "items") -> dict[str, Any]:
        report = write_many(
            self.library, kind, uploads, library_header=None, now=self.now(), schema=load_schema()
        )
        return report.failed

    def patch(self, key: str, body: dict[str, Any]) -> None:
        item = self.library.items[key]
        write_single(
            self.library, "items", key, body, header=item.version, method="PATCH",
            now=self.now(), schema=load_schema(),
        )  # fmt: skip

    def write(self, op: str, n: int, m: int) -> None:
        library = self.library
        key = self.pick(library.items, n)
        collection = self.pick(library.collections, m)
        title = "abc"[m % 3] + "xyz"[n % 3]
        if op == "create" or key is None:
            item: dict[str, Any] = {"itemType": ("book", "webpage")[n % 2], "title": title}
            item["tags"] = [{"tag": t} for t in ("a", "b")[: m % 3]]
            if collection and n % 2:
                item["collections"] = [collection]
            if m % 5 == 0:
                item["creators"] = [{"creatorType": "author", "firstName": "", "lastName": title}]
            assert self.post([item]) == {}
        elif op == "child":
            tops = {k: o for k, o in library.items.items() if o.data["itemType"] != "note"}
            parent = self.pick(tops, n)
            self.post([{"itemType": "note", "note": title, "parentItem": parent}])
        elif op == "title":
            self.patch(key, {"title": title})
        elif op in ("trash", "restore"):
            self.patch(key, {"deleted": 1 if op == "trash" else 0})
        elif op == "file" and collection:
            self.patch(key, {"collections": [collection]})
        elif op == "unfile":
            self.patch(key, {"collections": []})
        elif op == "move":
            other = self.pick(library.items, m)
            self.patch(key, {"parentItem": other})
        elif op == "delete":
            delete_single(library, "items", key, library.items[key].version)
        elif op == "delete_many":
            delete_many(library, "items", [key, self.pick(library.items, m) or key], None)
        elif op == "collection":
            assert self.post([{"name": title}], "collections") == {}
        elif op == "delete_collection" and collection:
            delete_single(
                library, "collections", collection, library.collections[collection].version
            )
        elif op == "delete_tag":
            delete_tags(library, ["a"], library.version)
        elif op == "touch":
            self.now()
            touch(self.store, library, key if n % 2 else None)

    def common(self) -> list[tuple[str, str | None, ListParams]]:
        """Each scope with default parameters, on the first few anchors."""
        library = self.library
        out: list[tuple[str, str | None, ListParams]] = [
            (scope, None, ListParams(limit=0)) for scope in ("all", "top", "trash")
        ]
        for scope in ("children", "collection", "collection-top"):
            objects = library.items if scope == "children" else library.collections
            for anchor in list(objects)[:2]:
                out.append((scope, anchor, ListParams(limit=0)))
        return out

    def query(self, draw: Any) -> tuple[str, str | None, ListParams]:
        library = self.library
        scope = draw(st.sampled_from(SCOPES))
        anchor = None
        if scope == "children":
            anchor = self.pick(library.items, draw(st.integers(0, 2))) or "AAAAAAAA"
        elif scope.startswith("collection"):
            anchor = self.pick(library.collections, draw(st.integers(0, 1))) or "AAAAAAAA"
        rare = draw(st.integers(0, 3)) == 0  # mostly the same few selections: views are reused
        params = ListParams(
            sort=draw(st.sampled_from(SORTS)) if rare else "dateModified",
            direction=draw(st.sampled_from(("asc", "desc"))),
            start=draw(st.sampled_from((0, 0, 1, 3))),
            limit=draw(st.sampled_from((0, 2, 25))),
            include_trashed=draw(st.booleans()) if rare else False,
            since=draw(st.sampled_from((None, 0, library.version // 2))) if rare else None,
            tags=draw(st.sampled_from(([], [["a"]], [["-a"]], [["a || b"]]))) if rare else [],
            item_type=draw(st.sampled_from(("", "note", "-note", "book || webpage")))
            if rare
            else "",
        )
        if params.tags == [["a || b"]]:
            params.tags = [["a", "b"]]
        if draw(st.integers(0, 9)) == 0:
            params.keys = [self.pick(library.items, i) or "AAAAAAAA" for i in range(0, 9, 4)]
        return scope, anchor, params


@settings(max_examples=max(settings.default.max_examples, 200), deadline=None)
@given(
    st.data(),
    st.lists(
        st.tuples(st.sampled_from(WRITES), st.integers(0, 5), st.integers(0, 5)),
        min_size=10,
        max_size=80,
    ),
    st.sampled_from((0, 1000, 1000)),
    st.sampled_from((6, 100_000, 100_000)),
    st.sampled_from((2, 100, 100)),
)
def test_views_list_what_a_scan_lists(
    data: st.DataObject,
    writes: list[tuple[str, int, int]],
    catch_up: int,
    log_size: int,
    max_views: int,
) -> None:
    """After any writes, with views for every selection (kept, caught up, rebuilt or evicted),
    every listing's page and total equal the scan's."""
    world = World()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "VIEW_MIN", 0)
        patch.setattr(views, "MAX_VIEWS", max_views)
        patch.setattr(views, "CATCH_UP_MIN", catch_up)
        patch.setattr(model, "CHANGE_LOG_SIZE", log_size)
        for op, n, m in writes:
            with contextlib.suppress(ApiError):  # refused writes change nothing
                world.write(op, n, m)
            queries = [world.query(data.draw) for _ in range(data.draw(st.integers(0, 2)))]
            if data.draw(st.booleans()):  # every common selection: views follow each write
                queries += world.common()
            for scope, anchor, params in queries:
                selection = views.select_items(world.library, scope, anchor, params)
                got = ([o.key for o in selection.page(params)], selection.total)
                assert got == reference(world.library, scope, anchor, params)


def test_a_page_of_a_large_library_reads_a_kept_view() -> None:
    """The second page of a listing does not scan the library again: the view is kept, and a
    write in between is caught up from the change log."""
    world = World()
    world.post([{"itemType": "book", "title": f"t{i}"} for i in range(50)])
    for _ in range(20):
        world.post([{"itemType": "book", "title": f"t{i}"} for i in range(50)])
    library = world.library
    params = ListParams(limit=100)
    first = views.select_items(library, "all", None, params)
    assert first.total == 1050 and len(library.views) == 1
    view = next(iter(library.views.values()))
    world.patch(next(iter(library.items)), {"title": "changed"})
    params.start = 100
    second = views.select_items(library, "all", None, params)
    assert next(iter(library.views.values())) is view  # caught up, not rebuilt
    assert [o.key for o in second.page(params)] == reference(library, "all", None, params)[0]


def test_children_follow_their_parent_into_and_out_of_a_collection() -> None:
    """``/collections/<key>/items`` lists the children of the items filed there: filing or
    unfiling a parent moves its children in or out of a kept view too."""
    world = World()
    world.post([{"itemType": "book", "title": "parent"}])
    world.post([{"name": "c"}], "collections")
    parent, collection = next(iter(world.library.items)), next(iter(world.library.collections))
    world.post([{"itemType": "note", "note": "n", "parentItem": parent}])
    params = ListParams(limit=0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "VIEW_MIN", 0)
        for collections in ([], [collection], []):
            world.patch(parent, {"collections": collections})
            selection = views.select_items(world.library, "collection", collection, params)
            got = ([o.key for o in selection.page(params)], selection.total)
            assert got == reference(world.library, "collection", collection, params)
            assert selection.total == 2 * len(collections)
