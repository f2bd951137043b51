"""Tags (derived from items) and library settings such as ``tagColors``: reads and writes.

Tags have no objects of their own on the server: a tag exists while an item carries it.
Deleting a tag removes it from every item, bumps the library once and gives each touched item
the new version; the name goes to the delete log. Settings are versioned values keyed by name;
writes answer 204 and are checked against the setting version (PUT) or the library (POST).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.model import Library, Setting, StoredObject
from zotmark.sandbox.writes import check_library_version

MAX_SETTING_LENGTH = 30_000
_SETTING_PREFIXES = ("lastPageIndex_", "lastRead_")
_SETTING_NAMES = frozenset({"tagColors", "feeds", "readerCustomFonts"})


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
        item.data["tags"] = [t for t in item.data["tags"] if t["tag"] not in wanted]
        item.version = version
    for name in present:
        library.log_deleted("tags", name, version)
    return version


def check_setting_name(name: str) -> None:
    """400 for a setting name the real server does not know."""
    if name not in _SETTING_NAMES and not name.startswith(_SETTING_PREFIXES):
        raise ApiError(400, f"Invalid setting '{name}'")


def _check_value(name: str, value: Any) -> None:
    if name == "tagColors":
        if not isinstance(value, list):
            raise ApiError(400, "'value' must be an array")
        if not value:
            raise ApiError(400, "'value' cannot be empty")
    if len(json.dumps(value)) > MAX_SETTING_LENGTH:
        raise ApiError(400, f"'value' cannot be longer than {MAX_SETTING_LENGTH} characters")


def put_setting(library: Library, name: str, body: Any, header: int | None) -> int:
    """``PUT /settings/<name>`` with the setting version (header or body); 0/none creates it."""
    check_setting_name(name)
    if not isinstance(body, dict) or "value" not in body:
        raise ApiError(400, "'value' not provided")
    sent = body.get("version")
    if header is not None and sent is not None and header != sent:
        raise ApiError(400, "If-Unmodified-Since-Version does not match JSON 'version' property")
    expected = header if header is not None else sent
    current = library.settings.get(name)
    if expected is not None:
        found = current.version if current else 0
        if found > expected:
            raise ApiError(
                412,
                f"Setting has been modified since specified version "
                f"(expected {expected}, found {found})",
                last_modified=found,
            )
        if current is None and expected > 0:
            raise ApiError(412, f"Setting doesn't exist (expected version {expected})")
    _check_value(name, body["value"])
    if current is not None and current.value == body["value"]:
        return library.version
    version = library.bump()
    library.settings[name] = Setting(body["value"], version)
    library.forget_deleted("settings", name)
    return version


def post_settings(library: Library, body: Any, header: int | None) -> int:
    """``POST /settings`` with ``{name: {value, version?}}``; the library header is optional."""
    check_library_version(library, header)
    if not isinstance(body, dict):
        raise ApiError(400, "Uploaded data must be a JSON object")
    for name, entry in body.items():
        check_setting_name(name)
        if not isinstance(entry, dict) or "value" not in entry:
            raise ApiError(400, "'value' not provided")
        _check_value(name, entry["value"])
    for name, entry in body.items():
        put_setting(library, name, entry, None)
    return library.version


def delete_setting(library: Library, name: str, header: int | None) -> int:
    """``DELETE /settings/<name>`` with the setting version; logged under ``settings``."""
    if header is None:
        raise ApiError(428, "If-Unmodified-Since-Version not provided")
    current = library.settings.get(name)
    if current is None:
        raise ApiError(404, "Setting not found")
    if current.version > header:
        raise ApiError(
            412,
            f"Setting has been modified since specified version "
            f"(expected {header}, found {current.version})",
            last_modified=current.version,
        )
    version = library.bump()
    del library.settings[name]
    library.log_deleted("settings", name, version)
    return version
