"""Applying enrichment :class:`~zotmark.enrich.model.Metadata` to a Zotero item's ``data``.

Pure. The result only ever holds fields the Zotero schema allows for its item type, so the
server never rejects the write. Rules: the item takes the metadata's item type (fields the new
type lacks are dropped); the metadata's values win (the canonical title replaces the list's
title), except ``url``, which is kept when the item has one (it is the user's link); creators
are replaced when the metadata has any; Extra lines are merged, never removed; tags,
collections, relations, key and version are untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from zotmark.enrich.model import Creator, Metadata
from zotmark.schema import TypeFields, is_item_type, type_fields


def apply_metadata(item_data: Mapping[str, Any], metadata: Metadata) -> dict[str, Any]:
    """A copy of ``item_data`` filled from ``metadata`` (see the module rules)."""
    result = dict(item_data)
    old_type = str(item_data.get("itemType") or "")
    new_type = metadata.item_type if is_item_type(metadata.item_type) else old_type
    target = type_fields(new_type)
    if old_type != new_type:
        _drop_fields_not_in(result, type_fields(old_type), target)
    result["itemType"] = target.name
    for name, value in metadata.fields.items():
        own = target.field_for(name)
        if not own or not value:
            continue
        if own == "url" and str(result.get("url") or "").strip():
            continue
        result[own] = value
    if metadata.creators:
        result["creators"] = creators_for(metadata.creators, target)
    extra = merge_extra(str(result.get("extra") or ""), metadata.extra)
    if extra or "extra" in result:
        result["extra"] = extra
    return result


def _drop_fields_not_in(data: dict[str, Any], old: TypeFields, new: TypeFields) -> None:
    """Remove from ``data`` the fields of type ``old`` that type ``new`` does not have."""
    for name in list(data):
        if name in old.fields and name not in new.fields:
            del data[name]


def creators_for(creators: Iterable[Creator], target: TypeFields) -> list[dict[str, str]]:
    """``creators`` as Zotero JSON; a creator type ``target`` lacks becomes its primary type."""
    return [
        (
            c
            if c.creator_type in target.creator_types
            else Creator(target.primary_creator, c.first, c.last, c.name)
        ).to_zotero()
        for c in creators
    ]


def merge_extra(extra: str, lines: Iterable[str]) -> str:
    """``extra`` with each of ``lines`` appended unless a line with the same ``Key:`` (or the
    same text) is already there."""
    existing = [line for line in extra.splitlines() if line.strip()]
    keys = {_line_key(line) for line in existing}
    added = [line for line in lines if _line_key(line) not in keys]
    return "\n".join([*extra.splitlines(), *added]) if added else extra


def _line_key(line: str) -> str:
    """The ``Key:`` part of an Extra line, case-folded (the whole line if it has none)."""
    head, colon, _ = line.partition(":")
    return (head if colon else line).strip().casefold()
