"""Random operation sequences leave the SQLite store and its in-memory twin with equal snapshots."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tests.state.state_helpers import ExplodingFlags, record

from zotmark.state import (
    BaseRecord,
    CiteKey,
    MemoryStateStore,
    RunStatus,
    SqliteStateStore,
)
from zotmark.state.commit import PendingCreate, RunCommit

LISTS = ("one", "two")
names = st.sampled_from(LISTS)
keys = st.sampled_from(["AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555"])
texts = st.text(max_size=12)
versions = st.integers(min_value=0, max_value=2**63 - 1)


@st.composite
def records(draw: st.DrawFn, key: str) -> BaseRecord:
    return BaseRecord(
        item_key=key,
        ident_key=draw(texts),
        title=draw(texts),
        url=draw(st.none() | texts),
        state=draw(st.sampled_from(" /x-")),
        flags=draw(st.dictionaries(texts, st.booleans(), max_size=3)),
        item_version=draw(versions),
        item_title=draw(texts),
    )


@st.composite
def upserts(draw: st.DrawFn) -> dict[str, BaseRecord]:
    chosen = draw(st.sets(keys, max_size=3))
    return {key: draw(records(key)) for key in sorted(chosen)}


pendings = st.builds(PendingCreate, keys, texts, texts)
citekeys = st.builds(CiteKey, texts, st.booleans(), st.booleans(), st.none() | texts)
statuses = st.builds(
    RunStatus, texts, texts, st.booleans(), st.none() | texts, texts, st.none() | texts
)


@st.composite
def commits(draw: st.DrawFn) -> RunCommit:
    records_in = draw(upserts())
    mirror_in = draw(st.dictionaries(keys, texts, max_size=3))
    return RunCommit(
        library_version=draw(st.none() | versions),
        record_upserts=records_in,
        record_deletes=draw(st.frozensets(keys, max_size=3)) - records_in.keys(),
        resolved_pending=draw(st.frozensets(keys, max_size=3)),
        mirror_upserts=mirror_in,
        mirror_deletes=draw(st.frozensets(keys, max_size=3)) - mirror_in.keys(),
        meta=draw(st.dictionaries(st.sampled_from("abc"), st.none() | texts, max_size=3)),
        status=draw(st.none() | statuses),
        citekeys=draw(st.dictionaries(keys, citekeys, max_size=2)),
    )


class StoresAgree(RuleBasedStateMachine):
    """Applies each operation to both stores and checks they read back the same."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.memory = MemoryStateStore()
        self.sqlite = SqliteStateStore.in_dir(Path(self.directory.name))

    @rule(name=names, creates=st.lists(pendings, max_size=3))
    def add_pending(self, name: str, creates: list[PendingCreate]) -> None:
        self.memory.add_pending(name, creates)
        self.sqlite.add_pending(name, creates)

    @rule(name=names, commit=commits())
    def commit_run(self, name: str, commit: RunCommit) -> None:
        self.memory.commit_run(name, commit)
        self.sqlite.commit_run(name, commit)

    @rule(name=names, commit=commits(), victim=keys)
    def failing_commit_run(self, name: str, commit: RunCommit, victim: str) -> None:
        doomed = RunCommit(
            library_version=commit.library_version,
            record_upserts={
                **commit.record_upserts,
                victim: record(victim, flags=ExplodingFlags()),
            },
            record_deletes=commit.record_deletes - {victim},
            resolved_pending=commit.resolved_pending,
            mirror_upserts=commit.mirror_upserts,
            status=commit.status,
        )
        for store in (self.memory, self.sqlite):
            try:
                store.commit_run(name, doomed)
            except RuntimeError:
                pass
            else:
                raise AssertionError(f"{store!r} committed a failing run")

    @rule(name=names, pins=st.dictionaries(keys, st.none() | citekeys, max_size=3))
    def pin_citekeys(self, name: str, pins: dict[str, CiteKey | None]) -> None:
        self.memory.pin_citekeys(name, pins)
        self.sqlite.pin_citekeys(name, pins)

    @rule(name=names, status=statuses)
    def record_status(self, name: str, status: RunStatus) -> None:
        self.memory.record_status(name, status)
        self.sqlite.record_status(name, status)

    @rule()
    def reopen_sqlite(self) -> None:
        self.sqlite.close()
        self.sqlite = SqliteStateStore.in_dir(Path(self.directory.name))

    @invariant()
    def snapshots_are_equal(self) -> None:
        for name in LISTS:
            assert self.sqlite.load(name) == self.memory.load(name)

    def teardown(self) -> None:
        self.sqlite.close()
        self.memory.close()
        self.directory.cleanup()


StoresAgree.TestCase.settings = settings(settings(), stateful_step_count=25, deadline=None)
test_stores_agree_on_random_operation_sequences = StoresAgree.TestCase
