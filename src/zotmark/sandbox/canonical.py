"""Canonical stored forms of items, collections and saved searches, and how an upload changes them.

An upload has already passed :mod:`zotmark.sandbox.validation`. Here it is merged with the stored
object (partial for POST-on-existing and PATCH, whole for PUT and creates) and laid out exactly as
the real server returns it: ``itemType``, the type's fields in schema order with ``creators``
after the first one, ``deleted``, ``tags`` (sorted, ``type`` omitted when 0), ``collections``,
``relations``, ``dateAdded``, ``dateModified``.
"""

from __future__ import annotations

import unicodedata
from contextvars import ContextVar
from typing import Any

from zotmark.sandbox.annotations import annotation_fields
from zotmark.sandbox.dates import to_utc
from zotmark.sandbox.model import relation_objects
from zotmark.sandbox.schema import EMBEDDED_IMAGE_LACKS, Schema

DESKTOP_CLIENT: ContextVar[bool] = ContextVar("desktop_client", default=False)
"""Whether the current request comes from the Zotero desktop client (its User-Agent names
Firefox): an item's unchanged ``dateModified`` sent back is then kept, not renewed."""

# Changing only these leaves dateModified alone (dataserver Items::updateFromJSON). Trashing is
# not among them: it sets dateModified (session 3 of zotmark-on-dataserver, probe:trash).
QUIET_PROPS = frozenset({"collections", "inPublications", "relations"})
_ATTACHMENT_ORDER = (
    "linkMode",
    "title",
    "accessDate",
    "url",
    "note",
    "contentType",
    "charset",
    "filename",
    "md5",
    "mtime",
    "path",
    "lastRead",
)


