"""The StateStore contract, run against every implementation (memory and SQLite)."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from tests.state.state_helpers import ExplodingFlags, Flavour, record

from zotmark.core.model import Refusal
from zotmark.errors import StateError
from zotmark.state import (
    CiteKey,
    ListHead,
    ListState,
    RunStatus,
    StateStore,
    SyncMark,
)
from zotmark.state.commit import PendingCreate, RunCommit

LIST = "reading-list"
OK = RunStatus("2026-01-01T10:00:00+00:00", "2026-01-01T10:00:02+00:00", True, None, "2 created")
FAILED = RunStatus("2026-01-02T10:00:00+00:00", "2026-01-02T10:00:01+00:00", False, "HTTP 503")


def pending(key: str, title: str = "A paper") -> PendingCreate:
    return PendingCreate(key, f"arxiv:{key}", title)


def test_a_list_never_written_loads_empty(store: StateStore) -> None:
    """An unknown list reads as library version 0 with nothing in it."""
    assert store.load(LIST) == ListState(name=LIST)


def test_records_round_trip_with_every_field(store: StateStore) -> None:
    """Records come back equal, including a missing URL, no flags and several flags."""
    records = {
        "AAAA2222": record("AAAA2222", state="x", item_version=2**40, item_title="Canonical"),
        "BBBB3333": record("BBBB3333", url=None, flags={}),
        "CCCC4444": record(
            "CCCC4444", title="Ünïcode ✓ \"quoted\" 'x'", flags={"a": False, "b": True}
        ),
    }
    store.commit_run(LIST, RunCommit(library_version=12, record_upserts=records))
    state = store.load(LIST)
    assert state.library_version == 12
    assert dict(state.records) == records


def test_record_upsert_replaces_and_delete_removes(store: StateStore) -> None:
    """An upsert replaces a whole record, a delete removes it, deleting a missing key is a no-op."""
    store.commit_run(LIST, RunCommit(record_upserts={"A": record("A"), "B": record("B")}))
    store.commit_run(
        LIST,
        RunCommit(record_upserts={"A": record("A", state="x")}, record_deletes={"B", "ZZZZ"}),
    )
    assert dict(store.load(LIST).records) == {"A": record("A", state="x")}


def test_library_version_none_keeps_the_stored_one(store: StateStore) -> None:
    """A commit without a library version leaves the stored one unchanged."""
    store.commit_run(LIST, RunCommit(library_version=40))
    store.commit_run(LIST, RunCommit(mirror_upserts={"K": "{}"}))
    assert store.load(LIST).library_version == 40


def test_pending_creates_round_trip_and_same_key_replaces(store: StateStore) -> None:
    """Pending creates read back equal; re-adding a key replaces its create."""
    store.add_pending(LIST, [pending("P1"), pending("P2")])
    store.add_pending(LIST, [pending("P2", title="Retitled")])
    assert dict(store.load(LIST).pending) == {"P1": pending("P1"), "P2": pending("P2", "Retitled")}


def test_a_key_given_twice_in_one_call_keeps_the_later_create(store: StateStore) -> None:
    """Within one ``add_pending`` call the later of two creates with the same key wins."""
    store.add_pending(LIST, [pending("P2", title="First"), pending("P1"), pending("P2", "Last")])
    assert dict(store.load(LIST).pending) == {"P1": pending("P1"), "P2": pending("P2", "Last")}


def test_many_rows_in_random_key_order_round_trip(store: StateStore) -> None:
    """Records, mirror texts, pending creates and their deletes, many and in no key order."""
    keys = [f"K{(i * 7919) % 1000:04d}" for i in range(1000)]
    store.add_pending(LIST, [pending(key) for key in keys])
    store.commit_run(
        LIST,
        RunCommit(
            record_upserts={key: record(key) for key in keys},
            mirror_upserts={key: f'{{"key": "{key}"}}' for key in keys},
            resolved_pending=frozenset(keys[::2]),
        ),
    )
    store.commit_run(LIST, RunCommit(record_deletes=frozenset(keys[1::3])))
    state = store.load(LIST)
    assert dict(state.records) == {key: record(key) for key in keys if key not in keys[1::3]}
    assert dict(state.mirror) == {key: f'{{"key": "{key}"}}' for key in keys}
    assert dict(state.pending) == {key: pending(key) for key in keys[1::2]}


def test_truthy_flag_values_are_stored_as_booleans(store: StateStore) -> None:
    """A record's flag values are kept as ``bool`` whatever truthy value came."""
    odd = record("A", flags={"relevant": 1, "other": 0})
    store.commit_run(LIST, RunCommit(record_upserts={"A": odd}))
    stored = store.load(LIST).records["A"]
    assert dict(stored.flags) == {"relevant": True, "other": False}
    assert all(type(value) is bool for value in stored.flags.values())


