"""Saving the sandbox to a JSON file and loading it back (``zotmark sandbox --data FILE``).

Two files: the *snapshot* ``FILE`` (the whole store: users, groups, API keys, every library with
its objects, settings and delete log; format ``zotmark-sandbox/1``) and, while the sandbox runs,
a *journal* ``FILE.<token>.journal`` next to it that the snapshot names: one JSON line per save
holding only what changed since the save before (the objects and delete-log entries in the
libraries' change logs, changed settings, the library versions). :class:`Saver` appends a line
from a background thread shortly after changes (coalescing bursts; flushed and fsynced), so a
save costs what changed, not the store. It writes a fresh snapshot (*compaction*) with a new,
empty journal when it starts, when the journal has grown past the snapshot's size and when the
changes cannot be told (a library replaced by a reset); on close it writes a last snapshot that
names no journal, the one file older versions wrote, and removes the journal.

Compaction creates the new (empty) journal first, then replaces the snapshot atomically (a temp
file in the same directory, flushed and fsynced, renamed over the target), then removes the old
journal: a crash at any point leaves a snapshot and the journal it names. Loading reads the
snapshot, then replays its journal up to the first incomplete line (a sandbox killed while
writing one): the state of the last complete save.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from zotmark.sandbox.atomic import read_file, write_text_atomic
from zotmark.sandbox.atomic import write_atomic as write_atomic  # (bench_sandbox_scale uses it)
from zotmark.sandbox.model import Library, Setting, StoredObject
from zotmark.sandbox.store import ApiKey, Group, Store, User

FORMAT = "zotmark-sandbox/1"
LOG = logging.getLogger("zotmark.sandbox")
COMPACT_MIN_BYTES = 4_000_000
"""The journal is folded into a new snapshot once it is larger than this and the snapshot."""


def dump_store(store: Store) -> dict[str, Any]:
    """A JSON-ready copy of everything worth keeping (write tokens are not)."""
    with store.lock:
        return {
            "format": FORMAT,
            "users": [vars(u).copy() for u in store.users.values()],
            "groups": [dict(vars(g), members=list(g.members)) for g in store.groups.values()],
            "api_keys": [
                dict(vars(k), groups={str(g): w for g, w in k.groups.items()})
                for k in store.api_keys.values()
            ],
            "libraries": [_dump_library(lib) for lib in store.libraries.values()],
        }


def _dump_library(library: Library) -> dict[str, Any]:
    def objects(kind: str) -> list[dict[str, Any]]:
        return [obj.as_record() for obj in library.objects(kind).values()]

    return {
        "kind": library.kind,
        "id": library.id,
        "name": library.name,
        "version": library.version,
        "seq": library.seq,
        "items": objects("items"),
        "collections": objects("collections"),
        "searches": objects("searches"),
        "settings": {n: vars(s).copy() for n, s in library.settings.items()},
        "deleted": {kind: dict(entries) for kind, entries in library.deleted.items()},
        "former_creators": dict(library.former_creators),
    }


def load_store(store: Store, data: dict[str, Any]) -> None:
    """Replace ``store``'s users, groups, keys and libraries with :func:`dump_store` data."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a zotmark sandbox file (format {data.get('format')!r})")
    with store.lock:
        store.users = {u["id"]: User(**u) for u in data["users"]}
        store.groups = {g["id"]: Group(**g) for g in data["groups"]}
        store.api_keys = {
            k["key"]: ApiKey(**dict(k, groups={int(g): w for g, w in k["groups"].items()}))
            for k in data["api_keys"]
        }
        store.libraries = {}
        for raw in data["libraries"]:
            library = _load_library(raw)
            store.libraries[library.prefix] = library


def _load_library(raw: dict[str, Any]) -> Library:
    library = Library(raw["kind"], raw["id"], raw["name"], raw["version"], seq=raw["seq"])
    for kind in ("items", "collections", "searches"):
        for obj in raw.get(kind, ()):  # files saved before searches were kept have none
            stored = StoredObject(**obj)
            library.put(kind, stored, stored.data)
    for item in sorted(library.items.values(), key=lambda o: o.version):
        library.note_tags(item)  # the first versions that carried each tag, as far as known
    library.settings = {n: Setting(**s) for n, s in raw["settings"].items()}
    for kind, entries in raw["deleted"].items():
        library.deleted[kind] = dict(entries)
    library.former_creators.update(raw.get("former_creators", {}))  # older files have none
    return library


