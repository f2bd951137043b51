"""What only the SQLite store does: schema versions, migrations, durability, error translation."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.state.state_helpers import record

from zotmark.errors import StateError
from zotmark.state import (
    BaseRecord,
    CiteKey,
    RunStatus,
    SqliteStateStore,
    SyncMark,
)
from zotmark.state.commit import PendingCreate, RunCommit
from zotmark.state.schema import SCHEMA_VERSION

# The v1 schema exactly as zotmark 0.1 wrote it, with one row per table: a frozen fixture,
# independent of the migrations in src/ (which must keep reading it).
V1_DATABASE = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE lists (
    name TEXT PRIMARY KEY, library_version INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE records (
    list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
    title TEXT NOT NULL, url TEXT, read INTEGER NOT NULL, flags TEXT NOT NULL,
    item_version INTEGER NOT NULL, PRIMARY KEY (list, item_key)) WITHOUT ROWID;
CREATE TABLE pending (
    list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
    title TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (list, item_key)) WITHOUT ROWID;
CREATE TABLE runs (
    list TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    ok INTEGER NOT NULL, error TEXT, summary TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO lists VALUES ('papers', 41);
INSERT INTO records VALUES ('papers', 'AAAA2222', 'arxiv:2105.07581',
    'Vision Transformers are Robust Learners', 'https://arxiv.org/abs/2105.07581', 1,
    '{"relevant": true}', 40);
INSERT INTO pending VALUES ('papers', 'BBBB3333', 'arxiv:2206.06488', 'Multimodal', '{}');
INSERT INTO runs VALUES (
    'papers', '2026-01-01T10:00:00', '2026-01-01T10:00:03', 1, NULL, '1 created');
"""


def make_database(path: Path, script: str) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.commit()
    connection.close()


def test_a_new_store_creates_its_file_and_directory(tmp_path: Path) -> None:
    """``in_dir`` creates the state directory and ``state.sqlite3`` in it at the current schema."""
    with SqliteStateStore.in_dir(tmp_path / "a" / "b") as store:
        assert store.path == tmp_path / "a" / "b" / "state.sqlite3"
    connection = sqlite3.connect(tmp_path / "a" / "b" / "state.sqlite3")
    assert connection.execute("SELECT version FROM schema_version").fetchall() == [
        (SCHEMA_VERSION,)
    ]
    connection.close()


def test_the_database_uses_wal_journal_mode(tmp_path: Path) -> None:
    """The state file is in WAL mode, so readers never block the writer."""
    SqliteStateStore(tmp_path / "s.sqlite3").close()
    connection = sqlite3.connect(tmp_path / "s.sqlite3")
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


def test_a_v1_database_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    """A schema-1 file opens at the current schema with its records, pending and run intact."""
    path = tmp_path / "state.sqlite3"
    make_database(path, V1_DATABASE)
    with SqliteStateStore(path) as store:
        state = store.load("papers")
    assert state.library_version == 41
    assert state.records["AAAA2222"] == record(
        "AAAA2222",
        ident_key="arxiv:2105.07581",
        title="Vision Transformers are Robust Learners",
        url="https://arxiv.org/abs/2105.07581",
        state="x",
        item_version=40,
        item_title="Vision Transformers are Robust Learners",
    )
    assert dict(state.pending) == {
        "BBBB3333": PendingCreate("BBBB3333", "arxiv:2206.06488", "Multimodal")
    }
    run = RunStatus("2026-01-01T10:00:00", "2026-01-01T10:00:03", True, None, "1 created")
    assert (state.last_run, state.last_success) == (run, run)
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    connection.close()


V5_RECORDS = """DROP TABLE records;
CREATE TABLE records (
    list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
    title TEXT NOT NULL, url TEXT, read INTEGER NOT NULL, flags TEXT NOT NULL,
    item_version INTEGER NOT NULL, item_title TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list, item_key)) WITHOUT ROWID;
"""
"""The records table of schema 5 (empty): a read flag where schema 6 keeps a reading state."""


