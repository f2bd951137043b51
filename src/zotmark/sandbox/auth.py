"""API-key authentication and library permissions, with the real server's answers.

The key comes from ``Zotero-API-Key``, ``?key=`` (must match the header) or, when neither is
given, ``Authorization: Bearer <key>``. An unknown key is 403 ``Invalid key``; a library the key
cannot read is 403 ``Forbidden``; a write without a key is 403 ``An API key is required for write
requests.``; a write the key may not make is 403 ``Write access denied``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.model import Library
from zotmark.sandbox.store import ApiKey, Store

_BEARER = re.compile(r"^bearer +([a-z0-9]+)$", re.IGNORECASE)


def key_from_request(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The API key a request presents, or None; 400 for contradictory or malformed credentials."""
    key = headers.get("zotero-api-key") or None
    param = query.get("key")
    if param is not None:
        if key is None:
            key = param or None
        elif param != key:
            raise ApiError(400, "Zotero-API-Key header and 'key' parameter differ", early=True)
    if key is None:
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer"):
            match = _BEARER.match(authorization)
            if match is None:
                raise ApiError(400, "Invalid Authorization header format", early=True)
            key = match.group(1)
    return key


def authenticate(
    store: Store, headers: Mapping[str, str], query: Mapping[str, str], method: str
) -> ApiKey | None:
    """Resolve the request's key (None for anonymous reads); 403 for unknown keys."""
    key = key_from_request(headers, query)
    if key is None:
        if method not in ("GET", "HEAD"):
            raise ApiError(403, "An API key is required for write requests.", early=True)
        return None
    info = store.api_keys.get(key)
    if info is None:
        raise ApiError(403, "Invalid key", early=True)
    return info


def open_library(
    store: Store, key: ApiKey | None, kind: str, library_id: int, *, write: bool
) -> Library:
    """The library at ``/{kind}s/{library_id}`` if the key may read (and, for writes, write) it.

    A group whose ``libraryReading`` is ``all`` (a public group's choice) can be read by anyone,
    even without a key; writing to a group needs the key's write access and the group's
    ``libraryEditing`` to allow the key's user."""
    if library_id == 0:
        raise ApiError(400, f"Invalid {kind} ID")  # the server's id 0: no number in the path
    library = store.library(kind, library_id)
    if library is None:
        if kind == "group":
            raise ApiError(404, "Not found")
        raise ApiError(403, "Forbidden")
    group = store.groups.get(library_id) if kind == "group" else None
    if write:
        if key is None or not key.can_write(library):
            raise ApiError(403, "Write access denied")
        if group is not None and not group.may_edit(key.user_id):
            raise ApiError(403, "Write access denied")
        return library
    if group is not None and group.type != "Private" and group.library_reading == "all":
        return library
    if key is None or not key.can_read(library):
        raise ApiError(403, "Forbidden")
    return library


def key_json(store: Store, key: ApiKey) -> dict[str, object]:
    """``GET /keys/<key>``: the key, its user and its access map."""
    user = store.users[key.user_id]
    access: dict[str, object] = {}
    if key.library:
        access["user"] = {
            "library": True,
            "files": key.files,
            "notes": key.notes,
            "write": key.write,
        }
    groups: dict[str, object] = {}
    if key.all_groups:
        all_write = key.write if key.all_groups_write is None else key.all_groups_write
        groups["all"] = {"library": True, "write": all_write}
    for group_id, writable in sorted(key.groups.items()):
        groups[str(group_id)] = {"library": True, "write": writable}
    if groups:
        access["groups"] = groups
    return {
        "key": key.key,
        "userID": user.id,
        "username": user.username,
        "displayName": user.display_name,
        "access": access,
    }