def journal_path(path: Path, token: str) -> Path:
    """The journal named ``token`` of the snapshot ``path``."""
    return path.with_name(f"{path.name}.{token}.journal")


def load_data(store: Store, path: Path) -> int:
    """Load the snapshot ``path`` into ``store`` and replay the journal it names; return the
    number of journal lines replayed."""
    snapshot = read_file(path)
    load_store(store, snapshot)
    token = snapshot.get("journal")
    if not isinstance(token, str):
        return 0
    replayed = 0
    with contextlib.suppress(FileNotFoundError), journal_path(path, token).open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break  # the last save was cut short: the line before it is the last complete one
            try:
                record = json.loads(line)
            except ValueError:
                break
            apply_record(store, record)
            replayed += 1
    return replayed


def apply_record(store: Store, record: dict[str, Any]) -> None:
    """Apply one journal line (see :func:`changes_record`) to ``store``: the libraries come out
    as they were when it was written, down to the order of their objects and delete log."""
    with store.lock:
        for prefix, changes in record["libraries"].items():
            library = store.libraries.get(prefix)
            if library is not None:
                _apply_changes(library, changes)


def _apply_changes(library: Library, changes: dict[str, Any]) -> None:
    library.version = changes["version"]
    library.seq = changes["seq"]
    for kind in ("items", "collections", "searches"):
        written = []
        for key, obj in changes.get(kind, {}).items():
            old = library.objects(kind).get(key)
            if old is not None and (obj is None or old.seq != obj["seq"]):
                library.pop(kind, key)  # gone, or deleted and created anew (it goes last)
            if obj is not None:
                written.append(StoredObject(**obj))
        for stored in sorted(written, key=lambda o: o.seq):  # a library's order is seq order
            library.put(kind, stored, stored.data)
            if kind == "items":
                library.note_tags(stored)
    for kind, rows in changes.get("deleted", {}).items():
        log = library.deleted.setdefault(kind, {})
        for name, _version, popped in rows:
            if popped:
                log.pop(name, None)
        for name, version, _popped in rows:
            if version is not None:
                log[name] = version
    for name, setting in changes.get("settings", {}).items():
        if setting is None:
            library.settings.pop(name, None)
        else:
            library.settings[name] = Setting(**setting)


def changes_record(
    library: Library, changes: list[tuple[str, str]], settings_seen: dict[str, int]
) -> dict[str, Any]:
    """The journal entry of one library: its version and sequence counter; the present state
    (None when gone) of every object named in ``changes``; the delete-log entries named there,
    as ``[name, version or None, whether it left the log meanwhile]`` in the order they
    (re-)entered the log; and every setting whose version differs from ``settings_seen``
    (updated to match)."""
    record: dict[str, Any] = {"version": library.version, "seq": library.seq}
    entered: dict[str, dict[str, list[Any]]] = {}  # kind -> name -> [entered at, left]
    for index, (kind, name) in enumerate(changes):
        what, _, deleted_kind = kind.partition("/")
        if not deleted_kind:
            obj = library.objects(kind).get(name)
            record.setdefault(kind, {})[name] = None if obj is None else obj.as_record()
            continue
        entry = entered.setdefault(deleted_kind, {}).setdefault(name, [None, False])
        if what == "undeleted":
            entry[0], entry[1] = None, True
        elif entry[0] is None:
            entry[0] = index
    if entered:
        record["deleted"] = {
            kind: [
                [name, library.deleted.get(kind, {}).get(name), left]
                for name, (_, left) in sorted(
                    names.items(), key=lambda pair: -1 if pair[1][0] is None else pair[1][0]
                )
            ]
            for kind, names in entered.items()
        }
    settings: dict[str, Any] = {}
    for name, setting in library.settings.items():
        if settings_seen.get(name) != setting.version:
            settings[name] = vars(setting).copy()
            settings_seen[name] = setting.version
    for name in [n for n in settings_seen if n not in library.settings]:
        settings[name] = None
        del settings_seen[name]
    if settings:
        record["settings"] = settings
    return record


