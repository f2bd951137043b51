"""Tags (derived from items) and library settings such as ``tagColors``: reads and writes.

Tags have no objects of their own on the server: a tag exists while an item carries it.
Deleting a tag removes it from every item, bumps the library once and gives each touched item
the new version; the name goes to the delete log. Settings are versioned values keyed by name;
writes answer 204 and are checked against the setting version (PUT) or the library (POST).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.model import Library, Setting, StoredObject
from zotmark.sandbox.store import Store
from zotmark.sandbox.versions import (
    VERSION_REQUIRED,
    check_library_version,
    single_version,
    stale_message,
)

MAX_SETTING_LENGTH = 30_000
MAX_WRITE_SETTINGS = 270
_SETTING_NAMES = frozenset(
    {
        "attachmentRenameTemplate",
        "autoRenameFiles",
        "autoRenameFilesFileTypes",
        "feeds",
        "tagColors",
        "readerCustomThemes",
    }
)
_SETTING_PATTERNS = (
    re.compile(r"^lastPageIndex_(u|g[0-9]+)_[A-Z0-9]{8}$"),
    re.compile(r"^lastRead_(g[0-9]+)_[A-Z0-9]{8}$"),
)
_VALUE_KINDS = {
    "feeds": "object",
    "autoRenameFilesFileTypes": "array",
    "readerCustomThemes": "array",
    "tagColors": "array",
    "lastRead": "integer",
    "lastPageIndex": "pageIndex",
}


@dataclass(frozen=True)
class TagRow:
    """One row of ``GET /tags``: a name, its type and how many items carry it."""

    name: str
    type: int
    num_items: int
    version: int


def tag_rows(
    items: Iterable[StoredObject], versions: dict[tuple[str, int], int] | None = None
) -> list[TagRow]:
    """The distinct (name, type) tags of ``items``, sorted by name; a tag's version is the one
    it was first seen at (``versions``), else the oldest version among its items."""
    counts: dict[tuple[str, int], list[int]] = {}
    for item in items:
        for tag in item.data.get("tags", ()):
            entry = counts.setdefault((tag["tag"], int(tag.get("type", 0))), [0, item.version])
            entry[0] += 1
            entry[1] = min(entry[1], item.version)
    known = versions or {}
    return [
        TagRow(name, kind, count, known.get((name, kind), version))
        for (name, kind), (count, version) in sorted(
            counts.items(), key=lambda pair: (pair[0][0].lower(), pair[0][0], pair[0][1])
        )
    ]


def delete_tags(library: Library, names: list[str], header: int | None) -> int:
    """``DELETE /tags?tag=a || b`` (library version required); return the new library version."""
    if header is None:
        raise ApiError(428, "If-Unmodified-Since-Version not provided")
    check_library_version(library, header)
    wanted = set(names)
    carriers = [
        item
        for item in library.items.values()
        if any(tag["tag"] in wanted for tag in item.data.get("tags", ()))
    ]
    present = {t["tag"] for item in carriers for t in item.data["tags"]} & wanted
    if not present:
        return library.version
    version = library.bump()
    for item in carriers:
        tags = [t for t in item.data["tags"] if t["tag"] not in wanted]
        library.put("items", item, {**item.data, "tags": tags})
        item.version = version
    for name in present:
        library.log_deleted("tags", name, version)
    return version


def check_setting_name(name: str) -> None:
    """400 for a setting name the real server does not know (its ``$allowedSettings``)."""
    if name not in _SETTING_NAMES and not any(p.match(name) for p in _SETTING_PATTERNS):
        raise ApiError(400, f"Invalid setting '{name}'")


def _php_json_length(value: Any) -> int:
    """``mb_strlen`` of PHP's ``json_encode``: compact, non-ASCII and slashes escaped."""
    return len(json.dumps(value, separators=(",", ":")).replace("/", "\\/"))


def check_setting_value(name: str, value: Any) -> None:
    """dataserver's ``checkSettingValue``: the length limit, then the type by the name's
    leading letters (objects, non-empty arrays, integers, page indexes, else strings)."""
    length = len(value) if isinstance(value, str) else _php_json_length(value)
    if length > MAX_SETTING_LENGTH:
        raise ApiError(400, f"'value' cannot be longer than {MAX_SETTING_LENGTH} characters")
    base = re.match(r"[a-z]+", name, re.IGNORECASE)
    kind = _VALUE_KINDS.get(base.group(0) if base else "", "string")
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if kind == "object" and not isinstance(value, dict):
        raise ApiError(400, "'value' must be an object")
    if kind == "array":
        if not isinstance(value, list):
            raise ApiError(400, "'value' must be an array")
        if not value:
            raise ApiError(400, "'value' array cannot be empty")
    if kind == "integer" and not is_int:
        raise ApiError(400, "'value' must be an integer")
    if kind == "pageIndex":
        if not (is_int or isinstance(value, str | float)):
            raise ApiError(400, "'value' must be an integer, string, or decimal")
        # snapshots store a scroll percentage, 0 to 100 with at most one decimal place
        if isinstance(value, float):
            if value < 0 or value > 100:
                raise ApiError(400, "Decimal value must be between 0 and 100")
            if value != round(value, 1):
                raise ApiError(400, "Decimal value must be to one decimal place")
    if kind == "string" and not isinstance(value, str):
        raise ApiError(400, "'value' must be a string")
    if kind in ("string", "pageIndex") and value == "":
        raise ApiError(400, "'value' cannot be empty")