def test_a_v5_databases_read_flags_become_reading_states(tmp_path: Path) -> None:
    """Schema 6 keeps a reading state per record: a row read (1) becomes done ``x``, a row
    unread (0) to do, every other column as it was."""
    path = tmp_path / "state.sqlite3"
    make_database(path, V1_DATABASE)
    with SqliteStateStore(path) as store:  # (opened at v1: migrated to the current version)
        store.load("papers")
    connection = sqlite3.connect(path)
    connection.executescript(
        V5_RECORDS
        + V6_CITEKEYS
        + """INSERT INTO records VALUES ('papers', 'AAAA2222', 'arxiv:1', 'Read', NULL, 1,
            '{}', 4, 'R');
        INSERT INTO records VALUES ('papers', 'BBBB3333', 'arxiv:2', 'Unread', NULL, 0,
            '{"relevant": true}', 5, 'U');
        UPDATE schema_version SET version = 5;"""
    )
    connection.commit()
    connection.close()
    with SqliteStateStore(path) as store:
        records = store.load("papers").records
    assert records == {
        "AAAA2222": BaseRecord("AAAA2222", "arxiv:1", "Read", None, "x", {}, 4, "R"),
        "BBBB3333": BaseRecord(
            "BBBB3333", "arxiv:2", "Unread", None, " ", {"relevant": True}, 5, "U"
        ),
    }


def test_a_record_whose_reading_state_is_no_marker_zotmark_writes_is_damage(
    tmp_path: Path,
) -> None:
    """A state that is none of the four markers is reported as a damaged state file."""
    path = tmp_path / "state.sqlite3"
    with SqliteStateStore(path) as store:
        store.commit_run("papers", RunCommit(record_upserts={"A": record("A")}))
    connection = sqlite3.connect(path)
    connection.execute("UPDATE records SET state = 'y'")
    connection.commit()
    connection.close()
    with SqliteStateStore(path) as store, pytest.raises(StateError, match="reading state"):
        store.load("papers")


# A v3 state as zotmark wrote it before the list's row had typed columns: where the last run
# left the list was kept as strings in meta.
V3_MARK = """
INSERT INTO meta VALUES ('papers', 'collection', 'Reading List');
INSERT INTO meta VALUES ('papers', 'collection_key', 'COLL2345');
INSERT INTO meta VALUES ('papers', 'settled', 'abc|Policy()');
INSERT INTO meta VALUES ('papers', 'bib:arxiv:2105.07581', '{}');
UPDATE schema_version SET version = 3;
"""


def test_a_v3_database_moves_its_mark_from_meta_into_the_lists_row(tmp_path: Path) -> None:
    """The collection, its key and the settled token of a v3 file become the list's mark;
    the rest of meta stays."""
    path = tmp_path / "state.sqlite3"
    make_database(path, V1_DATABASE)
    with SqliteStateStore(path) as store:  # migrates to the current version ...
        store.load("papers")
    connection = sqlite3.connect(path)  # ... whose v4, v6 and v7 parts are undone: a v3 file
    connection.executescript(
        V5_RECORDS
        + "DROP TABLE lists; CREATE TABLE lists (name TEXT PRIMARY KEY, library_version INTEGER"
        " NOT NULL DEFAULT 0) WITHOUT ROWID; INSERT INTO lists VALUES ('papers', 41);"
        + V6_CITEKEYS
        + V3_MARK
    )
    connection.close()
    with SqliteStateStore(path) as store:
        state = store.load("papers")
    assert state.mark == SyncMark("Reading List", "COLL2345", "abc|Policy()")
    assert dict(state.meta) == {"bib:arxiv:2105.07581": "{}"}
    assert state.library_version == 41


V6_CITEKEYS = """
DROP TABLE citekeys;
CREATE TABLE citekeys (
    list TEXT NOT NULL, item_key TEXT NOT NULL, citekey TEXT NOT NULL,
    PRIMARY KEY (list, item_key)
) WITHOUT ROWID;
"""


def test_the_keys_a_v6_database_pinned_become_exported_keys(tmp_path: Path) -> None:
    """Before v7 a key was kept only once exported: each is an exported key, never written
    into Zotero by zotmark."""
    path = tmp_path / "state.sqlite3"
    make_database(path, V1_DATABASE)
    with SqliteStateStore(path) as store:
        store.load("papers")
    connection = sqlite3.connect(path)
    connection.executescript(
        V6_CITEKEYS + "INSERT INTO citekeys VALUES ('papers', 'AAAA2222', 'shao2021robust');"
        "UPDATE schema_version SET version = 6;"
    )
    connection.close()
    with SqliteStateStore(path) as store:
        state = store.load("papers")
    assert dict(state.citekeys) == {"AAAA2222": CiteKey("shao2021robust", exported=True)}