class _Cursor:
    """How far the journal has followed one library."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.position = library.log_end
        self.version = library.version
        self.settings = {name: s.version for name, s in library.settings.items()}


class Saver:
    """Saves ``store`` to ``path`` (snapshot and journal) from a background thread after
    changes, and on :meth:`close`. Starts with a snapshot of the store as it is."""

    def __init__(self, store: Store, path: Path, delay: float = 0.2) -> None:
        self.store = store
        self.path = path
        self.delay = delay
        self.snapshots = 0
        self.journal_lines = 0
        self.journal: Path | None = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._cursors: dict[str, _Cursor] = {}
        self._io = threading.Lock()  # one save at a time (the thread's and close's)
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="zotmark-sandbox-saver", daemon=True
        )
        store.listeners.append(lambda _library: self._dirty.set())  # before: none is missed
        try:
            self.compact()
            self._remove_stale_journals()
        except OSError as error:  # retried by the next save
            LOG.warning("cannot save the sandbox to %s: %s", self.path, error.strerror)
        self._thread.start()

    def _loop(self) -> None:
        while not self._closing.is_set():
            self._dirty.wait()
            if self._closing.wait(self.delay):
                break
            self._dirty.clear()
            try:
                self.flush()
            except OSError as error:
                LOG.warning("cannot save the sandbox to %s: %s", self.path, error.strerror)

    def flush(self) -> None:
        """Save what changed since the last save: a journal line, or a snapshot when the
        journal has outgrown it or the changes cannot be told."""
        with self._io:
            line = self._journal_line()
            if line is None:
                self._compact()
                return
            if line:
                self._append(line)
            if self._journal_bytes > max(COMPACT_MIN_BYTES, self._snapshot_bytes):
                self._compact()

    def _journal_line(self) -> bytes | None:
        """The next journal line (empty when nothing changed); None when only a snapshot will
        do: a library was replaced, or its change log dropped entries not yet saved."""
        with self.store.lock:
            libraries = self.store.libraries
            if self.journal is None or self._cursors.keys() != libraries.keys():
                return None
            pending = []
            for prefix, library in libraries.items():
                cursor = self._cursors[prefix]
                changes = library.changes_since(cursor.position)
                if cursor.library is not library or changes is None:
                    return None
                if changes or library.version != cursor.version:
                    pending.append((prefix, cursor, changes))
            if not pending:
                return b""
            record = {}
            for prefix, cursor, changes in pending:
                library = cursor.library
                record[prefix] = changes_record(library, changes, cursor.settings)
                cursor.position = library.log_end
                cursor.version = library.version
            text = json.dumps({"libraries": record}, ensure_ascii=False)
        return text.encode("utf-8") + b"\n"

    def _append(self, line: bytes) -> None:
        assert self.journal is not None
        try:
            with self.journal.open("ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            self._cursors = {}  # the journal may end in a torn line: the next save is a snapshot
            raise
        self._journal_bytes += len(line)
        self.journal_lines += 1

    def compact(self) -> None:
        """Write a snapshot of the whole store now, with a new, empty journal."""
        with self._io:
            self._compact()

    def _compact(self, *, final: bool = False) -> None:
        token = secrets.token_hex(8)
        journal = None if final else journal_path(self.path, token)
        with self.store.lock:
            snapshot = dump_store(self.store)
            if journal is not None:
                snapshot["journal"] = token
            text = json.dumps(snapshot, ensure_ascii=False)
            cursors = {prefix: _Cursor(lib) for prefix, lib in self.store.libraries.items()}
        if journal is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with journal.open("wb") as handle:
                os.fsync(handle.fileno())
        write_text_atomic(self.path, text)
        old, self.journal = self.journal, journal
        if old is not None:
            old.unlink(missing_ok=True)
        self._cursors = cursors
        self._snapshot_bytes = len(text)
        self._journal_bytes = 0
        self.snapshots += 1

    def _remove_stale_journals(self) -> None:
        """Remove journals no snapshot names (left by a sandbox killed while compacting)."""
        pattern = f"{glob.escape(self.path.name)}.*.journal"
        for stale in self.path.parent.glob(pattern):
            if stale != self.journal:
                stale.unlink(missing_ok=True)

    def close(self, *, final_snapshot: bool = True) -> None:
        """Stop the thread; write a last snapshot, naming no journal, and remove the journal
        (without ``final_snapshot``, leave the files as a killed sandbox would)."""
        self._closing.set()
        self._dirty.set()
        self._thread.join(5)
        if final_snapshot:
            with self._io:
                self._compact(final=True)
