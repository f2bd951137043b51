"""Write semantics for items, collections and saved searches: versions, preconditions, write
reports, deletes.

This is the heart of the emulator and follows the recorded real server (dataserver 5cf550f3):

* a multi-object POST checks ``If-Unmodified-Since-Version`` against the library once, then bumps
  the library version **once per object** (written, or reported unchanged); each written object
  takes the new value; failed objects leave the version alone;
* a keyed object needs a ``version`` property unless the request carried the library header
  (428); ``version`` 0 means "must not exist yet" (412 when it does), a stale version is 412, a
  version > 0 for a missing key is 404; an existing key is a partial update;
* single-object PUT/PATCH/DELETE compare with the **object** version; an unchanged PUT/PATCH
  answers with the object's own version and bumps nothing;
* deletes are logged for ``/deleted``.

The caller holds the store's transaction; nothing here does I/O.
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
from zotmark.sandbox.errors import ApiError, ObjectError
from zotmark.sandbox.keys import is_valid_key, new_object_key
from zotmark.sandbox.model import Library, StoredObject, relation_objects
from zotmark.sandbox.schema import Schema
from zotmark.sandbox.validation import check_collection, check_item, check_search

ACTING_USER: ContextVar[int | None] = ContextVar("acting_user", default=None)
"""The user whose key makes the current request's writes (None for the back door); items record
who created and who last edited them, shown in group libraries' ``meta``."""

MAX_WRITE_OBJECTS = 50
VERSION_REQUIRED = (
    "Either If-Unmodified-Since-Version or object version property must be provided for "
    "key-based writes"
)
# The multi-object write's wording (session 3 of zotmark-on-dataserver, probe:recreate-nover)
VERSION_REQUIRED_OBJECT = (
    "Either If-Unmodified-Since-Version or 'version' property must be provided for "
    "'key'-based writes"
)
_NOUN = {"items": "Item", "collections": "Collection", "searches": "Search"}


@dataclass
class WriteReport:
    """The body of a multi-object write response; keys are the upload's indexes as strings."""

    successful: dict[str, StoredObject] = field(default_factory=dict)
    success: dict[str, str] = field(default_factory=dict)
    unchanged: dict[str, str] = field(default_factory=dict)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)


def check_library_version(library: Library, header: int | None) -> None:
    """412 when the library moved past ``If-Unmodified-Since-Version`` (a larger value passes).

    Unlike an object's 412, this one carries no ``Last-Modified-Version`` (a multi-object
    POST's and a multi-DELETE's in sessions 2 and 3 of zotmark-on-dataserver)."""
    if header is not None and library.version > header:
        raise ApiError(
            412,
            f"Library has been modified since specified version "
            f"(expected {header}, found {library.version})",
        )


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
                    f"expected JSON {_NOUN[kind].lower()} object",
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
        raise ObjectError(400, f"'{key}' is not a valid {_NOUN[kind].lower()} key")
    existing = objects.get(key) if key else None
    _check_object_version(kind, upload, existing, library_header is None, start_version)
    return apply_upload(library, kind, upload, existing, partial=True, now=now, schema=schema)


def editable(upload: dict[str, Any]) -> dict[str, Any]:
    """The editable part of an upload: a whole API object (``{key, version, library, links,
    meta, data}``, as GET returns it) is taken by its ``data`` (``extractEditableJSON``)."""
    data = upload.get("data")
    return data if isinstance(data, dict) else upload


def _check_object_version(
    kind: str,
    upload: dict[str, Any],
    existing: StoredObject | None,
    require: bool,
    start_version: int,
) -> None:
    if "version" not in upload:
        if require and "key" in upload:
            raise ObjectError(428, VERSION_REQUIRED_OBJECT)
        return
    version = _as_version(upload["version"])
    if version is None:
        raise ObjectError(400, "'version' must be an integer")
    if "key" not in upload:
        raise ObjectError(400, f"'version' is valid only if {_NOUN[kind].lower()} key is provided")
    if existing is not None and existing.version > version:
        if existing.version > start_version:  # written earlier in this same request
            return
        raise ObjectError(412, stale_message(_NOUN[kind], version, existing.version))
    if existing is None and version > 0:
        raise ObjectError(
            404, f"{_NOUN[kind]} doesn't exist (expected version {version}; use 0 instead)"
        )


def stale_message(noun: str, expected: int, found: int) -> str:
    """The 412 text for an object (``noun``: Item, Collection, Search, Setting) that moved
    past the version the request expected."""
    return f"{noun} has been modified since specified version (expected {expected}, found {found})"


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
            f"{_NOUN[kind]} not found (to create, use If-Unmodified-Since-Version: 0, "
            "JSON 'version' 0, or PUT method)",
        )
    if existing is not None and version is None:
        raise ApiError(428, VERSION_REQUIRED)
    _check_single_version(kind, existing, version or 0)
    if "key" in body and body["key"] != key:
        noun = _NOUN[kind].lower()
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


def _as_version(value: Any) -> int | None:
    """An object's ``version`` as sent: an integer, or a string of digits (the genuine server
    takes ``"3"``, as dataserver's item tests send the ``Last-Modified-Version`` header's
    text back); else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def single_version(body: dict[str, Any], header: int | None) -> int | None:
    """The version a single-object write expects: the ``If-Unmodified-Since-Version`` header
    or the body's ``version`` (400 when both are given and differ, or the body's is no
    integer); None when neither is given."""
    sent = body.get("version")
    if sent is not None:
        sent = _as_version(sent)
        if sent is None:
            raise ApiError(400, "'version' must be an integer")
    if header is not None and sent is not None and header != sent:
        raise ApiError(
            400,
            "If-Unmodified-Since-Version value does not match JSON 'version' property "
            f"({header} != {sent})",
        )
    return header if header is not None else sent


def _check_single_version(kind: str, existing: StoredObject | None, version: int) -> None:
    # a newer version than the object's passes: the recorded server answered 204 to a PATCH
    # with the library's version 5 for an item at 3 (REC #15 of dataserver-session.jsonl)
    if existing is not None and existing.version > version:
        raise ApiError(
            412,
            stale_message(_NOUN[kind], version, existing.version),
            last_modified=existing.version,
        )
    if existing is None and version > 0:
        raise ApiError(404, f"{_NOUN[kind]} not found (expected version {version})")


def delete_single(library: Library, kind: str, key: str, header: int | None) -> int:
    """DELETE one object with its object version; return the new library version."""
    if header is None:
        raise ApiError(428, "If-Unmodified-Since-Version must be provided for delete requests")
    existing = library.objects(kind).get(key)
    _check_single_version(kind, existing, header)
    if existing is None:
        raise ApiError(404, f"{_NOUN[kind]} not found")
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
