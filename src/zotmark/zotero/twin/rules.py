"""The Zotero server's rules for one uploaded item, as the twin enforces them. Pure.

Each rule and its message follow the genuine dataserver as recorded in
``tests/fixtures/recordings`` (``zotmark-on-dataserver/session-3-edges-probes.jsonl``, cited as
S3 with the step name) and as the sandbox's ``validation.py``/``writes.py`` port them from
dataserver's ``Items::validateJSONItem``. A refusal is :class:`Refused` (the per-object
``code`` and ``message`` of a write report's ``failed`` entry).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from zotmark.core.model import is_item_key
from zotmark.schema import is_item_type, item_types, type_fields, valid_field
from zotmark.zotero.mapping import NON_REGULAR_TYPES

MAX_FIELD_BYTES = 65_535  # a field's value, counted in UTF-8 bytes (S3 s10x-edge-sync1)
MAX_TAG_CHARS = 255  # S3 probe:tag256
MAX_COLLECTION_NAME_CHARS = 255  # characters, not bytes (S3 s10x-init-longcoll)

# Properties with a rule of their own, never a plain field. ``relations`` and the two dates
# are taken as sent: zotmark never writes them.
_OWN_RULES = frozenset(
    {"key", "version", "itemType", "tags", "collections", "deleted", "creators", "relations"}
    | {"dateAdded", "dateModified"}
)
_CHILD_PROPS = frozenset({"note", "parentItem", "linkMode", "contentType", "filename"})


class Refused(Exception):
    """The server refused one object: ``code`` (400, 404, 409, 412, 413) and its words."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


@cache
def _field_labels() -> Mapping[str, str]:
    """The en-US label of each field (``title`` → ``Title``): the server names a too-long
    field by it."""
    text = resources.files("zotmark").joinpath("data/zotero-schema.json").read_text("utf-8")
    labels: dict[str, str] = json.loads(text)["locales"]["en-US"]["fields"]
    return labels


@cache
def _all_fields() -> frozenset[str]:
    """Every field of any item type, base fields included: another name is no property."""
    fields: set[str] = set()
    for name in item_types():
        known = type_fields(name)
        fields |= known.fields | set(known.own_name)
    return frozenset(fields)


def stale(expected: int, found: int) -> Refused:
    """412 for an item that moved past ``expected`` (a keyed create sends 0: the key exists,
    S3 probe:recreate-v0; the wording of S3 probe:stale-obj)."""
    return Refused(
        412, f"Item has been modified since specified version (expected {expected}, found {found})"
    )


def check_item(
    upload: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    *,
    collections: Mapping[str, Any],
    item_name: str,
) -> None:
    """Raise :class:`Refused` unless ``upload`` (a new item's data, or a partial update of
    ``existing``) is valid: a well-formed key (400, S3 probe:lowerkey), an ``itemType`` for a
    new item (400, S3 probe:notype) of the schema (400), known properties (400 ``Invalid
    property``, S3 probe:unknownfield) valid for the type (400, S3 probe:badfield; an empty
    value passes), fields of at most 65,535 UTF-8 bytes (413 naming ``item_name``, S3
    s10x-edge-sync1), tags of at most 255 characters with only ``tag``/``type`` (413, S3
    probe:tag256; 400), and ``collections`` of valid (400, S3 probe:badcoll2), existing keys
    (409, S3 probe:badcoll), and creators of a type the item type takes (400, S3
    probe:badcreatortype; ``author`` passes everywhere, as the sandbox has it)."""
    key = str(upload.get("key", ""))
    if not is_item_key(key):
        raise Refused(400, f"'{key}' is not a valid item key")
    if existing is None and "itemType" not in upload:
        raise Refused(400, "'itemType' property not provided")
    item_type = upload.get("itemType", existing.get("itemType") if existing else None)
    if not isinstance(item_type, str) or not is_item_type(item_type):
        raise Refused(400, f"'{item_type}' is not a valid itemType")
    for name, value in upload.items():
        if name == "tags":
            _check_tags(value)
        elif name == "collections":
            _check_collections(value, collections)
        elif name == "creators":
            _check_creators(value, item_type)
        elif name == "parentItem" and item_type not in NON_REGULAR_TYPES:
            if value not in (False, None, ""):  # false: a top-level item
                raise Refused(400, "Child item must be note, attachment, or annotation")
        elif name == "deleted" and not (isinstance(value, bool) or value in (0, 1)):
            raise Refused(400, "'deleted' must be a boolean")
        elif name not in _OWN_RULES and not (
            name in _CHILD_PROPS and item_type in NON_REGULAR_TYPES
        ):
            _check_field(name, value, item_type, item_name)


