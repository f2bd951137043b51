"""Direct library operations that bypass HTTP: seeding, inspection and "another client" writes.

Tests, the demo, the admin routes and the ``concurrent`` fault use these to act as the Zotero
desktop app would: every write goes through the same validation and version rules as an API
write and runs in a store transaction, so versions move and streaming subscribers hear of it.
"""

from __future__ import annotations

import copy
from typing import Any

from zotmark.sandbox.deletes import delete_single
from zotmark.sandbox.errors import ObjectError
from zotmark.sandbox.model import Library
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.store import Store
from zotmark.sandbox.writes import apply_upload


class SeedError(ValueError):
    """Seed data the server would refuse; the message is the server's."""


def seed(store: Store, library: Library, kind: str, objects: list[dict[str, Any]]) -> list[str]:
    """Create or update ``objects`` (items or collections) one version each; return their keys."""
    keys = []
    with store.transaction():
        for upload in objects:
            existing = library.objects(kind).get(upload.get("key", ""))
            try:
                stored, changed = apply_upload(
                    library,
                    kind,
                    upload,
                    existing,
                    partial=True,
                    now=store.now(),
                    schema=load_schema(),
                )
            except ObjectError as refused:
                raise SeedError(refused.message) from None
            if changed:
                stored.version = library.bump()
                library.note_tags(stored)
            keys.append(stored.key)
    return keys


def remove(store: Store, library: Library, kind: str, key: str) -> int:
    """Delete one object as another client would; return the new library version."""
    with store.transaction():
        existing = library.objects(kind)[key]
        return delete_single(library, kind, key, existing.version)


def snapshot(store: Store, library: Library, kind: str) -> dict[str, dict[str, Any]]:
    """A deep copy of every object's ``data`` (with key and version), keyed by object key."""
    with store.lock:
        return {key: copy.deepcopy(obj.as_data()) for key, obj in library.objects(kind).items()}


def touch(store: Store, library: Library, item_key: str | None = None) -> int:
    """A concurrent writer: give ``item_key`` (else the newest item) a new version.

    With no items the library version alone moves (as if another client wrote and deleted
    something). Returns the new library version.
    """
    with store.transaction():
        items = library.items
        target = items.get(item_key or "") or max(
            items.values(), key=lambda item: (item.version, item.seq), default=None
        )
        version = library.bump()
        if target is not None:
            library.put("items", target, {**target.data, "dateModified": store.now()})
            target.version = version
        return version