@pytest.mark.parametrize("state", [" ", "/", "x", "-"])
def test_a_records_reading_state_round_trips(store: StateStore, state: str) -> None:
    """Each of the four reading states a record keeps comes back as it went in."""
    store.commit_run(LIST, RunCommit(record_upserts={"A": record("A", state=state)}))
    assert store.load(LIST).records["A"].state == state


def test_resolved_pending_creates_are_removed_with_the_run(store: StateStore) -> None:
    """A commit's resolved keys leave the pending set; unknown keys are ignored."""
    store.add_pending(LIST, [pending("P1"), pending("P2")])
    store.commit_run(
        LIST, RunCommit(record_upserts={"P1": record("P1")}, resolved_pending={"P1", "NOPE"})
    )
    state = store.load(LIST)
    assert set(state.pending) == {"P2"}
    assert set(state.records) == {"P1"}


def test_mirror_upserts_and_deletes(store: StateStore) -> None:
    """Mirror JSON text is kept verbatim, replaced by an upsert and removed by a delete."""
    store.commit_run(LIST, RunCommit(mirror_upserts={"A": '{"version": 3}', "B": '{"x": 1}'}))
    store.commit_run(LIST, RunCommit(mirror_upserts={"A": '{"version": 4}'}, mirror_deletes={"B"}))
    assert dict(store.load(LIST).mirror) == {"A": '{"version": 4}'}


def test_a_load_without_texts_holds_everything_but_the_mirror(store: StateStore) -> None:
    """``load(texts=False)`` is the state with an empty mirror."""
    store.commit_run(LIST, RunCommit(2, {"A": record("A")}, mirror_upserts={"A": '{"x": 1}'}))
    whole = store.load(LIST)
    assert whole.mirror and store.load(LIST, texts=False) == whole._replace(mirror={})


def test_the_mirror_texts_are_read_in_key_order_batch_after_batch(store: StateStore) -> None:
    """``mirror_texts`` yields every text, in key order, however many there are."""
    texts = {f"K{n:05d}": f'{{"n": {n}}}' for n in range(2345)}
    store.commit_run(LIST, RunCommit(mirror_upserts=dict(reversed(texts.items()))))
    store.commit_run("other", RunCommit(mirror_upserts={"K00001": "{}"}))
    assert list(store.mirror_texts(LIST)) == sorted(texts.items())


def test_citekeys_are_pinned_replaced_and_unpinned(store: StateStore) -> None:
    """``pin_citekeys`` upserts keys and a ``None`` value unpins."""
    store.pin_citekeys(
        LIST, {"A": CiteKey("vaswani2017attention"), "B": CiteKey("dosovitskiy2021image")}
    )
    made = CiteKey("vaswani2017attentiona", exported=False, provisional=True, written="x")
    store.pin_citekeys(LIST, {"A": made, "B": None})
    assert dict(store.load(LIST).citekeys) == {"A": made}


def test_a_commit_sets_citation_keys(store: StateStore) -> None:
    """A run's commit upserts the citation keys it gives items, beside the pinned ones."""
    store.pin_citekeys(LIST, {"A": CiteKey("a2020"), "B": CiteKey("b2020")})
    store.commit_run(LIST, RunCommit(citekeys={"B": CiteKey("b2021", False, False, "b2021")}))
    assert dict(store.load(LIST).citekeys) == {
        "A": CiteKey("a2020"),
        "B": CiteKey("b2021", False, False, "b2021"),
    }


def test_meta_is_set_and_deleted_by_commits(store: StateStore) -> None:
    """Meta keys are set by a commit and deleted by a ``None`` value."""
    store.commit_run(LIST, RunCommit(meta={"collection_key": "ABCD2345", "x": "1"}))
    store.commit_run(LIST, RunCommit(meta={"x": None}))
    assert dict(store.load(LIST).meta) == {"collection_key": "ABCD2345"}


def test_meta_of_keys_reads_the_lists_values_of_those_keys_it_holds(store: StateStore) -> None:
    """``meta`` is the list's meta narrowed to the keys asked (another list's are not)."""
    store.commit_run(LIST, RunCommit(meta={"bib:a": "1", "bib:b": "2"}))
    store.commit_run("other", RunCommit(meta={"bib:c": "3"}))
    assert dict(store.meta(LIST, ["bib:a", "bib:c", "bib:d"])) == {"bib:a": "1"}


