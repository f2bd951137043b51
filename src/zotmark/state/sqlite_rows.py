"""Reading one list's rows of the SQLite state into values, each checked to be what zotmark
writes there (a value of another type, flags that are not a JSON object of booleans:
:class:`Damaged`, which the store turns into a ``StateError`` saying how to recover)."""

from __future__ import annotations

import functools
import itertools
import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from zotmark.state.model import (
    BaseRecord,
    CiteKey,
    ListState,
    Refusal,
    RunStatus,
    SyncMark,
    shared_flags,
)

__all__ = ["Damaged", "list_row", "mark_of", "read_list", "read_refusals", "read_texts"]

_Types = tuple[type | tuple[type, ...], ...]
_TEXT, _MAYBE_TEXT, _INT = str, (str, type(None)), int
_RECORD = (_TEXT, _TEXT, _TEXT, _MAYBE_TEXT, _TEXT, _TEXT, _INT, _TEXT)
_PENDING = (_TEXT, _TEXT, _TEXT)
_PAIR = (_TEXT, _TEXT)
_REFUSAL = (_TEXT, _TEXT, _INT, _TEXT, _TEXT)
_CITEKEY = (_TEXT, _TEXT, _INT, _INT, _MAYBE_TEXT, _INT)
_STATUS = (_TEXT, _TEXT, _TEXT, _INT, _MAYBE_TEXT, _TEXT, _MAYBE_TEXT)


class Damaged(Exception):
    """A value read from the state file is not one zotmark writes there."""


def _typed(rows: Iterable[tuple[Any, ...]], types: _Types, table: str) -> Iterator[Any]:
    """``rows`` as they are, once each is checked to hold values of ``types``."""
    for row in rows:
        if not all(map(isinstance, row, types)):
            raise Damaged(f"a row of its {table} table holds a value of the wrong type")
        yield row


@functools.lru_cache(maxsize=256)
def _flags(text: str) -> Mapping[str, bool]:
    """A record's flags from their JSON text (an object of booleans): the same mapping for
    the same text (rows share a few: :func:`~zotmark.state.model.shared_flags`)."""
    try:
        flags = json.loads(text)
    except ValueError:
        flags = None
    if not isinstance(flags, dict) or not all(type(value) is bool for value in flags.values()):
        raise Damaged(f"a record's flags are not a JSON object of booleans: {text[:40]!r}")
    return shared_flags(flags)


_LIST_ROW = (_INT, _MAYBE_TEXT, _MAYBE_TEXT, _MAYBE_TEXT, _INT)


def list_row(db: sqlite3.Connection, name: str) -> tuple[Any, ...] | None:
    """The list's row (library version, collection, collection key, settled, generation)."""
    row = db.execute(
        "SELECT library_version, collection, collection_key, settled, generation FROM lists"
        " WHERE name = ?",
        (name,),
    ).fetchone()
    if row is None:
        return None
    if not isinstance(row[0], int):
        raise Damaged("the library version is not a number")
    checked: tuple[Any, ...] = next(_typed([row], _LIST_ROW, "lists"))
    return checked


def mark_of(row: tuple[Any, ...]) -> SyncMark | None:
    """The :class:`SyncMark` of a list's row (``None`` before a run completed)."""
    return None if row[1] is None else SyncMark(row[1], row[2], row[3])


def _record(
    key: str,
    ident_key: str,
    title: str,
    url: str | None,
    state: str,
    flags: str,
    item_version: int,
    item_title: str,
) -> BaseRecord:
    """One row of the records table as a base row. Its key, title and URL are interned, as
    the parsed list's and Zotero's items' are (``sys.intern``): a daemon that keeps the three
    holds each string once (20,000 entries: 12 % less of what it holds); an item title equal
    to the title is that string too."""
    title = sys.intern(title)
    return BaseRecord(
        item_key=sys.intern(key),
        ident_key=ident_key,
        title=title,
        url=url and sys.intern(url),
        state=state,
        flags=_flags(flags),
        item_version=item_version,
        item_title=title if item_title == title else item_title,
    )


