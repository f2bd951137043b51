"""The Zotero data schema (item types, fields, creator types) as the sandbox uses it.

Loaded once from the packaged ``zotmark/data/zotero-schema.json`` (schema version 41, the file the
recorded real server ran with). Everything the sandbox validates or templates comes from here:
which fields an item type takes and in which order, the primary creator type, base-field
mappings, and the English labels served by ``/itemTypes``, ``/itemFields`` and friends.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# Item types that have no regular fields; they are never offered by /itemTypes as regular types.
NOTE_TYPES = frozenset({"note", "attachment", "annotation"})
EMBEDDED_IMAGE_LACKS = ("title", "url", "accessDate", "note", "charset")
"""The attachment properties an embedded image has none of (nor tags, collections or
relations: dataserver ``Item::toJSON``)."""

CREATOR_FIELDS = (
    {"field": "firstName", "localized": "First"},
    {"field": "lastName", "localized": "Last"},
    {"field": "name", "localized": "Name"},
)


@dataclass(frozen=True)
class ItemType:
    """One item type: its fields in schema order, base-field map and creator types."""

    name: str
    fields: tuple[str, ...]
    base_fields: dict[str, str]
    creator_types: tuple[str, ...]
    primary_creator: str | None
    field_set: frozenset[str] = dataclasses.field(init=False, repr=False, compare=False)
    """``fields`` as a set, for membership tests."""
    layout: tuple[str, ...] = dataclasses.field(init=False, repr=False, compare=False)
    """The stored item's typed properties in the server's order: ``fields`` with ``creators``
    after the first one."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_set", frozenset(self.fields))
        object.__setattr__(self, "layout", (*self.fields[:1], "creators", *self.fields[1:]))


class Schema:
    """Read-only view of the Zotero schema with the look-ups the server needs."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: int = int(raw["version"])
        locale = raw["locales"]["en-US"]
        self._type_labels: dict[str, str] = dict(locale["itemTypes"])
        self._field_labels: dict[str, str] = dict(locale["fields"])
        self._creator_labels: dict[str, str] = dict(locale["creatorTypes"])
        self.types: dict[str, ItemType] = {}
        for entry in raw["itemTypes"]:
            fields = tuple(f["field"] for f in entry["fields"])
            bases = {f["field"]: f["baseField"] for f in entry["fields"] if "baseField" in f}
            creators = tuple(c["creatorType"] for c in entry["creatorTypes"])
            primary = next(
                (c["creatorType"] for c in entry["creatorTypes"] if c.get("primary")), None
            )
            self.types[entry["itemType"]] = ItemType(
                entry["itemType"], fields, bases, creators, primary
            )
        self.all_fields: frozenset[str] = frozenset(
            field for item_type in self.types.values() for field in item_type.fields
        ) | frozenset(base for t in self.types.values() for base in t.base_fields.values())
        self.all_creator_types: frozenset[str] = frozenset(
            c for t in self.types.values() for c in t.creator_types
        )

    def item_type(self, name: str) -> ItemType | None:
        """The item type called ``name``, or None when the schema has no such type."""
        return self.types.get(name)

    def type_label(self, name: str) -> str:
        return self._type_labels.get(name, name)

    def field_label(self, name: str) -> str:
        return self._field_labels.get(name, name)

    def creator_label(self, name: str) -> str:
        return self._creator_labels.get(name, name)

    def item_types_listing(self) -> list[dict[str, str]]:
        """``GET /itemTypes``: every type but annotations, sorted by English label."""
        rows = [
            {"itemType": name, "localized": self.type_label(name)}
            for name in self.types
            if name != "annotation"
        ]
        return sorted(rows, key=lambda row: row["localized"].lower())

    def item_fields_listing(self) -> list[dict[str, str]]:
        """``GET /itemFields``: every field of every type, sorted by English label."""
        rows = [{"field": f, "localized": self.field_label(f)} for f in self.all_fields]
        return sorted(rows, key=lambda row: row["localized"].lower())

    def type_fields_listing(self, item_type: ItemType) -> list[dict[str, str]]:
        """``GET /itemTypeFields``: the type's fields in schema order."""
        return [{"field": f, "localized": self.field_label(f)} for f in item_type.fields]

    def creator_types_listing(self, item_type: ItemType) -> list[dict[str, str]]:
        """``GET /itemTypeCreatorTypes``: the primary creator type first, then schema order."""
        return [
            {"creatorType": c, "localized": self.creator_label(c)} for c in item_type.creator_types
        ]

    def template(
        self,
        item_type: ItemType,
        link_mode: str | None = None,
        annotation_type: str | None = None,
    ) -> dict[str, Any]:
        """``GET /items/new``: the empty item JSON in the order the real server sends it
        (dataserver ``MappingsController::newItem``); ``link_mode`` for attachments,
        ``annotation_type`` for annotations, both checked by the caller."""
        template: dict[str, Any] = {"itemType": item_type.name}
        if item_type.name == "attachment":
            template["linkMode"] = link_mode
        embedded = link_mode == "embedded_image"
        for index, field in enumerate(item_type.fields):
            attachment_url = field == "url" and item_type.name == "attachment"
            if attachment_url and not (link_mode or "").endswith("_url"):
                continue  # only a link to a URL has one
            template[field] = ""
            if index == 0 and item_type.name not in NOTE_TYPES:
                template["creators"] = _template_creators(item_type)
        if not item_type.fields and item_type.name not in NOTE_TYPES:
            template["creators"] = _template_creators(item_type)
        if embedded:
            template["parentItem"] = ""
        elif annotation_type is not None:
            template.update(_annotation_fields(annotation_type))
        if item_type.name in ("note", "attachment"):
            template["note"] = ""
        template.update({"tags": [], "collections": [], "relations": {}})
        if item_type.name == "attachment":
            template.update(_attachment_fields(link_mode or "linked_url"))
            if embedded:
                for name in (*EMBEDDED_IMAGE_LACKS, "tags", "collections", "relations"):
                    template.pop(name, None)
        elif annotation_type is not None:
            del template["collections"], template["relations"]
        return template