def _check_field(name: str, value: Any, item_type: str, item_name: str) -> None:
    if name not in _all_fields():
        raise Refused(400, f"Invalid property '{name}'")
    if isinstance(value, list | dict):
        raise Refused(400, f"Unexpected array for property '{name}'")
    if not valid_field(item_type, name) and value not in ("", None):
        raise Refused(400, f"'{name}' is not a valid field for type '{item_type}'")
    if isinstance(value, str) and len(value.encode("utf-8", "surrogatepass")) > MAX_FIELD_BYTES:
        label = _field_labels().get(name, name)
        raise Refused(413, f"{label} field value '{value[:50]}…' too long for item '{item_name}'")


def _check_tags(tags: Any) -> None:
    if not isinstance(tags, list):
        raise Refused(400, "'tags' property must be an array")
    for tag in tags:
        if not isinstance(tag, dict) or not tag:
            raise Refused(400, "Tag must be an object")
        for prop in tag:
            if prop not in ("tag", "type"):
                raise Refused(400, f"Invalid tag property '{prop}'")
        name = tag.get("tag")
        if not isinstance(name, str):
            raise Refused(400, "Invalid tag name")
        if len(name) > MAX_TAG_CHARS:
            raise Refused(413, f"Tag '{name[:50]}…' too long")


@cache
def _all_creator_types() -> frozenset[str]:
    return frozenset(kind for name in item_types() for kind in type_fields(name).creator_types)


def _check_creators(creators: Any, item_type: str) -> None:
    if not isinstance(creators, list):
        raise Refused(400, "'creators' property must be an array")
    for creator in creators:
        if not isinstance(creator, dict) or "creatorType" not in creator:
            raise Refused(400, "creator object must contain 'creatorType'")
        kind = creator["creatorType"]
        if kind not in _all_creator_types():
            raise Refused(400, f"'{kind}' is not a valid creator type")
        if kind not in type_fields(item_type).creator_types and kind != "author":
            raise Refused(400, f"'{kind}' is not a valid creator type for item type '{item_type}'")


def _check_collections(keys: Any, collections: Mapping[str, Any]) -> None:
    if not isinstance(keys, list):
        raise Refused(400, "'collections' property must be an array")
    for key in keys:
        if not isinstance(key, str) or not is_item_key(key):
            raise Refused(400, f"'{key}' is not a valid collection key")
    for key in keys:
        if key not in collections:
            raise Refused(409, f"Collection {key} not found")


def check_collection_name(name: str) -> None:
    """Raise :class:`Refused` unless ``name`` can name a collection: not blank (400), at most
    255 characters (413, S3 s10x-init-longcoll)."""
    if not name.strip():
        raise Refused(400, "Collection name cannot be empty")
    if len(name) > MAX_COLLECTION_NAME_CHARS:
        raise Refused(413, f"Collection name '{name[:50]}…' too long")


def merged(old: Mapping[str, Any] | None, upload: Mapping[str, Any]) -> dict[str, Any]:
    """The item's data after a valid ``upload``: a partial update of ``old`` (``None`` for a
    new item) in which every property sent replaces the old one wholesale (``tags`` and
    ``collections`` included), without ``version``. As the server answers: a tag's ``type`` is
    omitted when 0, ``deleted`` appears only while trashed (as ``1``), and an empty value of
    a field the type lacks is dropped."""
    data = {name: value for name, value in (old or {}).items() if name != "version"}
    item_type = str(upload.get("itemType", data.get("itemType")))
    for name, value in upload.items():
        if name == "version":
            continue
        if name == "tags":
            value = [_tag(tag) for tag in value]
        elif name not in _OWN_RULES and value in ("", None) and not valid_field(item_type, name):
            continue
        data[name] = value
    if data.get("deleted"):
        data["deleted"] = 1
    else:
        data.pop("deleted", None)
    data.setdefault("tags", [])
    data.setdefault("collections", [])
    return data


def _tag(tag: Mapping[str, Any]) -> dict[str, Any]:
    kind = int(tag.get("type", 0) or 0)
    return {"tag": str(tag["tag"]), "type": kind} if kind else {"tag": str(tag["tag"])}


def changes_item(old: Mapping[str, Any], upload: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether writing ``upload`` over ``old`` (giving ``new``) changes the item. Sending
    tags counts as a change even when they are the same (dataserver's ``Item::setTags``
    rewrites them: the item and library versions move; zotmark-on-dataserver session 2,
    ``probe-noop-*``), unless the item had none and gets none."""
    if {k: v for k, v in old.items() if k != "version"} != new:
        return True
    tags = upload.get("tags")
    return isinstance(tags, list) and bool(tags or old.get("tags"))