def read_list(db: sqlite3.Connection, name: str, *, texts: bool = True) -> ListState:
    """The list's state (without ``texts``, with an empty ``mirror``)."""
    row = list_row(db, name)
    if row is None:
        return ListState(name=name)
    from zotmark.state.commit import PendingCreate  # (its module is not for a no-op run)

    rows = _typed(
        db.execute(
            "SELECT item_key, ident_key, title, url, state, flags, item_version, item_title"
            " FROM records WHERE list = ?",
            (name,),
        ),
        _RECORD,
        "records",
    )
    records = {record.item_key: record for record in itertools.starmap(_record, rows)}
    from zotmark.core.states import STATES  # (a no-op run reads no record)

    if any(record.state not in STATES for record in records.values()):
        raise Damaged("a record's reading state is not one zotmark writes")
    pending = {
        key: PendingCreate(key, ident_key, title)
        for key, ident_key, title in _typed(
            db.execute("SELECT item_key, ident_key, title FROM pending WHERE list = ?", (name,)),
            _PENDING,
            "pending",
        )
    }
    statuses = _read_statuses(db, name)
    return ListState(
        name=name,
        library_version=int(row[0]),
        records=MappingProxyType(records),
        pending=MappingProxyType(pending),
        mirror=_pairs(db, "mirror", "SELECT item_key, data FROM mirror WHERE list = ?", name)
        if texts
        else MappingProxyType({}),
        citekeys=read_citekeys(db, name),
        last_run=statuses.get("last"),
        last_success=statuses.get("success"),
        meta=_pairs(db, "meta", "SELECT key, value FROM meta WHERE list = ?", name),
        refused=read_refusals(db, name),
        mark=mark_of(row),
        generation=row[4],
    )


def read_citekeys(db: sqlite3.Connection, name: str) -> Mapping[str, CiteKey]:
    rows = db.execute(
        "SELECT item_key, citekey, exported, provisional, written, theirs FROM citekeys"
        " WHERE list = ?",
        (name,),
    ).fetchall()
    return MappingProxyType(
        {
            row[0]: CiteKey(row[1], bool(row[2]), bool(row[3]), row[4], bool(row[5]))
            for row in _typed(rows, _CITEKEY, "citekeys")
        }
    )


def read_refusals(db: sqlite3.Connection, name: str) -> Mapping[str, Refusal]:
    rows = db.execute(
        "SELECT item_key, fingerprint, line, title, message FROM refused WHERE list = ?", (name,)
    ).fetchall()
    return MappingProxyType({row[0]: Refusal(*row) for row in _typed(rows, _REFUSAL, "refused")})


def read_texts(db: sqlite3.Connection, name: str, after: str, limit: int) -> list[tuple[str, str]]:
    """At most ``limit`` of the list's items' texts, in key order, of keys after ``after``."""
    rows = db.execute(
        "SELECT item_key, data FROM mirror WHERE list = ? AND item_key > ? ORDER BY item_key"
        " LIMIT ?",
        (name, after, limit),
    ).fetchall()
    return list(_typed(rows, _PAIR, "mirror"))


def read_meta(db: sqlite3.Connection, name: str, keys: Iterable[str]) -> Mapping[str, str]:
    """The list's meta values of those of ``keys`` it holds (by the table's primary key)."""
    query = "SELECT key, value FROM meta WHERE list = ? AND key = ?"
    rows = (row for key in keys for row in db.execute(query, (name, key)))
    return dict(_typed(rows, _PAIR, "meta"))


def read_texts_of(db: sqlite3.Connection, name: str, keys: Iterable[str]) -> Mapping[str, str]:
    """The list's item texts of those of ``keys`` it holds (by the table's primary key)."""
    query = "SELECT item_key, data FROM mirror WHERE list = ? AND item_key = ?"
    rows = (row for key in keys for row in db.execute(query, (name, key)))
    return dict(_typed(rows, _PAIR, "mirror"))


def _pairs(db: sqlite3.Connection, table: str, query: str, name: str) -> Mapping[str, str]:
    return MappingProxyType(dict(_typed(db.execute(query, (name,)).fetchall(), _PAIR, table)))


def _read_statuses(db: sqlite3.Connection, name: str) -> dict[str, RunStatus]:
    rows = _typed(
        db.execute(
            "SELECT kind, started_at, finished_at, ok, error, summary, next_poll"
            " FROM run_status WHERE list = ?",
            (name,),
        ),
        _STATUS,
        "run_status",
    )
    return {
        kind: RunStatus(started, finished, bool(ok), error, summary, next_poll)
        for kind, started, finished, ok, error, summary, next_poll in rows
    }
