"""ZoteroLibrary: the Zotero port over the Web API, against the sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from zotmark.core.identifiers import identify
from zotmark.core.model import ITEM_KEY_ALPHABET, Entry
from zotmark.core.port import Change, NewItem, Snapshot
from zotmark.errors import PreconditionFailed, ProtocolError, ZoteroError
from zotmark.sandbox import Sandbox
from zotmark.zotero.answers import ItemsPage
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary
from zotmark.zotero.mapping import new_item_data

from .fakes import FakeTime


@pytest.fixture
def library(client: ZoteroClient) -> ZoteroLibrary:
    return ZoteroLibrary(client)


def _new(collection: str, count: int, first: int = 0) -> list[NewItem]:
    writes = []
    for n in range(first, first + count):
        url = f"https://arxiv.org/abs/2105.{n:05d}"
        entry = Entry(line=n + 1, title=f"Paper {n}", url=url, ident=identify(f"Paper {n}", url))
        key = "NEW" + "".join(ITEM_KEY_ALPHABET[n // 33**i % 33] for i in (4, 3, 2, 1, 0))
        data = new_item_data(entry, key=key, collection=collection, tags={"read"})
        writes.append(NewItem(key, data))
    return writes


def _books(sandbox: Sandbox, count: int, **fields: Any) -> list[str]:
    return sandbox.add_items(
        [{"itemType": "book", "title": f"b{n}", **fields} for n in range(count)]
    )


@pytest.mark.parametrize(("count", "pages"), [(230, 3), (200, 2)])  # no empty page after a full one
def test_a_first_read_lists_the_library_in_pages_of_100(
    library: ZoteroLibrary, sandbox: Sandbox, count: int, pages: int
) -> None:
    keys = _books(sandbox, count)
    before = library.requests
    refreshed = library.refresh(Snapshot())
    assert library.requests - before == pages
    assert set(refreshed.snapshot.items) == set(keys) == set(refreshed.texts)
    assert refreshed.snapshot.version == sandbox.library_version()


def test_a_create_is_sent_under_the_key_of_its_write(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [write] = _new(sandbox.add_collection("L"), 1)
    applied = library.apply(Snapshot(sandbox.library_version()), [NewItem("ABCD2345", write.data)])
    assert [outcome.key for outcome in applied.outcomes] == ["ABCD2345"]
    assert applied.outcomes[0].ok and set(applied.snapshot.items) == {"ABCD2345"}


def test_a_created_item_holds_the_ident_its_write_names(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [write] = _new(sandbox.add_collection("L"), 1)
    ident = identify("Paper 0", "https://arxiv.org/abs/2105.00000")
    applied = library.apply(Snapshot(sandbox.library_version()), [replace(write, ident=ident)])
    assert applied.snapshot.items[write.key].ident is ident


def test_a_created_item_holds_the_key_string_its_write_was_sent_with(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [write] = _new(sandbox.add_collection("L"), 1)
    key = "".join(["ABCD", "2345"])  # a string of its own, no interned one
    applied = library.apply(Snapshot(sandbox.library_version()), [NewItem(key, write.data)])
    assert applied.snapshot.items[key].key is key


def test_a_created_item_whose_ident_differs_from_its_writes_keeps_its_own(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [write] = _new(sandbox.add_collection("L"), 1)
    other = identify("Another paper", "https://arxiv.org/abs/2105.99999")
    applied = library.apply(Snapshot(sandbox.library_version()), [replace(write, ident=other)])
    assert applied.snapshot.items[write.key].ident.arxiv == "2105.00000"


def test_a_snapshot_holds_only_regular_top_level_items(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [book] = _books(sandbox, 1)
    sandbox.add_items([{"itemType": "note", "note": "n", "parentItem": book}])
    sandbox.add_items([{"itemType": "note", "note": "standalone"}])
    assert set(library.refresh(Snapshot()).snapshot.items) == {book}


def test_an_unchanged_library_costs_one_request(library: ZoteroLibrary, sandbox: Sandbox) -> None:
    _books(sandbox, 3)
    snapshot = library.refresh(Snapshot()).snapshot
    before = library.requests
    assert library.refresh(snapshot).snapshot is snapshot
    assert library.requests - before == 1


def test_a_refresh_reads_only_what_changed_and_drops_what_was_deleted(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    kept, edited, deleted = _books(sandbox, 3)
    snapshot = library.refresh(Snapshot()).snapshot
    sandbox.update_item(edited, {"title": "edited"})
    sandbox.delete_item(deleted)
    refreshed = library.refresh(snapshot)
    assert refreshed.snapshot.items[edited].title == "edited"
    assert set(refreshed.texts) == {edited}
    assert refreshed.gone == {deleted}
    assert refreshed.snapshot.items[kept] is snapshot.items[kept]


def test_120_creates_take_3_chained_posts_one_outcome_each(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    writes = _new(sandbox.add_collection("L"), 120)
    start = library.refresh(Snapshot()).snapshot
    before = library.requests
    applied = library.apply(start, writes)
    assert library.requests - before == 3
    assert [o.key for o in applied.outcomes] == [w.key for w in writes]
    assert all(o.ok for o in applied.outcomes)
    assert applied.snapshot.version == sandbox.library_version()
    stored = sandbox.items()
    assert all(stored[o.key]["version"] == o.item.version for o in applied.outcomes if o.item)
    assert set(applied.texts) == {w.key for w in writes}


def test_a_change_keeps_the_users_other_tags_and_their_types(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [key] = _books(sandbox, 1, tags=[{"tag": "mine"}, {"tag": "auto", "type": 1}])
    snapshot = library.refresh(Snapshot()).snapshot
    library.apply(snapshot, [Change(key, add_tags=frozenset({"read"}))])
    tags = {(t["tag"], t.get("type", 0)) for t in sandbox.items()[key]["tags"]}
    assert tags == {("mine", 0), ("auto", 1), ("read", 0)}


def test_the_title_goes_into_the_types_own_title_field(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [key] = sandbox.add_items([{"itemType": "case", "caseName": "Old v. Old"}])
    snapshot = library.refresh(Snapshot()).snapshot
    [outcome] = library.apply(snapshot, [Change(key, title="New v. New")]).outcomes
    assert sandbox.items()[key]["caseName"] == "New v. New"
    assert outcome.item is not None and outcome.item.title == "New v. New"


def test_a_change_that_changes_nothing_lands_unsent(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [key] = _books(sandbox, 1, tags=[{"tag": "read"}])
    snapshot = library.refresh(Snapshot()).snapshot
    before = library.requests
    [outcome] = library.apply(snapshot, [Change(key, add_tags=frozenset({"read"}))]).outcomes
    assert outcome.ok and library.requests == before


def test_a_change_to_an_item_the_snapshot_lacks_is_refused_unsent(
    library: ZoteroLibrary,
) -> None:
    before = library.requests
    [outcome] = library.apply(Snapshot(), [Change("ABCD2345", trashed=True)]).outcomes
    assert (outcome.ok, outcome.code, library.requests) == (False, 404, before)


def test_a_refused_object_is_an_outcome_not_an_error(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    bad = NewItem("BADD2222", {"key": "BADD2222", "version": 0, "itemType": "preprint", "x": 1})
    [good] = _new(sandbox.add_collection("L"), 1)
    outcomes = library.apply(library.refresh(Snapshot()).snapshot, [bad, good]).outcomes
    assert [(o.ok, o.code) for o in outcomes] == [(False, 400), (True, 0)]


def test_a_library_moved_since_the_snapshot_is_a_precondition_failure(
    library: ZoteroLibrary, sandbox: Sandbox
) -> None:
    [key] = _books(sandbox, 1)
    snapshot = library.refresh(Snapshot()).snapshot
    _books(sandbox, 1)
    with pytest.raises(PreconditionFailed):
        library.apply(snapshot, [Change(key, trashed=True)])


Told = list[tuple[str, int, "int | None"]]


def test_a_big_write_is_reported_batch_by_batch(client: ZoteroClient, sandbox: Sandbox) -> None:
    told: Told = []
    library = ZoteroLibrary(client, progress=lambda *args: told.append(args))
    writes = _new(sandbox.add_collection("L"), 120)
    library.apply(library.refresh(Snapshot()).snapshot, writes)
    assert told == [("Writing items to Zotero", n, 120) for n in (0, 50, 100, 120)]


def test_a_write_of_one_batch_is_not_reported(client: ZoteroClient, sandbox: Sandbox) -> None:
    told: Told = []
    library = ZoteroLibrary(client, progress=lambda *args: told.append(args))
    writes = _new(sandbox.add_collection("L"), 50)
    library.apply(library.refresh(Snapshot()).snapshot, writes)
    assert told == []


def test_big_updates_and_reads_are_reported_too(client: ZoteroClient, sandbox: Sandbox) -> None:
    keys = _books(sandbox, 60)
    told: Told = []
    library = ZoteroLibrary(client, progress=lambda *args: told.append(args))
    snapshot = library.refresh(Snapshot()).snapshot
    snapshot = library.apply(snapshot, [Change(key, title="x") for key in keys]).snapshot
    for key in keys:
        sandbox.update_item(key, {"title": "z"})
    library.refresh(snapshot)
    assert [(what.split()[0], done) for what, done, _ in told if done == 60] == [
        ("Writing", 60),
        ("Reading", 60),
    ]


def test_a_429_on_a_later_batch_is_waited_out_and_resent(
    library: ZoteroLibrary, sandbox: Sandbox, fake_time: FakeTime
) -> None:
    writes = _new(sandbox.add_collection("L"), 120)
    sandbox.add_faults("429=7,after=1,method=POST,path=/items")
    outcomes = library.apply(library.refresh(Snapshot()).snapshot, writes).outcomes
    assert all(o.ok for o in outcomes) and len(sandbox.items()) == 120
    assert fake_time.sleeps == [7.0]


class MovingClient(ZoteroClient):
    """A client whose library gains an item right after each first page it reads, as long as
    ``moves`` lasts."""

    def __init__(self, sandbox: Sandbox, moves: int) -> None:
        super().__init__("user", sandbox.user_id, sandbox.api_key, sandbox.url)
        self.sandbox, self.moves = sandbox, moves

    def items_page(self, start: int, *, limit: int = 100) -> ItemsPage:
        page = super().items_page(start, limit=limit)
        if start == 0 and self.moves:
            self.moves -= 1
            _books(self.sandbox, 1)
        return page


def test_a_library_that_moves_between_pages_is_read_again_from_the_first(
    sandbox: Sandbox,
) -> None:
    _books(sandbox, 150)
    with MovingClient(sandbox, moves=1) as client:
        refreshed = ZoteroLibrary(client).refresh(Snapshot())
    assert len(refreshed.snapshot.items) == 151
    assert refreshed.snapshot.version == sandbox.library_version()


def test_a_library_that_keeps_moving_while_it_is_read_is_an_error_saying_so(
    sandbox: Sandbox,
) -> None:
    _books(sandbox, 150)
    with MovingClient(sandbox, moves=3) as client, pytest.raises(ZoteroError) as caught:
        ZoteroLibrary(client).refresh(Snapshot())
    assert "kept changing while zotmark read it" in caught.value.message


class ForgetfulClient(ZoteroClient):
    """A client (or a proxy before the server) that returns no item when asked for some."""

    def fetch_items(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        super().fetch_items(keys)
        return []


def test_changed_items_the_server_does_not_return_are_a_protocol_error_naming_them(
    sandbox: Sandbox,
) -> None:
    [key] = _books(sandbox, 1)
    with ForgetfulClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
        library = ZoteroLibrary(client)
        snapshot = library.refresh(Snapshot()).snapshot
        sandbox.update_item(key, {"title": "edited"})
        with pytest.raises(ProtocolError) as caught:
            library.refresh(snapshot)
    assert f"listed 1 changed item(s) ({key})" in caught.value.message