def test_a_commits_mark_replaces_the_lists_and_none_keeps_it(store: StateStore) -> None:
    """Where a run left the list (collection name and key, settled token) is kept as given."""
    store.commit_run(LIST, RunCommit(mark=SyncMark("Thesis", "ABCD2345", "hash|policy")))
    store.commit_run(LIST, RunCommit(meta={"x": "1"}))
    assert store.load(LIST).mark == SyncMark("Thesis", "ABCD2345", "hash|policy")
    store.commit_run(LIST, RunCommit(mark=SyncMark("Thesis", "ABCD2345")))
    assert store.load(LIST).mark == SyncMark("Thesis", "ABCD2345", None)


def test_the_head_is_the_library_version_mark_and_refusals_of_the_state(
    store: StateStore,
) -> None:
    """``head`` reads what ``load`` would say of the list's version, mark and refusals."""
    assert store.head(LIST) == ListHead()
    refusal = Refusal("AAAA2222", "f" * 32, 3, "A paper", "too long (413)")
    mark = SyncMark("Thesis", "ABCD2345", "hash|policy")
    store.commit_run(
        LIST,
        RunCommit(library_version=9, mark=mark, refused={"AAAA2222": refusal}),
    )
    head = store.head(LIST)
    assert (head.library_version, head.mark, dict(head.refused)) == (
        9,
        mark,
        {"AAAA2222": refusal},
    )
    assert head == store.load(LIST).head


def test_the_generation_moves_on_with_what_a_run_plans_from_only(store: StateStore) -> None:
    """Pending creates and commits of records, versions, marks… move the generation on; a
    commit of meta and status alone (the daemon's heartbeat) or of items' texts (with their
    citation keys), a status do not; citation keys set by ``pin_citekeys`` do (a run plans
    their writes)."""
    store.add_pending(LIST, [pending("P1")])
    store.commit_run(LIST, RunCommit(library_version=3))
    store.commit_run(LIST, RunCommit(meta={"daemon.pid": "1"}, status=OK))
    store.commit_run(LIST, RunCommit(mirror_upserts={"A": "{}"}, mirror_deletes={"B"}))
    store.commit_run(LIST, RunCommit(mirror_upserts={"A": "{}"}, citekeys={"A": CiteKey("a")}))
    store.record_status(LIST, FAILED)
    assert store.head(LIST).generation == store.load(LIST).generation == 2
    store.pin_citekeys(LIST, {"P1": CiteKey("key")})
    assert store.head(LIST).generation == store.load(LIST).generation == 3


def test_a_successful_commit_sets_last_run_and_last_success(store: StateStore) -> None:
    """A commit's status becomes both the last run and the last successful run."""
    store.commit_run(LIST, RunCommit(status=OK))
    state = store.load(LIST)
    assert (state.last_run, state.last_success) == (OK, OK)


def test_a_failed_run_keeps_the_last_success(store: StateStore) -> None:
    """``record_status`` of a failure replaces the last run but not the last success."""
    store.commit_run(LIST, RunCommit(status=OK))
    store.record_status(LIST, FAILED)
    state = store.load(LIST)
    assert (state.last_run, state.last_success) == (FAILED, OK)


def test_a_status_with_next_poll_round_trips(store: StateStore) -> None:
    """Every field of a run status, ``next_poll`` included, reads back equal."""
    status = RunStatus("s", "f", True, None, "nothing to do", next_poll="2026-01-01T10:01:00Z")
    store.record_status(LIST, status)
    assert store.load(LIST).last_success == status


def test_an_exception_mid_commit_leaves_the_previous_snapshot(flavour: Flavour) -> None:
    """A commit that fails half-way (after its first writes) changes nothing, also on reopen."""
    store = flavour.open()
    store.add_pending(LIST, [pending("P1")])
    store.commit_run(LIST, RunCommit(library_version=5, record_upserts={"A": record("A")}))
    before = store.load(LIST)
    doomed = RunCommit(
        library_version=6,
        record_upserts={"B": record("B"), "C": record("C", flags=ExplodingFlags())},
        record_deletes={"A"},
        resolved_pending={"P1"},
        status=OK,
    )
    with pytest.raises(RuntimeError, match="boom"):
        store.commit_run(LIST, doomed)
    assert store.load(LIST) == before
    store = flavour.reopen(store)
    assert store.load(LIST) == before
    store.close()


def test_a_store_stays_usable_after_a_failed_commit(store: StateStore) -> None:
    """After a rolled-back commit, the next commit applies normally."""
    with pytest.raises(RuntimeError):
        store.commit_run(LIST, RunCommit(record_upserts={"C": record("C", flags=ExplodingFlags())}))
    store.commit_run(LIST, RunCommit(record_upserts={"A": record("A")}))
    assert set(store.load(LIST).records) == {"A"}