def tags_rewritten(kind: str, upload: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """Whether ``upload`` rewrites an item's tags: any non-empty tag list sent, or an empty one
    replacing tags, changes the item even if the set is the same (``Item::setTags``)."""
    if kind != "items" or old is None or not isinstance(upload.get("tags"), list):
        return False
    sent = any(str(t.get("tag", "")).strip() for t in upload["tags"] if isinstance(t, dict))
    return sent or bool(old.get("tags"))


def merge_item(
    old: dict[str, Any] | None,
    body: dict[str, Any],
    *,
    partial: bool,
    now: str,
    schema: Schema,
) -> dict[str, Any]:
    """The item's new canonical data after applying ``body`` to ``old`` (None for a new item)."""
    values: dict[str, Any] = dict(old) if (old is not None and partial) else {}
    for name, value in body.items():
        if name not in ("key", "version"):
            values[name] = value
    for name in ("md5", "mtime"):  # a falsy value keeps the stored one (Items::updateFromJSON)
        if name in body and not body[name]:
            if old is not None and old.get(name):
                values[name] = old[name]
            else:
                values.pop(name, None)
    if "lastRead" in body and body["lastRead"] in ("", None, False):
        values.pop("lastRead", None)
    access = body.get("accessDate")
    if isinstance(access, str) and access:
        # stored in UTC; CURRENT_TIMESTAMP is the write's time (session 3, probe:accessdate2)
        values["accessDate"] = now if access == "CURRENT_TIMESTAMP" else to_utc(access)
    if old is not None:
        values["dateAdded"] = old["dateAdded"]
    new = canonical_item(values, schema)
    new["dateAdded"] = _timestamp(values.get("dateAdded"), now)
    new["dateModified"] = _date_modified(old, new, body, now)
    return new


def _timestamp(value: Any, now: str) -> str:
    return to_utc(value) if isinstance(value, str) and value else now


def _date_modified(
    old: dict[str, Any] | None, new: dict[str, Any], body: dict[str, Any], now: str
) -> str:
    sent = body.get("dateModified")
    if old is None:
        return _timestamp(sent, now)
    if isinstance(sent, str) and sent:
        if to_utc(sent) != old["dateModified"]:
            return to_utc(sent)
        if DESKTOP_CLIENT.get():  # dataserver's "tmp zotero client hack" (its item tests)
            return str(old["dateModified"])
    if changed_props(old, new) - QUIET_PROPS or tags_rewritten("items", body, old):
        return now
    return str(old["dateModified"])


def changed_props(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """Top-level properties whose values differ (``dateModified`` ignored)."""
    names = (set(old) | set(new)) - {"dateModified"}
    return {name for name in names if old.get(name) != new.get(name)}


def canonical_item(values: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """Lay ``values`` out as the real server's item ``data`` (without key, version, dates)."""
    out: dict[str, Any] = {}
    parent = values.get("parentItem")
    if parent not in (None, False, ""):
        out["parentItem"] = parent
    type_name = str(values["itemType"])
    out["itemType"] = type_name
    out.update(_typed_fields(type_name, values, schema))
    if values.get("deleted") in (True, 1):
        out["deleted"] = 1
    if values.get("inPublications") is True:
        out["inPublications"] = True
    if out.get("linkMode") == "embedded_image":
        return out  # no tags, collections or relations (dataserver Item::toJSON)
    out["tags"] = canonical_tags(values.get("tags", []))
    if "parentItem" not in out:
        out["collections"] = _unique(values.get("collections", []))
    out["relations"] = canonical_relations(values.get("relations", {}))
    return out


def canonical_relations(relations: Any) -> dict[str, Any]:
    """Relations as the server returns them: one object as a string, several as an array, and
    predicates without objects left out."""
    out: dict[str, Any] = {}
    for predicate, objects in relations.items() if isinstance(relations, dict) else ():
        listed = list(dict.fromkeys(relation_objects(objects)))
        if listed:
            out[predicate] = listed[0] if len(listed) == 1 else listed
    return out


def _typed_fields(type_name: str, values: dict[str, Any], schema: Schema) -> dict[str, Any]:
    if type_name == "note":
        return {"note": str(values.get("note", ""))}
    if type_name == "attachment":
        attachment = {n: values.get(n, "") for n in _ATTACHMENT_ORDER if _keeps(n, values)}
        if attachment.get("linkMode") == "embedded_image":
            for name in EMBEDDED_IMAGE_LACKS:
                attachment.pop(name, None)
        return attachment
    if type_name == "annotation":
        return annotation_fields(values)
    item_type = schema.item_type(type_name)
    assert item_type is not None, "validated before"
    out: dict[str, Any] = dict.fromkeys(item_type.layout, "")  # every field, in order
    fields = item_type.field_set
    for name, value in values.items():
        if name in fields:
            out[name] = value if type(value) is str else _as_text(value)
    out["creators"] = canonical_creators(values.get("creators", []))
    return out


def _keeps(name: str, values: dict[str, Any]) -> bool:
    return name in values or name in ("linkMode", "title", "accessDate", "url", "note")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def canonical_creators(creators: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Creators up to the first empty one; ``name`` form or ``firstName``/``lastName`` form.
    Emptiness is judged after trimming all Unicode spaces and format characters (a BOM alone is
    no name), as dataserver's ``unicodeTrim`` does."""
    out: list[dict[str, str]] = []
    for creator in creators:
        kind = str(creator.get("creatorType", "author"))
        if "name" in creator:
            first, last = "", str(creator["name"] or "").strip()
        else:
            first = str(creator.get("firstName") or "").strip()
            last = str(creator.get("lastName") or "").strip()
        if not unicode_trim(first) and not unicode_trim(last):
            break
        if "name" in creator:
            out.append({"creatorType": kind, "name": last})
        else:
            out.append({"creatorType": kind, "firstName": first, "lastName": last})
    return out


def unicode_trim(text: str) -> str:
    """``text`` without leading and trailing separators and control/format characters."""
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start])[0] in "ZC":
        start += 1
    while end > start and unicodedata.category(text[end - 1])[0] in "ZC":
        end -= 1
    return text[start:end]


def canonical_tags(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tags deduplicated and sorted by name; ``type`` kept only when not 0 (manual)."""
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for tag in tags:
        name = str(tag.get("tag", "")).strip()
        if not name:
            continue
        kind = int(tag.get("type", 0) or 0)
        seen[(name, kind)] = {"tag": name, "type": kind} if kind else {"tag": name}
    return [seen[k] for k in sorted(seen, key=lambda k: (k[0].lower(), k[0], k[1]))]


def _unique(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def merge_collection(
    old: dict[str, Any] | None, body: dict[str, Any], *, partial: bool
) -> dict[str, Any]:
    """The collection's new canonical data: ``name``, ``parentCollection``, ``relations``."""
    values: dict[str, Any] = dict(old) if (old is not None and partial) else {}
    values.update({k: v for k, v in body.items() if k not in ("key", "version")})
    parent = values.get("parentCollection")
    out: dict[str, Any] = {
        "name": str(values.get("name", "")),
        "parentCollection": parent if parent not in (None, False, "") else False,
        "relations": canonical_relations(values.get("relations")),
    }
    if values.get("deleted") in (True, 1):
        out["deleted"] = True
    return out


def merge_search(
    old: dict[str, Any] | None, body: dict[str, Any], *, partial: bool
) -> dict[str, Any]:
    """The saved search's new canonical data: ``name``, ``conditions`` (each
    ``{condition, operator, value}``), and ``deleted: true`` when in the trash."""
    values: dict[str, Any] = dict(old) if (old is not None and partial) else {}
    values.update({k: v for k, v in body.items() if k not in ("key", "version")})
    out: dict[str, Any] = {
        "name": str(values.get("name", "")),
        "conditions": [
            {"condition": c["condition"], "operator": c["operator"], "value": c["value"]}
            for c in values.get("conditions", [])
        ],
    }
    if values.get("deleted") in (True, 1):
        out["deleted"] = True
    return out
