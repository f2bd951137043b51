"""The contract of the Zotero port (:class:`~zotmark.core.port.Library`), one suite for every
implementation (anchor: vdirsyncer ``tests/storage/__init__.py``).

:class:`LibraryContract` holds the behaviour tests; each target is a small subclass that
supplies the ``world`` fixture (:class:`~tests.contract.world.World`): the twin, the sandbox
through ``ZoteroLibrary``, a real server. The tests only look at items and collections they
made, so they hold on a library that is not empty.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from zotmark.core.port import Applied, Change, Library, NewItem, Snapshot, Write
from zotmark.errors import PreconditionFailed

from .refresh_property import RefreshProperty
from .world import World

LONG_TITLE = "日" * 30_000  # 90,000 UTF-8 bytes: over the server's 65,535 (session 3, s10x)


def preprint(title: str, **fields: Any) -> dict[str, Any]:
    """The data of a preprint titled ``title``, with more ``fields``."""
    return {"itemType": "preprint", "title": title, **fields}


def new_item(key: str, data: dict[str, Any]) -> NewItem:
    """A keyed create of ``data`` under ``key`` (the data carries ``key`` and ``"version": 0``,
    as ``mapping.new_item_data`` builds it)."""
    return NewItem(key, {**data, "key": key, "version": 0})


def current(library: Library) -> Snapshot:
    """The library's whole snapshot, read from scratch."""
    return library.refresh(Snapshot()).snapshot


def tag_pairs(data: dict[str, Any] | None) -> set[tuple[str, int]]:
    """An item's tags as ``(name, type)`` pairs (type 0 when the server omits it)."""
    assert data is not None
    return {(tag["tag"], int(tag.get("type", 0))) for tag in data["tags"]}


def change(world: World, snapshot: Snapshot, *changes: Change) -> Applied:
    """Apply ``changes`` to ``snapshot`` and require every one to land."""
    applied = world.library.apply(snapshot, changes)
    assert all(outcome.ok for outcome in applied.outcomes), applied.outcomes
    return applied


