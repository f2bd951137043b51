"""A property of every library: a snapshot kept up to date (by the writes' own snapshots and
incremental refreshes) is the library a full read sees, whatever another client did between
to items (not to collections: a collection deleted for good leaves its items without moving
their versions, so only a full read sees them leave it; see
``test_deleting_a_collection_leaves_its_items_versions_alone``).

This is what lets the engine keep its snapshot between runs (issue 16, item 5). A mixin of
:class:`~tests.contract.library_contract.LibraryContract`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from zotmark.core.port import Change, Snapshot
from zotmark.errors import PreconditionFailed

from .world import World

TAGS = st.sampled_from(["a", "b", "c"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("add")),
        st.tuples(st.just("app_title"), st.integers(0, 9)),
        st.tuples(st.just("app_tags"), st.integers(0, 9), st.lists(TAGS, max_size=2)),
        st.tuples(st.just("app_trash"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("app_delete"), st.integers(0, 9)),
        st.tuples(st.just("tag"), st.integers(0, 9), TAGS),
        st.tuples(st.just("trash"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("refresh")),
    ),
    min_size=1,
    max_size=8,
)


def _step(world: World, snapshot: Snapshot, keys: list[str], step: tuple[Any, ...]) -> Snapshot:
    """Take one step (another client's edit, or the port's write or refresh); the snapshot
    the port's user holds after it."""
    kind, *args = step
    key = keys[args[0] % len(keys)] if args and keys else None
    if kind == "add":
        keys.append(world.app_add({"itemType": "preprint", "title": world.name("p")}))
    elif kind == "refresh":
        return world.library.refresh(snapshot).snapshot
    elif key is None or world.data(key) is None:
        return snapshot
    elif kind == "app_title":
        world.app_edit(key, {"title": world.name("t")})
    elif kind == "app_tags":
        world.app_edit(key, {"tags": [{"tag": tag} for tag in sorted(set(args[1]))]})
    elif kind == "app_trash":
        world.app_edit(key, {"deleted": int(args[1])})
    elif kind == "app_delete":
        world.app_delete(key)
    else:
        change = Change(key, add_tags=frozenset({args[1]})) if kind == "tag" else None
        try:
            return world.library.apply(snapshot, [change or Change(key, trashed=args[1])]).snapshot
        except PreconditionFailed:
            return world.library.refresh(snapshot).snapshot
    return snapshot


class RefreshProperty:
    """The kept snapshot equals a full read; subclasses supply ``world`` (and may run fewer
    ``property_examples``, e.g. on a real server)."""

    property_examples = 25

    def test_kept_snapshot_is_what_a_full_read_sees(self, world: World) -> None:
        # given() on an inner function: one method inherited by every target would be one
        # hypothesis test run from several classes (HealthCheck.differing_executors)
        @settings(max_examples=self.property_examples, deadline=None)
        @given(steps=STEPS)
        def check(steps: list[tuple[Any, ...]]) -> None:
            keys = [world.app_add({"itemType": "preprint", "title": world.name("p")}) for _ in "ab"]
            snapshot = world.library.refresh(Snapshot()).snapshot
            for step in steps:
                snapshot = _step(world, snapshot, keys, step)
            kept = world.library.refresh(snapshot).snapshot
            assert kept == world.library.refresh(Snapshot()).snapshot

        check()
