"""Validation of uploaded collection and saved-search JSON, with the real server's messages.

Ports dataserver's ``Zotero_Collections``/``Zotero_Searches::validateJSON*`` checks. Every refusal
is an :class:`~zotmark.sandbox.errors.ObjectError` with the status the real server uses (400,
409 for a missing parent collection, 413 for an over-long name).
"""

from __future__ import annotations

from typing import Any

from zotmark.sandbox.errors import ObjectError, bad
from zotmark.sandbox.keys import is_valid_key
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.relations import check_relations
from zotmark.sandbox.validation import MAX_COLLECTION_NAME_LENGTH, check_deleted

COLLECTION_PROPS = frozenset({"key", "version", "name", "parentCollection", "relations", "deleted"})


def check_collection(
    body: object, library: Library, existing: StoredObject | None, *, partial: bool
) -> dict[str, Any]:
    """Validate one uploaded collection; return it as a dict or raise :class:`ObjectError`."""
    if not isinstance(body, dict):
        raise bad(f"Invalid collection object (found {type(body).__name__} '{body}')")
    for name in body:
        if name not in COLLECTION_PROPS:
            raise bad(f"Invalid property '{name}'")
    if "name" not in body and not (partial and existing is not None):
        raise bad("'name' property not provided")
    if "name" in body:
        if not isinstance(body["name"], str):
            raise bad("'name' must be a string")
        if not body["name"].strip():
            raise bad("Collection name cannot be empty")
        if len(body["name"]) > MAX_COLLECTION_NAME_LENGTH:
            shown = body["name"][:50] + "…"
            raise ObjectError(413, f"Collection name '{shown}' too long", {"value": shown})
    parent = body.get("parentCollection")
    if parent not in (None, False, ""):
        if not is_valid_key(parent):
            raise bad(f"'{parent}' is not a valid collection key")
        if parent not in library.collections or parent == body.get("key"):
            raise ObjectError(409, f"Parent collection {parent} not found", {"collection": parent})
    if "relations" in body:
        check_relations(body["relations"], "collection")
    if "deleted" in body:
        check_deleted(body["deleted"])
    return body


SEARCH_PROPS = frozenset({"key", "version", "name", "conditions", "deleted"})
_CONDITION_LIMITS = {"condition": 50, "operator": 25, "value": 255}


def check_search(body: object, existing: StoredObject | None, *, partial: bool) -> dict[str, Any]:
    """Validate one uploaded saved search (dataserver ``Zotero_Searches::validateJSONSearch``)."""
    if not isinstance(body, dict):
        raise bad(f"Invalid search object (found {type(body).__name__} '{body}')")
    if not (partial and existing is not None):
        for prop in ("name", "conditions"):
            if prop not in body:
                raise bad(f"'{prop}' property not provided")
    for name in body:
        if name not in SEARCH_PROPS:
            raise bad(f"Invalid property '{name}'")
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str):
            raise bad("'name' must be a string")
        if name == "":
            raise bad("Search name cannot be empty")
        if len(name) > MAX_COLLECTION_NAME_LENGTH:
            raise ObjectError(
                413, f"Search name cannot be longer than {MAX_COLLECTION_NAME_LENGTH} characters"
            )
    if "conditions" in body:
        _check_conditions(body["conditions"])
    if "deleted" in body:
        check_deleted(body["deleted"])
    return body


def _check_conditions(conditions: Any) -> None:
    if not isinstance(conditions, list):
        kind = "object" if isinstance(conditions, dict) else type(conditions).__name__
        raise bad(f"'conditions' must be an array ({kind})")
    if not conditions:
        raise bad("'conditions' cannot be empty")
    for condition in conditions:
        if not isinstance(condition, dict):
            raise bad("'condition' property not provided for search condition")
        for prop in ("condition", "operator", "value"):
            if prop not in condition:
                raise bad(f"'{prop}' property not provided for search condition")
        for prop, value in condition.items():
            if not isinstance(value, str):
                raise bad(f"'{prop}' must be a string")
            limit = _CONDITION_LIMITS.get(prop)
            if limit is None:
                raise bad(f"Invalid property '{prop}' for search condition")
            if prop != "value" and value == "":
                raise bad(f"Search {prop} cannot be empty")
            if len(value.encode("utf-8")) > limit:
                # dataserver says "operator" for an over-long value too
                what = "condition" if prop == "condition" else "operator"
                raise bad(f"Search {what} cannot be longer than {limit} characters")