def test_everything_survives_reopening(flavour: Flavour) -> None:
    """Every kind of value written is there after the store is reopened."""
    store = flavour.open()
    store.add_pending(LIST, [pending("P1")])
    store.pin_citekeys(LIST, {"A": CiteKey("key2024", written="key2024")})
    store.commit_run(
        LIST,
        RunCommit(
            library_version=9,
            record_upserts={"A": record("A")},
            mirror_upserts={"A": "{}"},
            meta={"m": "v"},
            status=OK,
        ),
    )
    store.record_status(LIST, FAILED)
    before = store.load(LIST)
    store = flavour.reopen(store)
    assert store.load(LIST) == before
    assert set(before.pending) == {"P1"}
    store.close()


def test_lists_are_isolated_from_each_other(store: StateStore) -> None:
    """Writes to one list are invisible in another, even with the same item keys."""
    store.add_pending("one", [pending("K")])
    store.pin_citekeys("one", {"K": CiteKey("k")})
    store.commit_run(
        "one",
        RunCommit(library_version=3, record_upserts={"K": record("K")}, mirror_upserts={"K": "{}"}),
    )
    store.commit_run("two", RunCommit(library_version=8, record_deletes={"K"}, status=FAILED))
    assert store.load("two") == ListState(
        name="two", library_version=8, last_run=FAILED, generation=1
    )
    assert set(store.load("one").records) == {"K"}
    assert store.load("one").library_version == 3


def test_a_snapshot_is_immutable_and_does_not_follow_later_writes(store: StateStore) -> None:
    """A loaded snapshot cannot be changed, and later commits do not show through it."""
    store.commit_run(LIST, RunCommit(record_upserts={"A": record("A")}))
    snapshot = store.load(LIST)
    store.commit_run(LIST, RunCommit(record_upserts={"B": record("B")}, record_deletes={"A"}))
    assert set(snapshot.records) == {"A"}
    with pytest.raises(TypeError):
        snapshot.records["X"] = record("X")  # type: ignore[index]
    with pytest.raises(TypeError):
        snapshot.records["A"].flags["relevant"] = False  # type: ignore[index]


def test_mutating_the_callers_dicts_after_a_commit_changes_nothing(store: StateStore) -> None:
    """The store keeps its own copies of what it is given."""
    flags = {"relevant": True}
    upserts = {"A": record("A", flags=flags)}
    commit = RunCommit(record_upserts=upserts)
    store.commit_run(LIST, commit)
    flags["relevant"] = False
    upserts["B"] = record("B")
    assert dict(store.load(LIST).records) == {"A": record("A", flags={"relevant": True})}


def test_a_closed_store_raises_state_error(store: StateStore) -> None:
    """Every call after ``close`` raises StateError; closing twice is fine."""
    store.close()
    store.close()
    with pytest.raises(StateError):
        store.load(LIST)
    with pytest.raises(StateError):
        store.add_pending(LIST, [pending("P")])
    with pytest.raises(StateError):
        store.commit_run(LIST, RunCommit())
    with pytest.raises(StateError):
        store.pin_citekeys(LIST, {})
    with pytest.raises(StateError):
        store.record_status(LIST, OK)


def test_the_context_manager_closes_the_store(flavour: Flavour) -> None:
    """Leaving the ``with`` block closes the store."""
    with flavour.open() as store:
        store.commit_run(LIST, RunCommit(library_version=1))
    with pytest.raises(StateError):
        store.load(LIST)


@pytest.mark.parametrize("name", ["", None])
def test_an_empty_list_name_is_a_value_error(store: StateStore, name: str) -> None:
    """A list name must be a non-empty string."""
    with pytest.raises(ValueError, match="list name"):
        store.load(name)


def test_a_record_with_a_wrong_type_is_refused_and_nothing_applied(store: StateStore) -> None:
    """A non-string title is a ValueError, and the commit applies nothing."""
    bad = record("B", title=42)
    with pytest.raises(ValueError, match="title"):
        store.commit_run(
            LIST, RunCommit(library_version=3, record_upserts={"A": record("A"), "B": bad})
        )
    assert store.load(LIST) == ListState(name=LIST)


def test_snapshot_mappings_are_read_only_proxies(store: StateStore) -> None:
    """Every mapping of a snapshot is read-only."""
    store.commit_run(LIST, RunCommit(record_upserts={"A": record("A")}, meta={"k": "v"}))
    state = store.load(LIST)
    for mapping in (state.records, state.pending, state.mirror, state.citekeys, state.meta):
        assert isinstance(mapping, MappingProxyType)


def test_texts_of_reads_the_texts_of_the_keys_asked_for(store: StateStore) -> None:
    """``texts_of`` is the mirror narrowed to the keys asked for (absent ones left out)."""
    store.commit_run(LIST, RunCommit(mirror_upserts={"A": '{"a": 1}', "B": '{"b": 2}'}))
    assert store.texts_of(LIST, ["A", "C"]) == {"A": '{"a": 1}'}
