"""Version preconditions of writes: ``If-Unmodified-Since-Version`` and ``version`` properties.

As the recorded real server checks them (dataserver 5cf550f3): a multi-object write checks the
library's version once, and each keyed object its own ``version`` property (428 without one
unless the request carried the library header; 0 means "must not exist yet"; a stale version is
412; a version > 0 for a missing key is 404); a single-object write or delete compares with the
**object**'s version. Each check raises the server's error or returns.
"""

from __future__ import annotations

from typing import Any

from zotmark.sandbox.errors import ApiError, ObjectError
from zotmark.sandbox.model import Library, StoredObject

VERSION_REQUIRED = (
    "Either If-Unmodified-Since-Version or object version property must be provided for "
    "key-based writes"
)
# The multi-object write's wording (session 3 of zotmark-on-dataserver, probe:recreate-nover)
VERSION_REQUIRED_OBJECT = (
    "Either If-Unmodified-Since-Version or 'version' property must be provided for "
    "'key'-based writes"
)
NOUN = {"items": "Item", "collections": "Collection", "searches": "Search"}
"""The noun of each kind of object in the server's messages."""


def check_library_version(library: Library, header: int | None) -> None:
    """412 when the library moved past ``If-Unmodified-Since-Version`` (a larger value passes).

    Unlike an object's 412, this one carries no ``Last-Modified-Version`` (a multi-object
    POST's and a multi-DELETE's in sessions 2 and 3 of zotmark-on-dataserver)."""
    if header is not None and library.version > header:
        raise ApiError(
            412,
            f"Library has been modified since specified version "
            f"(expected {header}, found {library.version})",
        )


def check_object_version(
    kind: str,
    upload: dict[str, Any],
    existing: StoredObject | None,
    require: bool,
    start_version: int,
) -> None:
    if "version" not in upload:
        if require and "key" in upload:
            raise ObjectError(428, VERSION_REQUIRED_OBJECT)
        return
    version = _as_version(upload["version"])
    if version is None:
        raise ObjectError(400, "'version' must be an integer")
    if "key" not in upload:
        raise ObjectError(400, f"'version' is valid only if {NOUN[kind].lower()} key is provided")
    if existing is not None and existing.version > version:
        if existing.version > start_version:  # written earlier in this same request
            return
        raise ObjectError(412, stale_message(NOUN[kind], version, existing.version))
    if existing is None and version > 0:
        raise ObjectError(
            404, f"{NOUN[kind]} doesn't exist (expected version {version}; use 0 instead)"
        )


def stale_message(noun: str, expected: int, found: int) -> str:
    """The 412 text for an object (``noun``: Item, Collection, Search, Setting) that moved
    past the version the request expected."""
    return f"{noun} has been modified since specified version (expected {expected}, found {found})"


def _as_version(value: Any) -> int | None:
    """An object's ``version`` as sent: an integer, or a string of digits (the genuine server
    takes ``"3"``, as dataserver's item tests send the ``Last-Modified-Version`` header's
    text back); else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def single_version(body: dict[str, Any], header: int | None) -> int | None:
    """The version a single-object write expects: the ``If-Unmodified-Since-Version`` header
    or the body's ``version`` (400 when both are given and differ, or the body's is no
    integer); None when neither is given."""
    sent = body.get("version")
    if sent is not None:
        sent = _as_version(sent)
        if sent is None:
            raise ApiError(400, "'version' must be an integer")
    if header is not None and sent is not None and header != sent:
        raise ApiError(
            400,
            "If-Unmodified-Since-Version value does not match JSON 'version' property "
            f"({header} != {sent})",
        )
    return header if header is not None else sent


def check_single_version(kind: str, existing: StoredObject | None, version: int) -> None:
    # a newer version than the object's passes: the recorded server answered 204 to a PATCH
    # with the library's version 5 for an item at 3 (REC #15 of dataserver-session.jsonl)
    if existing is not None and existing.version > version:
        raise ApiError(
            412,
            stale_message(NOUN[kind], version, existing.version),
            last_modified=existing.version,
        )
    if existing is None and version > 0:
        raise ApiError(404, f"{NOUN[kind]} not found (expected version {version})")
