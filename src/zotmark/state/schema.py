"""The SQLite state schema: its versions, the ordered migrations between them, and opening.

``MIGRATIONS[n - 1]`` turns a version ``n - 1`` database into version ``n``; a migration, once
released, never changes (a later change is a new migration). :func:`open_database` opens or
creates a state file, refuses one written by a newer zotmark, and migrates an older one to
:data:`SCHEMA_VERSION` in one transaction. The state is never dropped and rebuilt: it holds
the bases of the three-way merge, which no other place has.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from zotmark.errors import StateError

__all__ = ["MIGRATIONS", "RECOVERY_HINT", "SCHEMA_VERSION", "migrate", "open_database"]

RECOVERY_HINT = (
    "move the file away (with its -wal and -shm files, if any) while no zotmark uses it: the "
    "next run pairs the list's entries with their Zotero items again by anchors and "
    "identifiers, and creates nothing twice."
)
"""How to get going again without the state file: a clause that ends the message naming the
file (``…; `` or ``…, or ``)."""

_V1: tuple[str, ...] = (
    """CREATE TABLE lists (
        name TEXT PRIMARY KEY,
        library_version INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    """CREATE TABLE records (
        list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
        title TEXT NOT NULL, url TEXT, read INTEGER NOT NULL, flags TEXT NOT NULL,
        item_version INTEGER NOT NULL,
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE pending (
        list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
        title TEXT NOT NULL, payload TEXT NOT NULL,
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE runs (
        list TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
        ok INTEGER NOT NULL, error TEXT, summary TEXT NOT NULL
    ) WITHOUT ROWID""",
)

# v2: the item's own title in records, the library mirror (identifier index), pinned citation
# keys, free meta, and run statuses kept per kind ('last' and 'success') with the next poll.
_V2: tuple[str, ...] = (
    "ALTER TABLE records ADD COLUMN item_title TEXT NOT NULL DEFAULT ''",
    "UPDATE records SET item_title = title",  # v1 kept one title for both sides
    """CREATE TABLE mirror (
        list TEXT NOT NULL, item_key TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE citekeys (
        list TEXT NOT NULL, item_key TEXT NOT NULL, citekey TEXT NOT NULL,
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE meta (
        list TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (list, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE run_status (
        list TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('last', 'success')),
        started_at TEXT NOT NULL, finished_at TEXT NOT NULL, ok INTEGER NOT NULL,
        error TEXT, summary TEXT NOT NULL, next_poll TEXT,
        PRIMARY KEY (list, kind)
    ) WITHOUT ROWID""",
    """INSERT INTO run_status
        SELECT list, 'last', started_at, finished_at, ok, error, summary, NULL FROM runs""",
    """INSERT INTO run_status
        SELECT list, 'success', started_at, finished_at, ok, error, summary, NULL
        FROM runs WHERE ok""",
    "DROP TABLE runs",
)

