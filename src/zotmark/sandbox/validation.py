"""Validation of uploaded item, collection and saved-search JSON, with the real server's messages.

Ports the checks of dataserver's ``Zotero_Items::validateJSONItem`` that matter to API clients:
required properties, item types and fields from the schema, tags, creators, collections and
parent references. Every refusal is an :class:`~zotmark.sandbox.errors.ObjectError` carrying the
status the real server uses (400, or 409 for a missing collection or parent).
"""

from __future__ import annotations

import re
from typing import Any

from zotmark.sandbox.annotations import check_annotation
from zotmark.sandbox.dates import is_sql_date, is_timestamp
from zotmark.sandbox.errors import ObjectError, bad
from zotmark.sandbox.keys import is_valid_key
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.notes import MAX_NOTE_LENGTH, NoteTooLong, note_excerpt
from zotmark.sandbox.relations import check_relations
from zotmark.sandbox.schema import NOTE_TYPES, Schema

LINK_MODES = frozenset(
    {"imported_file", "imported_url", "linked_file", "linked_url", "embedded_image"}
)
MAX_FIELD_LENGTH = 65535
MAX_TAG_LENGTH = 255
MAX_COLLECTION_NAME_LENGTH = 255  # characters, not bytes (session 3 of zotmark-on-dataserver)
ATTACHMENT_PROPS = frozenset(
    {"contentType", "charset", "filename", "md5", "mtime", "path", "lastRead"}
)


def item_type_of(body: dict[str, Any], existing: StoredObject | None) -> str:
    """The item type the object will have: the uploaded one, else the stored one."""
    if "itemType" in body:
        return str(body["itemType"])
    return str(existing.data.get("itemType", "")) if existing else ""


class FieldTooLong(ObjectError):
    """413 for a field value over 65,535 UTF-8 bytes (the message names the item)."""


def check_item(
    body: object,
    library: Library,
    existing: StoredObject | None,
    *,
    partial: bool,
    schema: Schema,
    key: str = "",
) -> dict[str, Any]:
    """Validate one uploaded item; return it as a dict or raise :class:`ObjectError`.

    ``partial`` is True for POST-on-existing and PATCH (only sent properties change); ``key``
    is the item's key (the one the server assigns to a new keyless item), named in 413s.
    """
    if not isinstance(body, dict):
        raise bad(f"Invalid item object (found {type(body).__name__} '{body}')")
    is_child = _is_child(body, existing, partial)
    _check_required(body, existing, partial=partial, is_child=is_child)
    item_type = item_type_of(body, existing)
    for name, value in body.items():
        try:
            _check_property(name, value, body, library, item_type, is_child, schema, existing)
        except FieldTooLong as too_long:
            # "... too long for item '3/DVAUHHXA'" (session 3 of zotmark-on-dataserver)
            too_long.message += f" for item '{library.id}/{key}'"
            raise
        except NoteTooLong as too_long:
            if body.get("key") or existing is not None:  # a new keyless note is not named
                too_long.message += f" for item '{library.id}/{key}'"
            raise
    if item_type == "attachment" and link_mode_of(body, existing) == "embedded_image":
        _check_embedded_image(body, existing)
    if item_type == "annotation":
        check_annotation(body, library, existing)
    return body


def _check_embedded_image(body: dict[str, Any], existing: StoredObject | None) -> None:
    """An embedded image (in a note) keeps its parent and has an image content type."""
    old_parent = existing.data.get("parentItem") if existing else None
    if existing is not None and "parentItem" in body and body["parentItem"] != old_parent:
        raise bad("Cannot change parent item of embedded-image attachment")
    parent = body.get("parentItem", old_parent)
    if parent in (None, False, ""):
        raise bad("Embedded-image attachment must have a parent item")
    content_type = body.get("contentType", existing.data.get("contentType") if existing else "")
    if not str(content_type or "").startswith("image/"):
        raise bad("Embedded-image attachment must have an image content type")


def _is_child(body: dict[str, Any], existing: StoredObject | None, partial: bool) -> bool:
    if "parentItem" in body:
        return body["parentItem"] not in (False, None, "")
    return bool(partial and existing and existing.data.get("parentItem"))


def _check_required(
    body: dict[str, Any], existing: StoredObject | None, *, partial: bool, is_child: bool
) -> None:
    if partial and existing is not None:
        required: list[str] = []
    elif body.get("itemType") == "attachment":
        required = ["linkMode"]
    elif existing is None:
        required = ["itemType"]
    else:
        required = ["itemType", "tags", "relations"] + ([] if is_child else ["collections"])
    for prop in required:
        if prop not in body:
            raise bad(f"'{prop}' property not provided")


def _check_property(
    name: str,
    value: Any,
    body: dict[str, Any],
    library: Library,
    item_type: str,
    is_child: bool,
    schema: Schema,
    existing: StoredObject | None,
) -> None:
    if name in ("key", "version", "inPublications"):
        return
    checker = _CHECKERS.get(name)
    if checker is not None:
        checker(value, body, library, item_type, is_child, schema, existing)
    elif name in ATTACHMENT_PROPS:
        _check_attachment_prop(name, value, body, library, item_type, existing)
    elif name.startswith("annotation"):
        if item_type != "annotation":
            raise bad(f"'{name}' is valid only for annotation items")
    else:
        _check_field(name, value, item_type, schema)


