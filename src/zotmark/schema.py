"""Which fields and creator types each Zotero item type accepts, from the packaged schema.

Enrichment, BibTeX import and the item mapping build item ``data`` dicts that the Zotero
server validates against ``zotmark/data/zotero-schema.json`` (schema v41); this module answers
the questions they ask
of it so that no invalid field is ever sent: the fields of a type, the type-specific name of a
base field (``publicationTitle`` is ``proceedingsTitle`` on a ``conferencePaper``), and the
creator types a type allows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class TypeFields:
    """One item type: its fields, ``base → own`` field names, and its creator types."""

    name: str
    fields: frozenset[str]
    own_name: dict[str, str]
    creator_types: tuple[str, ...]
    primary_creator: str

    def field_for(self, name: str) -> str | None:
        """The field of this type that holds ``name`` (a field or a base field), or ``None``."""
        if name in self.fields:
            return name
        return self.own_name.get(name)

    def base_of(self, name: str) -> str:
        """The base field of this type's field ``name`` (``name`` itself if it has none)."""
        for base, own in self.own_name.items():
            if own == name:
                return base
        return name


@cache
def _types() -> dict[str, TypeFields]:
    """Every item type of the packaged schema, by name (read once per process)."""
    text = resources.files("zotmark").joinpath("data/zotero-schema.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    types: dict[str, TypeFields] = {}
    for entry in raw["itemTypes"]:
        creators = tuple(str(c["creatorType"]) for c in entry["creatorTypes"])
        primary = next(
            (str(c["creatorType"]) for c in entry["creatorTypes"] if c.get("primary")),
            creators[0] if creators else "author",
        )
        types[entry["itemType"]] = TypeFields(
            name=entry["itemType"],
            fields=frozenset(str(f["field"]) for f in entry["fields"]),
            own_name={
                str(f["baseField"]): str(f["field"]) for f in entry["fields"] if "baseField" in f
            },
            creator_types=creators,
            primary_creator=primary,
        )
    return types


def type_fields(item_type: str) -> TypeFields:
    """The fields of ``item_type``; an unknown type is treated as ``document``."""
    types = _types()
    return types.get(item_type) or types["document"]


def is_item_type(item_type: str) -> bool:
    """Whether ``item_type`` is an item type of the packaged schema."""
    return item_type in _types()


def item_types() -> tuple[str, ...]:
    """Every item type of the packaged schema, in schema order."""
    return tuple(_types())


def title_field(item_type: str) -> str:
    """The title-like field of ``item_type`` (``title``, ``caseName``, ``nameOfAct``,
    ``subject``…); ``title`` for unknown types and types without one, as the API does."""
    found = _types().get(item_type)
    if found is None:
        return "title"
    return found.field_for("title") or "title"


def valid_field(item_type: str, field: str) -> bool:
    """Whether ``field`` is a data field of ``item_type`` (``False`` for an unknown type)."""
    found = _types().get(item_type)
    return found is not None and field in found.fields