class LibraryContract(RefreshProperty):
    """Behaviour every :class:`~zotmark.core.port.Library` shows; subclasses supply ``world``."""

    @pytest.fixture
    def world(self) -> World:
        raise NotImplementedError("a target supplies its world")

    # --- reading ---------------------------------------------------------------------------

    def test_refresh_from_empty_reads_every_item(self, world: World) -> None:
        keys = {world.app_add(preprint(world.name("read"))) for _ in range(3)}
        refreshed = world.library.refresh(Snapshot())
        assert keys <= refreshed.snapshot.items.keys()
        assert keys <= refreshed.texts.keys()

    def test_refresh_from_empty_includes_trashed_items(self, world: World) -> None:
        key = world.app_add(preprint(world.name("trashed"), deleted=1))
        assert current(world.library).items[key].deleted

    def test_refresh_leaves_out_child_notes(self, world: World) -> None:
        parent = world.app_add(preprint(world.name("parent")))
        note = world.app_add({"itemType": "note", "note": "<p>n</p>", "parentItem": parent})
        assert note not in current(world.library).items

    def test_refresh_from_empty_ends_at_the_library_version(self, world: World) -> None:
        world.app_add(preprint(world.name("versioned")))
        snapshot = current(world.library)
        assert world.library.version_after(snapshot.version) is None

    def test_refresh_after_no_change_returns_the_same_snapshot(self, world: World) -> None:
        world.app_add(preprint(world.name("still")))
        snapshot = current(world.library)
        assert world.library.refresh(snapshot).snapshot == snapshot

    # The request counts below are the floors engine tests assert on the twin: the same here.

    def test_refresh_after_no_change_costs_one_request(self, world: World) -> None:
        world.app_add(preprint(world.name("cheap")))
        snapshot = current(world.library)
        before = world.library.requests
        world.library.refresh(snapshot)
        assert world.library.requests - before == 1

    def test_version_after_costs_one_request(self, world: World) -> None:
        before = world.library.requests
        world.library.version_after(0)
        assert world.library.requests - before == 1

    def test_refresh_of_one_changed_item_costs_three_requests(self, world: World) -> None:
        key = world.app_add(preprint(world.name("edited")))
        snapshot = current(world.library)
        world.app_edit(key, {"title": world.name("edited again")})
        before = world.library.requests
        world.library.refresh(snapshot)  # the versions, the item, the keys deleted
        assert world.library.requests - before == 3

    def test_version_after_answers_the_new_version_once_the_library_moved(
        self, world: World
    ) -> None:
        key = world.app_add(preprint(world.name("moving")))
        snapshot = current(world.library)
        world.app_edit(key, {"title": world.name("moved")})
        assert (world.library.version_after(snapshot.version) or 0) > snapshot.version

    def test_refresh_reads_an_item_another_client_changed(self, world: World) -> None:
        key = world.app_add(preprint(world.name("before")))
        snapshot = current(world.library)
        title = world.name("after")
        world.app_edit(key, {"title": title})
        refreshed = world.library.refresh(snapshot)
        assert refreshed.snapshot.items[key].title == title
        assert key in refreshed.texts

    def test_refresh_reads_an_item_another_client_added(self, world: World) -> None:
        snapshot = current(world.library)
        key = world.app_add(preprint(world.name("theirs")))
        assert key in world.library.refresh(snapshot).snapshot.items

    def test_item_another_client_trashed_stays_in_the_snapshot_as_deleted(
        self, world: World
    ) -> None:
        key = world.app_add(preprint(world.name("binned")))
        snapshot = current(world.library)
        world.app_edit(key, {"deleted": 1})
        assert world.library.refresh(snapshot).snapshot.items[key].deleted

    def test_texts_are_the_json_of_the_items_read(self, world: World) -> None:
        key = world.app_add(preprint(world.name("text")))
        refreshed = world.library.refresh(Snapshot())
        text = json.loads(refreshed.texts[key])
        assert (text["key"], text["version"]) == (key, refreshed.snapshot.items[key].version)

    def test_item_deleted_by_another_client_disappears_at_next_refresh(self, world: World) -> None:
        key = world.app_add(preprint(world.name("doomed")))
        snapshot = current(world.library)
        world.app_delete(key)
        refreshed = world.library.refresh(snapshot)
        assert key not in refreshed.snapshot.items
        assert key in refreshed.gone

    def test_item_deleted_since_a_version_0_snapshot_is_gone_from_its_whole_read(
        self, world: World
    ) -> None:
        """A snapshot at version 0 that holds items (the state's copy a run killed before its
        commit stored) is read whole: its items deleted since are gone, not kept."""
        key = world.app_add(preprint(world.name("doomed")))
        held = current(world.library).items
        world.app_delete(key)
        refreshed = world.library.refresh(Snapshot(0, held))
        assert key not in refreshed.snapshot.items
        assert key in refreshed.gone

    # --- creating --------------------------------------------------------------------------

    def test_create_outcome_carries_the_item_at_its_new_version(self, world: World) -> None:
        snapshot, key, title = current(world.library), world.new_key(), world.name("new")
        applied = world.library.apply(snapshot, [new_item(key, preprint(title))])
        (outcome,) = applied.outcomes
        assert outcome.item is not None
        assert (outcome.item.key, outcome.item.title) == (key, title)
        assert outcome.item.version > snapshot.version

    def test_snapshot_after_a_create_holds_the_item(self, world: World) -> None:
        snapshot, key = current(world.library), world.new_key()
        applied = world.library.apply(snapshot, [new_item(key, preprint(world.name("held")))])
        assert applied.snapshot.items[key] == applied.outcomes[0].item

    def test_texts_after_a_create_are_the_json_of_the_item_written(self, world: World) -> None:
        key = world.new_key()
        applied = world.library.apply(current(world.library), [new_item(key, preprint("t"))])
        text = json.loads(applied.texts[key])
        assert (text["key"], text["version"]) == (key, applied.snapshot.items[key].version)

    def test_a_text_sink_is_told_each_batch_texts_as_it_lands(self, world: World) -> None:
        writes = [new_item(world.new_key(), preprint(world.name("sunk"))) for _ in range(51)]
        told: list[set[str]] = []
        applied = world.library.apply(
            current(world.library), writes, texts=lambda texts: told.append(set(texts))
        )
        assert told == [{w.key for w in writes[:50]}, {writes[50].key}]
        assert not applied.texts  # (the sink has them)

    def test_creates_beyond_50_go_in_a_second_request(self, world: World) -> None:
        snapshot = current(world.library)
        writes = [new_item(world.new_key(), preprint(world.name("bulk"))) for _ in range(51)]
        before = world.library.requests
        applied = world.library.apply(snapshot, writes)
        assert world.library.requests - before == 2
        assert all(outcome.ok for outcome in applied.outcomes)

    def test_snapshot_after_apply_is_the_library_as_it_is(self, world: World) -> None:
        snapshot, key = current(world.library), world.new_key()
        applied = world.library.apply(snapshot, [new_item(key, preprint(world.name("now")))])
        assert world.library.refresh(applied.snapshot).snapshot == applied.snapshot

    def test_each_create_of_a_batch_gets_its_own_version(self, world: World) -> None:
        snapshot = current(world.library)
        writes = [new_item(world.new_key(), preprint(world.name("batch"))) for _ in range(3)]
        applied = world.library.apply(snapshot, writes)
        versions = [outcome.item.version for outcome in applied.outcomes if outcome.item]
        assert versions == sorted(set(versions)) and len(versions) == 3
        assert applied.snapshot.version >= versions[-1]

    def test_repeated_keyed_create_does_not_duplicate(self, world: World) -> None:
        key, title = world.new_key(), world.name("once")
        first = world.library.apply(current(world.library), [new_item(key, preprint(title))])
        again = world.library.apply(first.snapshot, [new_item(key, preprint(title))])
        assert again.outcomes[0].item == first.outcomes[0].item
        titles = [item.title for item in current(world.library).items.values()]
        assert titles.count(title) == 1

    def test_repeated_keyed_create_costs_two_requests(self, world: World) -> None:
        key, title = world.new_key(), world.name("twice")
        first = world.library.apply(current(world.library), [new_item(key, preprint(title))])
        before = world.library.requests
        world.library.apply(first.snapshot, [new_item(key, preprint(title))])
        assert world.library.requests - before == 2  # the refused create, the read-back

    def test_new_item_with_a_field_its_type_lacks_is_refused_400(self, world: World) -> None:
        data = {"itemType": "webpage", "title": world.name("web"), "repository": "arXiv"}
        applied = world.library.apply(current(world.library), [new_item(world.new_key(), data)])
        assert applied.outcomes[0].code == 400

    def test_new_item_with_an_over_long_title_is_refused_413(self, world: World) -> None:
        key = world.new_key()
        applied = world.library.apply(current(world.library), [new_item(key, preprint(LONG_TITLE))])
        assert (applied.outcomes[0].ok, applied.outcomes[0].code) == (False, 413)
        assert world.data(key) is None

    # --- changing --------------------------------------------------------------------------

    def test_tag_change_keeps_the_other_tags_and_their_types(self, world: World) -> None:
        tags = [{"tag": "auto", "type": 1}, {"tag": "mine"}, {"tag": "old"}]
        key = world.app_add(preprint(world.name("tagged"), tags=tags))
        wanted = Change(key, add_tags=frozenset({"new"}), remove_tags=frozenset({"old"}))
        change(world, current(world.library), wanted)
        assert tag_pairs(world.data(key)) == {("auto", 1), ("mine", 0), ("new", 0)}

    def test_title_goes_into_the_types_own_title_field(self, world: World) -> None:
        key = world.app_add({"itemType": "case", "caseName": world.name("Old v. Old")})
        title = world.name("New v. New")
        applied = change(world, current(world.library), Change(key, title=title))
        assert applied.snapshot.items[key].title == title
        data = world.data(key)
        assert data is not None and data["caseName"] == title and "title" not in data

    def test_change_to_what_the_item_already_holds_lands_unchanged(self, world: World) -> None:
        title = world.name("same")
        key = world.app_add(preprint(title))
        snapshot = current(world.library)
        applied = change(world, snapshot, Change(key, title=title))
        assert applied.outcomes[0].item == snapshot.items[key]
        assert world.library.version_after(applied.snapshot.version) is None

    def test_trashed_item_stays_in_the_snapshot_as_deleted(self, world: World) -> None:
        key = world.app_add(preprint(world.name("to trash")))
        applied = change(world, current(world.library), Change(key, trashed=True))
        assert applied.snapshot.items[key].deleted
        assert current(world.library).items[key].deleted

    def test_restored_item_leaves_the_trash(self, world: World) -> None:
        key = world.app_add(preprint(world.name("to restore"), deleted=1))
        applied = change(world, current(world.library), Change(key, trashed=False))
        assert not applied.snapshot.items[key].deleted
        assert not current(world.library).items[key].deleted

    def test_joining_a_collection_keeps_the_others(self, world: World) -> None:
        first = world.library.collection_key(world.name("first"), create=True)
        second = world.library.collection_key(world.name("second"), create=True)
        assert first and second
        key = world.app_add(preprint(world.name("filed"), collections=[first]))
        applied = change(world, current(world.library), Change(key, add_collection=second))
        assert applied.snapshot.items[key].collections == {first, second}

    def test_leaving_a_collection_keeps_the_others(self, world: World) -> None:
        first = world.library.collection_key(world.name("first"), create=True)
        second = world.library.collection_key(world.name("second"), create=True)
        assert first and second
        key = world.app_add(preprint(world.name("filed"), collections=[first, second]))
        applied = change(world, current(world.library), Change(key, remove_collection=first))
        assert applied.snapshot.items[key].collections == {second}
        assert applied.snapshot.members(second) >= {key}

    def test_joining_a_missing_collection_is_refused_409(self, world: World) -> None:
        key = world.app_add(preprint(world.name("homeless")))
        missing = world.new_key()
        applied = world.library.apply(current(world.library), [Change(key, add_collection=missing)])
        assert (applied.outcomes[0].ok, applied.outcomes[0].code) == (False, 409)

    def test_deleting_a_collection_leaves_its_items_versions_alone(self, world: World) -> None:
        doomed = world.app_add_collection(world.name("doomed"))
        key = world.app_add(preprint(world.name("member"), collections=[doomed]))
        before = current(world.library).items[key]
        world.app_delete_collection(doomed)
        after = current(world.library).items[key]
        assert (after.version, after.collections) == (before.version, frozenset())

    def test_collection_deleted_by_another_client_is_named_at_next_refresh(
        self, world: World
    ) -> None:
        doomed = world.app_add_collection(world.name("doomed"))
        world.app_add(preprint(world.name("member"), collections=[doomed]))
        snapshot = current(world.library)
        world.app_delete_collection(doomed)
        assert doomed in world.library.refresh(snapshot).collections_gone

    def test_refused_write_is_a_value_and_the_rest_of_the_batch_lands(self, world: World) -> None:
        refused = world.app_add(preprint(world.name("refused")))
        landed = world.app_add(preprint(world.name("landed")))
        snapshot = current(world.library)
        writes = [Change(refused, title=LONG_TITLE), Change(landed, add_tags=frozenset({"x"}))]
        applied = world.library.apply(snapshot, writes)
        assert [(o.ok, o.code) for o in applied.outcomes] == [(False, 413), (True, 0)]
        assert "x" in applied.snapshot.items[landed].tags
        assert applied.snapshot.items[refused] == snapshot.items[refused]

    def test_change_of_an_item_the_snapshot_lacks_is_refused_404(self, world: World) -> None:
        snapshot = current(world.library)
        applied = world.library.apply(snapshot, [Change(world.new_key(), trashed=True)])
        assert (applied.outcomes[0].ok, applied.outcomes[0].code) == (False, 404)

    def test_outcomes_come_in_the_order_of_the_writes(self, world: World) -> None:
        old = world.app_add(preprint(world.name("old")))
        snapshot, new = current(world.library), world.new_key()
        writes: list[Write] = [
            Change(old, add_tags=frozenset({"x"})),
            new_item(new, preprint(world.name("n"))),
        ]
        applied = world.library.apply(snapshot, writes)
        assert [outcome.key for outcome in applied.outcomes] == [old, new]

    def test_stale_snapshot_raises_precondition_failed(self, world: World) -> None:
        key = world.app_add(preprint(world.name("stale")))
        snapshot = current(world.library)
        world.app_edit(key, {"title": world.name("meanwhile")})
        with pytest.raises(PreconditionFailed):
            world.library.apply(snapshot, [Change(key, add_tags=frozenset({"x"}))])

    def test_stale_snapshot_applies_nothing(self, world: World) -> None:
        key = world.app_add(preprint(world.name("stale")))
        snapshot, new = current(world.library), world.new_key()
        world.app_edit(key, {"title": world.name("meanwhile")})
        writes: list[Write] = [new_item(new, preprint(world.name("x"))), Change(key, trashed=True)]
        with pytest.raises(PreconditionFailed):
            world.library.apply(snapshot, writes)
        data = world.data(key)
        assert world.data(new) is None and data is not None and not data.get("deleted")

    def test_applying_one_change_costs_one_request(self, world: World) -> None:
        key = world.app_add(preprint(world.name("one")))
        snapshot = current(world.library)
        before = world.library.requests
        change(world, snapshot, Change(key, add_tags=frozenset({"x"})))
        assert world.library.requests - before == 1

    # --- collections -----------------------------------------------------------------------

    def test_collection_key_is_none_for_a_missing_name_unless_asked_to_create(
        self, world: World
    ) -> None:
        assert world.library.collection_key(world.name("missing"), create=False) is None

    def test_collection_key_creates_a_missing_collection_when_asked(self, world: World) -> None:
        name = world.name("made")
        key = world.library.collection_key(name, create=True)
        assert key is not None
        assert world.library.collection_key(name, create=False) == key

    def test_collection_key_passes_over_a_trashed_collection(self, world: World) -> None:
        name = world.name("binned")
        world.app_add_collection(name, trashed=True)
        assert world.library.collection_key(name, create=False) is None

    def test_collection_key_finds_a_collection_by_its_key(self, world: World) -> None:
        key = world.library.collection_key(world.name("keyed"), create=True)
        assert key is not None
        assert world.library.collection_key(key, create=False) == key
