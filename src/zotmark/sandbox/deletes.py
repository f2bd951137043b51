"""Deletes: one object by its version, or many by the library's; the children and members go too.

A deleted item takes its child items with it, a deleted collection its subcollections (its
items only leave it); every deletion is logged for ``/deleted``. The caller holds the store's
transaction; nothing here does I/O.
"""

from __future__ import annotations

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.model import Library
from zotmark.sandbox.versions import NOUN, check_library_version, check_single_version


def delete_single(library: Library, kind: str, key: str, header: int | None) -> int:
    """DELETE one object with its object version; return the new library version."""
    if header is None:
        raise ApiError(428, "If-Unmodified-Since-Version must be provided for delete requests")
    existing = library.objects(kind).get(key)
    check_single_version(kind, existing, header)
    if existing is None:
        raise ApiError(404, f"{NOUN[kind]} not found")
    version = library.bump()
    _remove(library, kind, key, version)
    return version


def delete_many(library: Library, kind: str, keys: list[str], header: int | None) -> int:
    """DELETE ``?itemKey=``/``?collectionKey=`` (library version checked); one bump if any went."""
    check_library_version(library, header)
    present = [key for key in dict.fromkeys(keys) if key in library.objects(kind)]
    if not present:
        return library.version
    version = library.bump()
    for key in present:
        if key in library.objects(kind):
            _remove(library, kind, key, version)
    return version


def _remove(library: Library, kind: str, key: str, version: int) -> None:
    library.pop(kind, key)
    library.log_deleted(kind, key, version)
    objects = library.objects(kind)
    if kind == "searches":
        return
    if kind == "items":
        # the library's order (creation order): the order their deletions are logged in
        children = sorted(library.children.get(key, ()), key=lambda k: objects[k].seq)
        for child in children:
            _remove(library, kind, child, version)
        return
    for member in list(library.members.get(key, ())):
        item = library.items[member]
        collections = [k for k in item.data["collections"] if k != key]
        library.put("items", item, {**item.data, "collections": collections})
    for child in [k for k, o in objects.items() if o.data.get("parentCollection") == key]:
        _remove(library, kind, child, version)