# v3: the writes Zotero refused that still stand (shown by `status`, not sent again until the
# entry changes).
_V3: tuple[str, ...] = (
    """CREATE TABLE refused (
        list TEXT NOT NULL, item_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        line INTEGER NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL,
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
)

# v4: where a list's last run left it, in typed columns of its row instead of strings in meta:
# the collection's name and key, and the settled token (the file's hash and the policy both
# sides agreed on), so that a no-op reads one row before anything else; and the generation of
# the list's state, so that a daemon may keep it between runs while no one else changed it.
_V4: tuple[str, ...] = (
    "ALTER TABLE lists ADD COLUMN generation INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE lists ADD COLUMN collection TEXT",
    "ALTER TABLE lists ADD COLUMN collection_key TEXT",
    "ALTER TABLE lists ADD COLUMN settled TEXT",
    *(
        f"""UPDATE lists SET {column} =
            (SELECT value FROM meta WHERE meta.list = lists.name AND meta.key = '{column}')"""
        for column in ("collection", "collection_key", "settled")
    ),
    "DELETE FROM meta WHERE key IN ('collection', 'collection_key', 'settled')",
)

# v5: a pending create is its key and its paper, without the JSON of the item it sends (never
# read back: a create retried goes from the list's entry; the payloads of a first sync's
# 10,000 creates were ~290 B an entry of its peak). The table is made again without the column
# (DROP COLUMN needs SQLite 3.35).
_V5: tuple[str, ...] = (
    """CREATE TABLE pending_v5 (
        list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
        title TEXT NOT NULL,
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
    "INSERT INTO pending_v5 SELECT list, item_key, ident_key, title FROM pending",
    "DROP TABLE pending",
    "ALTER TABLE pending_v5 RENAME TO pending",
)

# v6: a record keeps the reading state both sides agreed on (the marker of its box: ' ' to do,
# '/' in progress, 'x' done, '-' cancelled) instead of a read flag: 1 is done, 0 to do. The
# table is made again with the column (DROP COLUMN needs SQLite 3.35).
_V6: tuple[str, ...] = (
    """CREATE TABLE records_v6 (
        list TEXT NOT NULL, item_key TEXT NOT NULL, ident_key TEXT NOT NULL,
        title TEXT NOT NULL, url TEXT, state TEXT NOT NULL, flags TEXT NOT NULL,
        item_version INTEGER NOT NULL, item_title TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (list, item_key)
    ) WITHOUT ROWID""",
    """INSERT INTO records_v6 SELECT list, item_key, ident_key, title, url,
        CASE WHEN read THEN 'x' ELSE ' ' END, flags, item_version, item_title FROM records""",
    "DROP TABLE records",
    "ALTER TABLE records_v6 RENAME TO records",
)

# v7: a citation key is zotmark's before it is exported: whether it went into a .bib (every
# key pinned before v7 did), whether it was made before the item had creators or a date, and
# what zotmark last wrote into the item's citationKey field (a different value is the user's),
# and whether the key is one someone else set (kept so that zotmark's keys stay clear of it).
_V7: tuple[str, ...] = (
    "ALTER TABLE citekeys ADD COLUMN exported INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE citekeys ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE citekeys ADD COLUMN written TEXT",
    "ALTER TABLE citekeys ADD COLUMN theirs INTEGER NOT NULL DEFAULT 0",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
"""Ordered migrations; ``MIGRATIONS[n - 1]`` upgrades schema ``n - 1`` to ``n``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this zotmark writes."""


def open_database(path: Path, *, busy_timeout: float) -> sqlite3.Connection:
    """Open (creating if needed) the state file at ``path``, migrated to :data:`SCHEMA_VERSION`.

    The connection is in autocommit mode (transactions are explicit), WAL journal, full
    synchronous writes, and waits up to ``busy_timeout`` seconds for another writer. Raises
    ``StateError`` for a database from a newer zotmark or a file that is not a zotmark state;
    ``sqlite3.Error`` escapes for the caller to translate.
    """
    connection = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        migrate(connection, path, MIGRATIONS)
    except BaseException:
        connection.close()
        raise
    return connection


def migrate(
    connection: sqlite3.Connection, path: Path, migrations: Sequence[Sequence[str]]
) -> None:
    """Bring the database to ``len(migrations)`` in one immediate transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        current = _current_version(connection, path)
        target = len(migrations)
        if current > target:
            raise StateError(
                f"the state file {path} was written by a newer zotmark (schema version "
                f"{current}; this zotmark knows up to {target}). Upgrade zotmark, or "
                f"{RECOVERY_HINT}"
            )
        for statements in migrations[current:]:
            for statement in statements:
                connection.execute(statement)
        connection.execute("UPDATE schema_version SET version = ?", (target,))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _current_version(connection: sqlite3.Connection, path: Path) -> int:
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "schema_version" not in tables:
        if tables:
            raise StateError(
                f"{path} is not a zotmark state file (it has tables but no schema_version). "
                f"Point [state] dir elsewhere, or {RECOVERY_HINT}"
            )
        connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO schema_version (version) VALUES (0)")
        return 0
    row = connection.execute("SELECT version FROM schema_version").fetchone()
    if row is None or not isinstance(row[0], int):
        raise StateError(f"the state file {path} has no valid schema version; {RECOVERY_HINT}")
    return int(row[0])
