"""The SQLite state store: one file per state directory, one transaction per mutation.

Implements :class:`~zotmark.state.store.StateStore`. Every ``sqlite3`` error is translated
here into :class:`~zotmark.errors.StateError` naming the file. A damaged file (one SQLite
calls corrupt, or whose values are not what zotmark wrote: undecodable text, a value of the
wrong type, flags that are not a JSON object of booleans) is a ``StateError`` that says how to
recover, never a ``UnicodeDecodeError`` or ``JSONDecodeError`` traceback. The connection is
shared by threads under a lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from zotmark.errors import StateError
from zotmark.state.model import (
    BaseRecord,
    CiteKey,
    ListHead,
    ListState,
    RunStatus,
    check_list_name,
    checked_citekeys,
    checked_flags,
)
from zotmark.state.schema import RECOVERY_HINT, open_database
from zotmark.state.sqlite_rows import (
    Damaged,
    list_row,
    mark_of,
    read_list,
    read_meta,
    read_refusals,
    read_texts,
    read_texts_of,
)

if TYPE_CHECKING:  # (see the module: a run that changes nothing does not import it)
    from zotmark.state.commit import PendingCreate, RunCommit

__all__ = ["STATE_FILENAME", "SqliteStateStore"]

STATE_FILENAME = "state.sqlite3"
"""The state file's name inside a state directory."""

TEXTS_BATCH = 1000
"""How many items' texts :meth:`SqliteStateStore.mirror_texts` reads at a time."""

# json.dumps(flags, sort_keys=True, ensure_ascii=False) without building an encoder per row.
_FLAGS_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode

_Row = TypeVar("_Row", bound=tuple[object, ...])
_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
# How sqlite3 reports text that is not UTF-8, and a schema whose text was damaged (zotmark's
# migrations create every table and column its queries name).
_DAMAGE_SIGNS = ("Could not decode to UTF-8", "no such column", "no such table")

_LIST_TABLES = ("records", "pending", "mirror", "citekeys", "meta", "run_status", "refused")
"""The tables whose rows belong to one list (by their ``list`` column)."""


def _damaged(path: Path, what: object) -> StateError:
    return StateError(f"the state file {path} is damaged ({what}); to recover, {RECOVERY_HINT}")


def _translate(path: Path, error: sqlite3.Error | UnicodeDecodeError | Damaged) -> StateError:
    if isinstance(error, UnicodeDecodeError | Damaged):
        return _damaged(path, error)
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB":
        return _damaged(path, error)
    if any(sign in str(error) for sign in _DAMAGE_SIGNS):
        return _damaged(path, error)
    if name in _BUSY:
        return StateError(
            f"the state file {path} is busy: another process kept it locked too long ({error})."
        )
    return StateError(f"cannot use the state file {path}: {error}.")