def link_mode_of(body: dict[str, Any], existing: StoredObject | None) -> str:
    """The attachment's link mode: the uploaded one, else the stored one."""
    if isinstance(body.get("linkMode"), str):
        return str(body["linkMode"]).lower()
    return str(existing.data.get("linkMode", "")) if existing else ""


def _check_attachment_prop(
    name: str,
    value: Any,
    body: dict[str, Any],
    library: Library,
    item_type: str,
    existing: StoredObject | None,
) -> None:
    """The attachment properties, as dataserver's ``validateJSONItem`` and ``Item`` check them."""
    if item_type != "attachment":
        raise bad(f"'{name}' is valid only for attachment items")
    link_mode = link_mode_of(body, existing)
    stored_file = link_mode.startswith("imported_") or link_mode == "embedded_image"
    if name in ("filename", "md5", "mtime") and not stored_file:
        raise bad(f"'{name}' is valid only for imported and embedded-image attachments")
    if name == "path" and link_mode != "linked_file":
        raise bad(f"'{name}' is valid only for linked file attachment items")
    if name == "charset" and link_mode == "embedded_image" and value not in ("", None):
        raise bad(f"'{name}' is not valid for embedded images")
    if name == "md5" and value and not re.fullmatch(r"[a-f0-9]{32}", str(value)):
        raise bad(f"'{value}' is not a valid MD5 hash")
    if name == "filename" and isinstance(value, str) and ("/" in value or "\\" in value):
        raise bad(f"Stored-file filename '{value}' cannot contain a slash")
    if name == "lastRead":
        if library.kind != "user":
            raise bad("'lastRead' can only be set in user libraries")
        cleared = value in ("", None, False)
        if not cleared and (isinstance(value, bool) or not isinstance(value, int)):
            raise bad("'lastRead' must be an integer")
    if link_mode == "linked_file" and library.kind != "user":
        raise bad("Linked files can only be added to user libraries")


def _check_field(name: str, value: Any, item_type: str, schema: Schema) -> None:
    if name not in schema.all_fields:
        raise bad(f"Invalid property '{name}'")
    if isinstance(value, list | dict):
        raise bad(f"Unexpected array for property '{name}'")
    known = schema.item_type(item_type)
    if known is not None and name not in known.fields and value not in ("", None):
        raise bad(f"'{name}' is not a valid field for type '{item_type}'")
    if isinstance(value, str) and _utf8_length(value) > MAX_FIELD_LENGTH:
        label = schema.field_label(name)
        shown = f"{value[:50]}…"
        raise FieldTooLong(
            413, f"{label} field value '{shown}' too long", {"field": label, "value": shown}
        )


def _utf8_length(value: str) -> int:
    """A field's length as zotero.org counts it: in UTF-8 bytes (a 30,000-character CJK title
    is 90,000 bytes, over the limit; recorded in session 3 of zotmark-on-dataserver)."""
    return len(value.encode("utf-8", "surrogatepass"))


def _check_parent(
    value: Any,
    body: dict[str, Any],
    library: Library,
    _t: Any,
    _c: Any,
    _s: Any,
    existing: StoredObject | None,
) -> None:
    if value in (False, None, ""):
        return
    if not is_valid_key(value):
        raise bad("'parentItem' must be a valid item key or false")
    if body.get("key") == value:
        raise bad(f"Item {library.id}/{value} cannot be a child of itself")
    parent = library.items.get(value)
    if parent is None:
        raise ObjectError(409, f"Parent item {value} not found", {"parentItem": value})
    embedded_image = body.get("linkMode") == "embedded_image" or (
        existing is not None and existing.data.get("linkMode") == "embedded_image"
    )
    parent_type = parent.data.get("itemType")
    if item_type_of(body, existing) == "annotation":
        return  # under a file attachment, child or not (see annotations.check_annotation)
    if parent.data.get("parentItem") and not embedded_image:
        raise bad(f"Parent item {value} cannot be a child item")
    if parent_type in NOTE_TYPES and not (embedded_image and parent_type == "note"):
        raise ObjectError(409, "Parent item cannot be a note or attachment", {"parentItem": value})


def _check_item_type(
    value: Any, body: dict[str, Any], _l: Any, _t: Any, is_child: bool, schema: Schema, _e: Any
) -> None:
    if not isinstance(value, str):
        raise bad("'itemType' must be a string")
    if schema.item_type(value) is None:
        raise bad(f"'{value}' is not a valid itemType")
    if is_child and value not in NOTE_TYPES:
        raise bad("Child item must be note, attachment, or annotation")