def _check_setting_json(name: str, body: Any) -> None:
    check_setting_name(name)
    if not isinstance(body, dict):
        raise ApiError(400, f"Invalid property '{name}'; expected JSON setting object")
    if body.get("value") is None:
        raise ApiError(400, "'value' property not provided")
    for prop in body:
        if prop not in ("value", "version"):
            raise ApiError(400, f"Invalid property '{prop}'")
    check_setting_value(name, body["value"])


def _store_settings(library: Library, values: dict[str, Any]) -> int:
    """Save values at one new library version (one per write request, as the server's
    transaction gives); unchanged values are left alone, and without a change the library
    version stays."""
    changed = {
        name: value
        for name, value in values.items()
        if name not in library.settings or library.settings[name].value != value
    }
    if not changed:
        return library.version
    if library.kind != "user" and any(n.startswith("lastPageIndex_") for n in changed):
        raise ApiError(400, "lastPageIndex can only be set in user library")
    version = library.bump()
    for name, value in changed.items():
        library.settings[name] = Setting(value, version)
        library.forget_deleted("settings", name)
    return version


def put_setting(library: Library, name: str, body: Any, header: int | None) -> int:
    """``PUT /settings/<name>``: the setting's version (header or body) is required, 0 for a
    new one (``checkSingleObjectWriteVersion`` sees a new setting as an object at version 0)."""
    check_setting_name(name)
    expected = single_version(body if isinstance(body, dict) else {}, header)
    if expected is None:
        raise ApiError(428, VERSION_REQUIRED)
    current = library.settings.get(name)
    found = current.version if current else 0
    if found != expected:
        raise ApiError(412, stale_message("Setting", expected, found), last_modified=found)
    _check_setting_json(name, body)
    return _store_settings(library, {name: body["value"]})


def post_settings(library: Library, body: Any, header: int | None) -> int:
    """``POST /settings`` with ``{name: {value, version?}}``; the library header is optional."""
    check_library_version(library, header)
    if not isinstance(body, dict):
        raise ApiError(400, "Uploaded data must be a JSON object")
    if len(body) > MAX_WRITE_SETTINGS:
        raise ApiError(413, f"Cannot add more than {MAX_WRITE_SETTINGS} settings at a time")
    for name, entry in body.items():
        _check_setting_json(name, entry)
    for name, entry in body.items():
        current = library.settings.get(name)
        sent = single_version(entry, None)
        found = current.version if current else 0
        if sent is not None and found != sent:
            raise ApiError(412, stale_message("Setting", sent, found))
    return _store_settings(library, {name: entry["value"] for name, entry in body.items()})


def delete_setting(library: Library, name: str, header: int | None) -> int:
    """``DELETE /settings/<name>`` with the setting version; logged under ``settings``."""
    if header is None:
        raise ApiError(428, "If-Unmodified-Since-Version not provided")
    current = library.settings.get(name)
    if current is None:
        raise ApiError(404, "Setting not found")
    if current.version > header:
        raise ApiError(
            412, stale_message("Setting", header, current.version), last_modified=current.version
        )
    version = library.bump()
    del library.settings[name]
    library.log_deleted("settings", name, version)
    return version


def drop_page_indexes(store: Store, library: Library, version: int) -> None:
    """Forget the reading positions (``lastPageIndex_u_<key>`` in a user library,
    ``lastPageIndex_g<id>_<key>`` in every user's library for a group) of the items deleted
    at ``version``; the server drops them with the attachment, without a delete-log entry.
    Costs one look at each reading position, none when there are none."""
    if library.kind == "user":
        targets, prefix = [library], "lastPageIndex_u_"
    else:
        targets = [lib for lib in store.libraries.values() if lib.kind == "user"]
        prefix = f"lastPageIndex_g{library.id}_"
    deleted = library.deleted["items"]
    for target in targets:
        gone = [
            name
            for name in target.settings
            if name.startswith(prefix) and deleted.get(name[len(prefix) :]) == version
        ]
        for name in gone:
            del target.settings[name]