class SqliteStateStore:
    """A :class:`~zotmark.state.store.StateStore` in one SQLite file; lists share the file.

    ``busy_timeout`` is how long (seconds) a write waits for another process's write.
    """

    def __init__(self, path: Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StateError(
                f"cannot create the state directory {self.path.parent}: {error.strerror}."
            ) from error
        try:
            self._connection: sqlite3.Connection | None = open_database(
                self.path, busy_timeout=busy_timeout
            )
        except (sqlite3.Error, UnicodeDecodeError) as error:
            raise _translate(self.path, error) from error

    @classmethod
    def in_dir(cls, directory: Path, *, busy_timeout: float = 10.0) -> SqliteStateStore:
        """Open the store of a state directory (``<directory>/state.sqlite3``)."""
        return cls(Path(directory) / STATE_FILENAME, busy_timeout=busy_timeout)

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        """Read the list's state in one read transaction (a consistent snapshot)."""
        check_list_name(list_name)
        with self._transaction("BEGIN") as db:
            return read_list(db, list_name, texts=texts)

    def mirror_texts(self, list_name: str) -> Iterator[tuple[str, str]]:
        """The list's items' texts in key order, :data:`TEXTS_BATCH` a read transaction."""
        check_list_name(list_name)
        after = ""
        while True:
            with self._transaction("BEGIN") as db:
                batch = read_texts(db, list_name, after, TEXTS_BATCH)
            yield from batch
            if len(batch) < TEXTS_BATCH:
                return
            after = batch[-1][0]

    def meta(self, list_name: str, keys: Iterable[str]) -> Mapping[str, str]:
        """Read the meta rows of ``keys``, one indexed look-up each, in one read transaction."""
        check_list_name(list_name)
        with self._transaction("BEGIN") as db:
            return read_meta(db, list_name, keys)

    def texts_of(self, list_name: str, keys: Iterable[str]) -> Mapping[str, str]:
        """Read the item texts of ``keys``, one indexed look-up each, in one read transaction."""
        check_list_name(list_name)
        with self._transaction("BEGIN") as db:
            return read_texts_of(db, list_name, keys)

    def head(self, list_name: str) -> ListHead:
        """Read the list's row and its refusals, nothing else."""
        check_list_name(list_name)
        with self._transaction("BEGIN") as db:
            row = list_row(db, list_name)
            if row is None:
                return ListHead()
            return ListHead(row[0], mark_of(row), read_refusals(db, list_name), row[4])

    def add_pending(self, list_name: str, creates: Iterable[PendingCreate]) -> None:
        """Record creates about to be sent, committed before returning."""
        from zotmark.state.commit import checked_pending  # (not a module for a no-op run)

        check_list_name(list_name)
        with self._transaction() as db:
            _ensure_list(db, list_name)
            rows = [_pending_row(list_name, create) for create in checked_pending(creates)]
            db.executemany("INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?)", _by_key(rows))
            _next_generation(db, list_name)

    def commit_run(self, list_name: str, commit: RunCommit) -> None:
        """Apply a run's changes in one immediate transaction."""
        check_list_name(list_name)
        with self._transaction() as db:
            _ensure_list(db, list_name)
            _apply_commit(db, list_name, commit)

    def pin_citekeys(self, list_name: str, citekeys: Mapping[str, CiteKey | None]) -> None:
        """Set (or with ``None`` forget) citation keys by item key, in one transaction."""
        check_list_name(list_name)
        checked = checked_citekeys(citekeys)
        with self._transaction() as db:
            _ensure_list(db, list_name)
            gone = [key for key, citekey in checked.items() if citekey is None]
            _delete_keys(db, "citekeys", list_name, gone)
            _write_citekeys(db, list_name, {k: v for k, v in checked.items() if v is not None})
            _next_generation(db, list_name)

    def rename_list(self, old: str, new: str) -> bool:
        """Move every row of ``old`` to ``new`` in one transaction when ``new`` has none."""
        check_list_name(old)
        check_list_name(new)
        with self._transaction() as db:
            exists = "SELECT 1 FROM lists WHERE name = ?"
            if db.execute(exists, (new,)).fetchone() or not db.execute(exists, (old,)).fetchone():
                return False
            db.execute("UPDATE lists SET name = ? WHERE name = ?", (new, old))
            for table in _LIST_TABLES:
                db.execute(f"UPDATE {table} SET list = ? WHERE list = ?", (new, old))
            return True

    def record_status(self, list_name: str, status: RunStatus) -> None:
        """Set ``last_run`` (and ``last_success`` when ``status.ok``)."""
        check_list_name(list_name)
        with self._transaction() as db:
            _ensure_list(db, list_name)
            _write_status(db, list_name, status)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL); idempotent."""
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                with suppress(sqlite3.Error):
                    connection.close()

    def __enter__(self) -> SqliteStateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStateStore({str(self.path)!r})"

    @contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction: commit on success, roll back on any exception."""
        with self._lock:
            db = self._connection
            if db is None:
                raise StateError(f"the state store {self.path} is closed")
            try:
                db.execute(begin)
                try:
                    yield db
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except (sqlite3.Error, UnicodeDecodeError, Damaged) as error:
                if db.in_transaction:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise _translate(self.path, error) from error


def _ensure_list(db: sqlite3.Connection, list_name: str) -> None:
    db.execute("INSERT OR IGNORE INTO lists (name, library_version) VALUES (?, 0)", (list_name,))