def _check_tags(value: Any, *_: Any) -> None:
    if not isinstance(value, list):
        raise bad("'tags' property must be an array")
    for tag in value:
        if not isinstance(tag, dict):
            raise bad("Tag must be an object")
        if not tag:
            raise bad("Tag object is empty")
        for prop, prop_value in tag.items():
            if prop == "tag":
                if isinstance(prop_value, list | dict) or prop_value is None:
                    raise bad("Invalid tag name")
                if len(str(prop_value)) > MAX_TAG_LENGTH:
                    name = str(prop_value)
                    raise ObjectError(413, f"Tag '{name[:50]}…' too long", {"tag": name})
            elif prop == "type":
                if not _is_number(prop_value):
                    raise bad(f"Invalid tag type '{prop_value}'")
            else:
                raise bad(f"Invalid tag property '{prop}'")


def _check_collections(
    value: Any, _b: Any, library: Library, _t: Any, is_child: bool, *_: Any
) -> None:
    if not isinstance(value, list):
        raise bad("'collections' property must be an array")
    if is_child and value:
        raise bad("Child items cannot be assigned to collections")
    for key in value:
        if not is_valid_key(key):
            raise bad(f"'{key}' is not a valid collection key")
    for key in value:
        if key not in library.collections:
            raise ObjectError(409, f"Collection {key} not found", {"collection": key})


def _check_relations(value: Any, *_: Any) -> None:
    check_relations(value, "item")


def _check_creators(
    value: Any,
    _b: Any,
    _l: Any,
    item_type: str,
    _c: Any,
    schema: Schema,
    existing: StoredObject | None,
) -> None:
    if not isinstance(value, list):
        raise bad("'creators' property must be an array")
    for creator in value:
        if not isinstance(creator, dict) or "creatorType" not in creator:
            raise bad("creator object must contain 'creatorType'")
        names = [str(creator.get(k) or "").strip() for k in ("name", "firstName", "lastName")]
        if not any(names):
            if len(value) == 1 and existing is None:
                continue
            raise bad("creator object must contain 'firstName'/'lastName' or 'name'")
        for prop in creator:
            _check_creator_prop(prop, creator, item_type, schema)


def _check_creator_prop(prop: str, creator: dict[str, Any], item_type: str, schema: Schema) -> None:
    if prop == "creatorType":
        kind = creator[prop]
        if kind not in schema.all_creator_types:
            raise bad(f"'{kind}' is not a valid creator type")
        known = schema.item_type(item_type)
        if known is not None and kind not in known.creator_types and kind != "author":
            raise bad(f"'{kind}' is not a valid creator type for item type '{item_type}'")
    elif prop in ("firstName", "lastName"):
        other = "lastName" if prop == "firstName" else "firstName"
        if other not in creator:
            raise bad(f"'{other}' creator field must be set if '{prop}' is set")
        if "name" in creator:
            raise bad(f"'{prop}' and 'name' creator fields are mutually exclusive")
    elif prop != "name":
        raise bad(f"Invalid creator property '{prop}'")


def _check_note(
    value: Any, body: dict[str, Any], _l: Any, item_type: str, _c: Any, _s: Any, existing: Any
) -> None:
    if item_type not in ("note", "attachment"):
        raise bad("'note' property is valid only for note and attachment items")
    embedded = item_type == "attachment" and link_mode_of(body, existing) == "embedded_image"
    if embedded and value != "":
        raise bad("'note' property is not valid for embedded images")
    if isinstance(value, str) and len(value) > MAX_NOTE_LENGTH:
        raise NoteTooLong(413, f"Note '{note_excerpt(value)}...' too long")


def check_deleted(value: Any, *_: Any) -> None:
    if not isinstance(value, bool) and value not in (0, 1):
        raise bad("'deleted' must be a boolean")


def _check_link_mode(
    value: Any, _b: Any, _l: Any, item_type: str, _c: Any, _s: Any, existing: StoredObject | None
) -> None:
    if item_type != "attachment":
        raise bad("'linkMode' is valid only for attachment items")
    if value not in LINK_MODES:
        raise bad(f"'{value}' is not a valid linkMode")
    if existing is not None and existing.data.get("linkMode") not in (None, value):
        raise bad("Cannot change attachment linkMode")


def _check_access_date(value: Any, *_: Any) -> None:
    if value in ("", "CURRENT_TIMESTAMP") or is_sql_date(value) or is_timestamp(value):
        return
    raise bad(
        "'accessDate' must be in ISO 8601 or UTC 'YYYY-MM-DD[ hh:mm:ss]' format or "
        f"'CURRENT_TIMESTAMP' ({value})"
    )


def _check_timestamp(name: str) -> Any:
    def check(value: Any, *_: Any) -> None:
        if not is_timestamp(value):
            raise bad(f"'{name}' must be in ISO 8601 or UTC 'YYYY-MM-DD hh:mm:ss' format ({value})")

    return check


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()


_CHECKERS: dict[str, Any] = {
    "parentItem": _check_parent,
    "itemType": _check_item_type,
    "tags": _check_tags,
    "collections": _check_collections,
    "relations": _check_relations,
    "creators": _check_creators,
    "note": _check_note,
    "deleted": check_deleted,
    "linkMode": _check_link_mode,
    "accessDate": _check_access_date,
    "dateAdded": _check_timestamp("dateAdded"),
    "dateModified": _check_timestamp("dateModified"),
}
