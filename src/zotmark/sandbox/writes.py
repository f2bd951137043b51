"""Writes of items, collections and saved searches: uploads validated, merged and stored.

This is the heart of the emulator and follows the recorded real server (dataserver 5cf550f3):

* a multi-object POST bumps the library version **once per object** (written, or reported
  unchanged); each written object takes the new value; failed objects leave the version alone;
  an existing key is a partial update;
* an unchanged single-object PUT/PATCH answers with the object's own version and bumps nothing.

The version preconditions are :mod:`zotmark.sandbox.versions`, deletes
:mod:`zotmark.sandbox.deletes`. The caller holds the store's transaction; nothing here does I/O.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from zotmark.sandbox.canonical import (
    changed_props,
    merge_collection,
    merge_item,
    merge_search,
    tags_rewritten,
)
from zotmark.sandbox.collection_checks import check_collection, check_search
from zotmark.sandbox.errors import ApiError, ObjectError
from zotmark.sandbox.keys import is_valid_key, new_object_key
from zotmark.sandbox.model import Library, StoredObject, relation_objects
from zotmark.sandbox.schema import Schema
from zotmark.sandbox.validation import check_item
from zotmark.sandbox.versions import (
    NOUN,
    VERSION_REQUIRED,
    check_library_version,
    check_object_version,
    check_single_version,
    single_version,
)

ACTING_USER: ContextVar[int | None] = ContextVar("acting_user", default=None)
"""The user whose key makes the current request's writes (None for the back door); items record
who created and who last edited them, shown in group libraries' ``meta``."""

MAX_WRITE_OBJECTS = 50


@dataclass
class WriteReport:
    """The body of a multi-object write response; keys are the upload's indexes as strings."""

    successful: dict[str, StoredObject] = field(default_factory=dict)
    success: dict[str, str] = field(default_factory=dict)
    unchanged: dict[str, str] = field(default_factory=dict)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)


def write_many(
    library: Library,
    kind: str,
    uploads: list[Any],
    *,
    library_header: int | None,
    now: str,
    schema: Schema,
) -> WriteReport:
    """Apply a multi-object POST (``items`` or ``collections``) and report per object."""
    check_library_version(library, library_header)
    report = WriteReport()
    start_version = library.version
    for index, upload in enumerate(uploads):
        slot = str(index)
        try:
            if not isinstance(upload, dict):
                raise ObjectError(
                    400,
                    f"Invalid value for index {index} in uploaded data; "
                    f"expected JSON {NOUN[kind].lower()} object",
                )
            stored, changed = _write_one(
                library, kind, upload, library_header, start_version, now, schema
            )
        except ObjectError as refused:
            report.failed[slot] = refused.as_report()
            continue
        version = library.bump()
        if changed:
            stored.version = version
            library.note_tags(stored)
            report.successful[slot] = stored
            report.success[slot] = stored.key
        else:
            report.unchanged[slot] = stored.key
    return report


def _write_one(
    library: Library,
    kind: str,
    upload: Any,
    library_header: int | None,
    start_version: int,
    now: str,
    schema: Schema,
) -> tuple[StoredObject, bool]:
    objects = library.objects(kind)
    upload = editable(upload)
    key = upload.get("key")
    if key is not None and not is_valid_key(key):
        raise ObjectError(400, f"'{key}' is not a valid {NOUN[kind].lower()} key")
    existing = objects.get(key) if key else None
    check_object_version(kind, upload, existing, library_header is None, start_version)
    return apply_upload(library, kind, upload, existing, partial=True, now=now, schema=schema)


def editable(upload: dict[str, Any]) -> dict[str, Any]:
    """The editable part of an upload: a whole API object (``{key, version, library, links,
    meta, data}``, as GET returns it) is taken by its ``data`` (``extractEditableJSON``)."""
    data = upload.get("data")
    return data if isinstance(data, dict) else upload


def apply_upload(
    library: Library,
    kind: str,
    upload: dict[str, Any],
    existing: StoredObject | None,
    *,
    partial: bool,
    now: str,
    schema: Schema,
) -> tuple[StoredObject, bool]:
    """Validate and store one object; return it and whether its data changed.

    The caller assigns the version (and bumps the library) when it changed. Sending an item's
    tags counts as a change even when they are the same (dataserver's ``Item::setTags`` replaces
    them; sessions 2 and 3 of zotmark-on-dataserver), unless the item had none and gets none.
    """
    objects = library.objects(kind)
    key = existing.key if existing is not None else upload.get("key") or new_object_key(objects)
    old = existing.data if existing else None
    if kind == "items":
        upload = _without_reverse_relations(library, key, upload, old)
        if partial and old and old.get("parentItem") and _filed_without_parent(upload):
            upload = {**upload, "parentItem": False}  # it becomes a top-level item
    if kind == "items":
        check_item(upload, library, existing, partial=partial, schema=schema, key=key)
        data = merge_item(old, upload, partial=partial, now=now, schema=schema)
    elif kind == "searches":
        check_search(upload, existing, partial=partial)
        data = merge_search(old, upload, partial=partial)
    else:
        check_collection(upload, library, existing, partial=partial)
        data = merge_collection(old, upload, partial=partial)
        _break_cycle(library, key, data.get("parentCollection"))
    user = ACTING_USER.get()
    if existing is not None:
        changed = changed_props(existing.data, data)
        if not changed and not tags_rewritten(kind, upload, old):
            return existing, False
        if changed - {"collections", "relations"}:
            existing.modified_by = user  # a field edit or trashing, not a collection or
            # relation change (dataserver's item tests)
        library.put(kind, existing, data)
        return existing, True
    creator = library.former_creators.pop(key, user) if kind == "items" else user
    stored = StoredObject(
        key=key, version=0, data=data, seq=library.next_seq(), created_by=creator, modified_by=user
    )
    library.put(kind, stored, data)
    library.forget_deleted(kind, key)
    return stored, True


