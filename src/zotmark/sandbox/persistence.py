"""Saving the sandbox to a JSON file and loading it back (``zotmark sandbox --data FILE``).

The whole store (users, groups, API keys, every library with its objects, settings and delete
log) is written atomically: a temp file in the same directory, flushed and fsynced, then renamed
over the target, so a crash leaves either the old or the new file. :class:`Saver` saves in a
background thread shortly after each change (coalescing bursts) and once more on close.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from zotmark.sandbox.model import ApiKey, Group, Library, Setting, Store, StoredObject, User

FORMAT = "zotmark-sandbox/1"
LOG = logging.getLogger("zotmark.sandbox")


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
        return [vars(obj).copy() for obj in library.objects(kind).values()]

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
        "deleted": library.deleted,
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
    library.settings = {n: Setting(**s) for n, s in raw["settings"].items()}
    for kind, entries in raw["deleted"].items():
        library.deleted[kind] = dict(entries)
    return library


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically (temp file, fsync, rename)."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False))


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file in the same directory, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def read_file(path: Path) -> dict[str, Any]:
    """The parsed data file."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


class Saver:
    """Saves ``store`` to ``path`` from a background thread after changes, and on :meth:`close`."""

    def __init__(self, store: Store, path: Path, delay: float = 0.2) -> None:
        self.store = store
        self.path = path
        self.delay = delay
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="zotmark-sandbox-saver", daemon=True
        )
        store.listeners.append(lambda _library: self._dirty.set())
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
        """Save now (serialised under the store lock, written outside it)."""
        with self.store.lock:
            text = json.dumps(dump_store(self.store), ensure_ascii=False)
        write_text_atomic(self.path, text)

    def close(self) -> None:
        """Stop the thread and save a last time."""
        self._closing.set()
        self._dirty.set()
        self._thread.join(5)
        self.flush()