def test_a_migrated_v1_database_accepts_new_values(tmp_path: Path) -> None:
    """After migrating, the tables added since v1 are written and read back."""
    path = tmp_path / "state.sqlite3"
    make_database(path, V1_DATABASE)
    with SqliteStateStore(path) as store:
        store.commit_run("papers", RunCommit(mirror_upserts={"AAAA2222": "{}"}, meta={"k": "v"}))
        store.pin_citekeys("papers", {"AAAA2222": CiteKey("shao2021robust")})
        state = store.load("papers")
    assert (dict(state.mirror), dict(state.meta)) == ({"AAAA2222": "{}"}, {"k": "v"})
    assert dict(state.citekeys) == {"AAAA2222": CiteKey("shao2021robust")}


def test_the_records_table_stores_every_field_of_base_record(tmp_path: Path) -> None:
    """If BaseRecord gains a field, this fails until the schema (a new migration) stores it."""
    SqliteStateStore(tmp_path / "s.sqlite3").close()
    connection = sqlite3.connect(tmp_path / "s.sqlite3")
    columns = {row[1] for row in connection.execute("PRAGMA table_info(records)")}
    connection.close()
    assert columns - {"list"} == set(BaseRecord._fields)


def test_a_database_from_a_newer_zotmark_is_refused(tmp_path: Path) -> None:
    """A schema version above the known one raises StateError and the file is left alone."""
    path = tmp_path / "state.sqlite3"
    make_database(
        path,
        "CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (99);",
    )
    with pytest.raises(StateError, match=r"newer zotmark \(schema version 99") as caught:
        SqliteStateStore(path)
    assert str(path) in caught.value.message
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT version FROM schema_version").fetchone() == (99,)
    connection.close()


def test_a_file_that_is_not_sqlite_says_how_to_recover(tmp_path: Path) -> None:
    """A file that is not SQLite raises StateError naming the file and the way out."""
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database, just some bytes\n" * 200)
    with pytest.raises(StateError, match="is damaged") as caught:
        SqliteStateStore(path)
    assert str(path) in caught.value.message
    assert "move the file away" in caught.value.message


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    """An SQLite file with other tables and no schema_version is not taken over."""
    path = tmp_path / "other.sqlite3"
    make_database(path, "CREATE TABLE contacts (name TEXT);")
    with pytest.raises(StateError, match="not a zotmark state file"):
        SqliteStateStore(path)


def test_an_unopenable_path_is_a_state_error_naming_it(tmp_path: Path) -> None:
    """A path that is a directory raises StateError with the path, not sqlite3.Error."""
    path = tmp_path / "a-directory"
    path.mkdir()
    with pytest.raises(StateError) as caught:
        SqliteStateStore(path)
    assert str(path) in caught.value.message


def test_a_state_dir_under_a_file_is_a_state_error(tmp_path: Path) -> None:
    """When the state directory cannot be created, StateError names it."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(StateError, match="cannot create the state directory"):
        SqliteStateStore.in_dir(tmp_path / "file" / "state")


def test_a_write_blocked_by_another_writer_is_a_state_error(tmp_path: Path) -> None:
    """A writer holding the database longer than the busy timeout gives a 'busy' StateError."""
    store = SqliteStateStore(tmp_path / "s.sqlite3", busy_timeout=0.05)
    other = sqlite3.connect(tmp_path / "s.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StateError, match="busy"):
            store.commit_run("papers", RunCommit(library_version=1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.commit_run("papers", RunCommit(library_version=2))
    assert store.load("papers").library_version == 2
    store.close()


def test_pending_creates_survive_a_killed_process(tmp_path: Path) -> None:
    """``add_pending`` is durable when it returns: a process killed right after keeps it."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from zotmark.state import SqliteStateStore
        from zotmark.state.commit import PendingCreate
        store = SqliteStateStore.in_dir(Path({str(tmp_path)!r}))
        store.add_pending("papers", [PendingCreate("CCCC4444", "doi:10.1/x", "T")])
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    with SqliteStateStore.in_dir(tmp_path) as store:
        assert set(store.load("papers").pending) == {"CCCC4444"}


def test_repr_names_the_file_only(tmp_path: Path) -> None:
    """The store's repr shows its path."""
    with SqliteStateStore(tmp_path / "s.sqlite3") as store:
        assert repr(store) == f"SqliteStateStore({str(tmp_path / 's.sqlite3')!r})"