def _filed_without_parent(upload: Any) -> bool:
    """Whether a partial write puts a child item into collections without naming a parent:
    the genuine server makes it a top-level item (dataserver's item tests, a child
    attachment's JSON PATCHed back without ``parentItem``), where naming the parent is 400."""
    return (
        isinstance(upload, dict)
        and "parentItem" not in upload
        and isinstance(upload.get("collections"), list)
        and bool(upload["collections"])
    )


def _break_cycle(library: Library, key: str, parent: Any) -> None:
    """A collection put under one of its own descendants: that descendant moves to the root
    (dataserver collection tests), at the version the write is about to get."""
    ancestor = parent
    seen = set()
    while ancestor and ancestor not in seen:
        if ancestor == key:
            moved = library.collections[parent]
            library.put("collections", moved, dict(moved.data, parentCollection=False))
            moved.version = library.version + 1  # the caller's bump for this write
            return
        seen.add(ancestor)
        above = library.collections.get(ancestor)
        ancestor = above.data.get("parentCollection") if above is not None else None


def _without_reverse_relations(
    library: Library, key: str, upload: dict[str, Any], old: dict[str, Any] | None
) -> dict[str, Any]:
    """The upload without the related items that already relate to this item: they show in
    its JSON as the other side of their relation, and sending them back changes nothing
    (dataserver ``Item::loadRelations``)."""
    relations = upload.get("relations")
    reverse = library.reverse_related(key)
    if not reverse or not isinstance(relations, dict) or "dc:relation" not in relations:
        return upload
    sent = relation_objects(relations["dc:relation"])
    stored = relation_objects((old or {}).get("relations", {}).get("dc:relation"))
    kept = [uri for uri in sent if uri not in reverse or uri in stored]
    cleaned = dict(relations)
    if kept:
        cleaned["dc:relation"] = kept
    else:
        cleaned.pop("dc:relation")
    return dict(upload, relations=cleaned)


def write_single(
    library: Library,
    kind: str,
    key: str,
    body: Any,
    *,
    header: int | None,
    method: str,
    now: str,
    schema: Schema,
) -> int:
    """PUT (whole) or PATCH (partial) one object; return the ``Last-Modified-Version`` to send."""
    if not isinstance(body, dict):
        raise ApiError(400, "Uploaded data must be a JSON object")
    body = editable(body)
    version = single_version(body, header)
    existing = library.objects(kind).get(key)
    if existing is None and method == "PATCH" and version is None:
        raise ApiError(
            404,
            f"{NOUN[kind]} not found (to create, use If-Unmodified-Since-Version: 0, "
            "JSON 'version' 0, or PUT method)",
        )
    if existing is not None and version is None:
        raise ApiError(428, VERSION_REQUIRED)
    check_single_version(kind, existing, version or 0)
    if "key" in body and body["key"] != key:
        noun = NOUN[kind].lower()
        raise ApiError(409, f"'key' property in JSON does not match {noun} key of request")
    upload = dict(body, key=key)
    try:
        stored, changed = apply_upload(
            library, kind, upload, existing, partial=(method == "PATCH"), now=now, schema=schema
        )
    except ObjectError as refused:
        raise ApiError(refused.code, refused.message) from refused
    if not changed:
        return stored.version  # the object's (dataserver relation tests: an unchanged PUT)
    stored.version = library.bump()
    library.note_tags(stored)
    return stored.version


def add_to_collection(library: Library, collection: str, item_keys: list[str]) -> int:
    """``POST /collections/<key>/items`` with item keys separated by spaces (the older way to
    file items, still used by dataserver's permission tests): each top-level item not yet in
    the collection gets it, at one new version. 400 for a key that is no item."""
    if collection not in library.collections:
        raise ApiError(404, "Collection not found")
    items = []
    for key in item_keys:
        item = library.items.get(key)
        if item is None:
            raise ApiError(400, f"Item '{key}' not found")
        if collection not in item.data.get("collections", ()):
            items.append(item)
    if not items:
        return library.version
    version = library.bump()
    for item in items:
        data = dict(item.data, collections=[*item.data.get("collections", ()), collection])
        library.put("items", item, data)
        item.version = version
    return version