def _pending_row(list_name: str, create: PendingCreate) -> tuple[str, ...]:
    return (list_name, create.item_key, create.ident_key, create.title)


def _record_row(list_name: str, record: BaseRecord) -> tuple[object, ...]:
    flags = _FLAGS_JSON(checked_flags(record))
    return (
        list_name,
        record.item_key,
        record.ident_key,
        record.title,
        record.url,
        record.state,
        flags,
        record.item_version,
        record.item_title,
    )


def _next_generation(db: sqlite3.Connection, name: str) -> None:
    db.execute("UPDATE lists SET generation = generation + 1 WHERE name = ?", (name,))


def _apply_commit(db: sqlite3.Connection, name: str, commit: RunCommit) -> None:
    if commit.changes_sync:
        _next_generation(db, name)
    if commit.library_version is not None:
        db.execute(
            "UPDATE lists SET library_version = ? WHERE name = ?", (commit.library_version, name)
        )
    _delete_keys(db, "records", name, commit.record_deletes)
    db.executemany(
        "INSERT OR REPLACE INTO records (list, item_key, ident_key, title, url, state, flags,"
        " item_version, item_title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _by_key([_record_row(name, record) for record in commit.record_upserts.values()]),
    )
    _delete_keys(db, "pending", name, commit.resolved_pending)
    _delete_keys(db, "mirror", name, commit.mirror_deletes)
    db.executemany(
        "INSERT OR REPLACE INTO mirror VALUES (?, ?, ?)",
        _by_key([(name, key, data) for key, data in commit.mirror_upserts.items()]),
    )
    for key, value in commit.meta.items():
        if value is None:
            db.execute("DELETE FROM meta WHERE list = ? AND key = ?", (name, key))
        else:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?, ?)", (name, key, value))
    if commit.mark is not None:
        mark = commit.mark
        db.execute(
            "UPDATE lists SET collection = ?, collection_key = ?, settled = ? WHERE name = ?",
            (mark.collection, mark.collection_key, mark.settled, name),
        )
    _write_citekeys(db, name, commit.citekeys)
    if commit.status is not None:
        _write_status(db, name, commit.status)
    if commit.refused is not None:
        db.execute("DELETE FROM refused WHERE list = ?", (name,))
        db.executemany(
            "INSERT INTO refused VALUES (?, ?, ?, ?, ?, ?)",
            _by_key([(name, *refusal) for refusal in commit.refused.values()]),
        )


def _write_citekeys(db: sqlite3.Connection, name: str, citekeys: Mapping[str, CiteKey]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO citekeys (list, item_key, citekey, exported, provisional,"
        " written, theirs) VALUES (?, ?, ?, ?, ?, ?, ?)",
        _by_key(
            [
                (name, k, c.key, int(c.exported), int(c.provisional), c.written, int(c.theirs))
                for k, c in citekeys.items()
            ]
        ),
    )


def _delete_keys(db: sqlite3.Connection, table: str, name: str, keys: Iterable[str]) -> None:
    db.executemany(
        f"DELETE FROM {table} WHERE list = ? AND item_key = ?",
        ((name, key) for key in sorted(keys, key=str)),
    )


def _by_key(rows: Iterable[_Row]) -> list[_Row]:
    """``rows`` (``(list, item_key, ...)``) in item key order, the order of the tables' primary
    keys: SQLite then walks its B-tree forward instead of jumping about it for each of many
    random keys (a third less time for 10,000 rows). Rows with the same key keep their order,
    so for ``INSERT OR REPLACE`` the last one still wins."""
    return sorted(rows, key=itemgetter(1))


def _write_status(db: sqlite3.Connection, name: str, status: RunStatus) -> None:
    if not isinstance(status, RunStatus):
        raise ValueError(f"expected a RunStatus, got {status!r}")
    kinds = ("last", "success") if status.ok else ("last",)
    for kind in kinds:
        db.execute(
            "INSERT OR REPLACE INTO run_status VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                kind,
                status.started_at,
                status.finished_at,
                int(status.ok),
                status.error,
                status.summary,
                status.next_poll,
            ),
        )
