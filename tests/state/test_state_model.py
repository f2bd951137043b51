"""The state values check their own invariants (programming errors are ValueErrors)."""

from __future__ import annotations

import pytest
from tests.state.state_helpers import record

from zotmark.state import RunStatus
from zotmark.state.commit import PendingCreate, RunCommit


def test_a_record_upsert_under_another_key_is_refused() -> None:
    """A record must be upserted under its own item key."""
    with pytest.raises(ValueError, match="differs from its item_key"):
        RunCommit(record_upserts={"AAAA2222": record("BBBB3333")})


def test_a_key_both_upserted_and_deleted_is_refused() -> None:
    """A commit cannot upsert and delete the same record or mirror key."""
    with pytest.raises(ValueError, match="both upserted and deleted"):
        RunCommit(record_upserts={"A": record("A")}, record_deletes=frozenset({"A"}))
    with pytest.raises(ValueError, match="both upserted and deleted"):
        RunCommit(mirror_upserts={"A": "{}"}, mirror_deletes=frozenset({"A"}))


@pytest.mark.parametrize("version", [-1, 2**63, True, 1.0])
def test_a_library_version_outside_0_to_2_63_is_refused(version: int) -> None:
    """Library versions are non-negative ints that fit SQLite's INTEGER."""
    with pytest.raises(ValueError, match="library_version"):
        RunCommit(library_version=version)


def test_a_commit_copies_the_callers_collections() -> None:
    """Changing the dicts and sets after building a commit does not change the commit."""
    upserts = {"A": record("A")}
    deletes = {"B"}
    commit = RunCommit(record_upserts=upserts, record_deletes=deletes)  # type: ignore[arg-type]
    upserts["C"] = record("C")
    deletes.add("D")
    assert set(commit.record_upserts) == {"A"}
    assert commit.record_deletes == frozenset({"B"})


def test_a_non_string_mirror_value_is_refused() -> None:
    """Mirror values are JSON text, not parsed objects."""
    with pytest.raises(ValueError, match="mirror_upserts"):
        RunCommit(mirror_upserts={"A": {"version": 1}})  # type: ignore[dict-item]


def test_a_pending_create_needs_text_fields() -> None:
    """The normalised title of a pending create is text."""
    with pytest.raises(ValueError, match="title"):
        PendingCreate("A", "arxiv:1", ("T",))  # type: ignore[arg-type]


def test_a_run_status_needs_a_bool_ok() -> None:
    """``ok`` is a real bool, so it round-trips through every store unchanged."""
    with pytest.raises(ValueError, match="ok"):
        RunStatus("s", "f", 1)  # type: ignore[arg-type]
