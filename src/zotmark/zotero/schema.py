"""The Zotero data schema (item types and their fields), loaded once from the packaged copy.

``src/zotmark/data/zotero-schema.json`` is zotero/zotero-schema v41, the schema the Web API
validates item fields against. Only the parts zotmark needs are exposed: which fields an item
type takes, and which of them holds the title.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from zotmark.errors import ZoteroError


@dataclass(frozen=True, slots=True)
class ItemType:
    """One item type: its name, its fields in schema order, and its title-like field (the
    field whose base field is ``title``: ``title`` itself, ``caseName``, ``nameOfAct``,
    ``subject``), ``None`` for types without one (notes, annotations)."""

    name: str
    fields: tuple[str, ...]
    title_field: str | None


@cache
def _raw() -> dict[str, Any]:
    """The packaged schema document (read once per process)."""
    text = resources.files("zotmark").joinpath("data/zotero-schema.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return raw


@cache
def _schema() -> dict[str, ItemType]:
    """Every item type of the packaged schema, by name."""
    raw = _raw()
    types: dict[str, ItemType] = {}
    for entry in raw["itemTypes"]:
        fields = tuple(str(f["field"]) for f in entry["fields"])
        title = next(
            (
                str(f["field"])
                for f in entry["fields"]
                if "title" in (f["field"], f.get("baseField"))
            ),
            None,
        )
        types[entry["itemType"]] = ItemType(entry["itemType"], fields, title)
    return types


def schema_version() -> int:
    """The version number of the packaged schema."""
    return int(_raw()["version"])


def item_type(name: str) -> ItemType:
    """The item type called ``name``; :class:`ZoteroError` for a name the schema lacks."""
    try:
        return _schema()[name]
    except KeyError:
        raise ZoteroError(f"'{name}' is not a Zotero item type (schema v41).") from None


def title_field(name: str) -> str:
    """The title-like field of item type ``name``; ``title`` for unknown types and types
    without one, which is what the API uses for them."""
    found = _schema().get(name)
    return (found.title_field if found else None) or "title"


def valid_field(name: str, field: str) -> bool:
    """Whether ``field`` is a data field of item type ``name``."""
    found = _schema().get(name)
    return found is not None and field in found.fields