TEMPLATE_ANNOTATION_TYPES = ("highlight", "note", "image", "ink")
"""The annotation types ``/items/new`` has templates for (dataserver ``newItem``)."""


def _template_creators(item_type: ItemType) -> list[dict[str, str]]:
    if item_type.primary_creator is None:
        return []
    return [{"creatorType": item_type.primary_creator, "firstName": "", "lastName": ""}]


def _annotation_fields(annotation_type: str) -> dict[str, Any]:
    """The annotation template's own properties, by annotation type."""
    fields: dict[str, Any] = {"parentItem": "", "annotationType": annotation_type}
    if annotation_type == "highlight":
        fields["annotationText"] = ""
    position: dict[str, Any] = {"pageIndex": 0}
    if annotation_type == "ink":
        position.update(paths=[], width=2)
    else:
        position["rects"] = []
    if annotation_type == "image":
        position.update(width=0, height=0)
    fields.update(
        annotationComment="",
        annotationColor="",
        annotationPageLabel="",
        annotationSortIndex="00000|000000|00000",
        annotationPosition=position,
    )
    return fields


def _attachment_fields(link_mode: str) -> dict[str, Any]:
    """An attachment template's file properties, after its tags, collections and relations
    (an embedded image has none of those, nor a title, URL, access date, note or charset)."""
    fields: dict[str, Any] = {"contentType": "", "charset": ""}
    if link_mode == "linked_file":
        fields["path"] = ""
    if link_mode.startswith("imported_") or link_mode == "embedded_image":
        fields.update(filename="", md5=None, mtime=None)
    return fields


@cache
def load_schema() -> Schema:
    """The packaged schema, parsed once per process."""
    text = resources.files("zotmark").joinpath("data", "zotero-schema.json").read_text("utf-8")
    return Schema(json.loads(text))


@cache
def schema_bytes() -> bytes:
    """The packaged schema file as served by ``GET /schema``."""
    return resources.files("zotmark").joinpath("data", "zotero-schema.json").read_bytes()
