"""Users, groups and API keys changed by a test (``/_sandbox/users``, ``/_sandbox/groups``,
``/_sandbox/keys``), and their restoration by a reset.

dataserver's own tests change a key's permissions between requests (``resetKey``,
``setKeyUserPermission``, ``setKeyGroupPermission``) and need groups of each kind (private,
public with or without anonymous reading) and a second user. A key's access is given as
``GET /keys/<key>`` shows it::

    {"user": {"library": true, "notes": true, "write": true, "files": true},
     "groups": {"all": {"library": true, "write": false}, "100": {"library": true, "write": true}}}

Everything missing is refused (``{}`` is dataserver's reset key). ``POST /_sandbox/reset``
brings back the users, groups and keys the sandbox started with.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from zotmark.sandbox.model import Library
from zotmark.sandbox.store import ApiKey, Group, Store, User

GROUP_TYPES = ("Private", "PublicClosed", "PublicOpen")
_CHOICES = {
    "libraryReading": ("library_reading", ("members", "all")),
    "libraryEditing": ("library_editing", ("members", "admins")),
    "fileEditing": ("file_editing", ("none", "members", "admins")),
}


class AccountError(ValueError):
    """A request to change accounts that cannot be honoured (answered 400, 404 or 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Accounts:
    """A copy of a store's users, groups and keys."""

    users: dict[int, User]
    groups: dict[int, Group]
    keys: dict[str, ApiKey]


def snapshot(store: Store) -> Accounts:
    with store.lock:
        return Accounts(
            copy.deepcopy(store.users), copy.deepcopy(store.groups), copy.deepcopy(store.api_keys)
        )


def restore(store: Store, accounts: Accounts) -> None:
    """Bring back ``accounts``: added users and groups go with their libraries, removed ones
    come back with empty libraries, keys get their permissions back."""
    with store.lock:
        store.users = copy.deepcopy(accounts.users)
        store.groups = copy.deepcopy(accounts.groups)
        store.api_keys = copy.deepcopy(accounts.keys)
        wanted = {f"/users/{i}" for i in store.users} | {f"/groups/{i}" for i in store.groups}
        for prefix in [p for p in store.libraries if p not in wanted]:
            del store.libraries[prefix]
        for user in store.users.values():
            store.libraries.setdefault(
                f"/users/{user.id}", Library("user", user.id, user.library_name)
            )
        for group in store.groups.values():
            store.libraries.setdefault(
                f"/groups/{group.id}", Library("group", group.id, group.name)
            )


def set_key(store: Store, key: str, body: Any) -> ApiKey:
    """Create or replace ``key`` with the access in ``body`` (``{"userID"?, "access"}``)."""
    if not isinstance(body, dict) or not isinstance(body.get("access", {}), dict):
        raise AccountError(400, 'body must be {"userID"?: int, "access": {...}}')
    with store.lock:
        old = store.api_keys.get(key)
        user_id = body.get("userID", old.user_id if old else None)
        if user_id is None and len(store.users) == 1:
            user_id = next(iter(store.users))
        if user_id not in store.users:
            raise AccountError(404, f"user {user_id} not found")
        access = body.get("access", {})
        user = access.get("user") or {}
        new = ApiKey(
            key,
            user_id,
            write=bool(user.get("write")),
            library=bool(user.get("library")),
            notes=bool(user.get("notes")),
            files=bool(user.get("files")),
        )
        for name, rights in (access.get("groups") or {}).items():
            if not isinstance(rights, dict) or not rights.get("library", True):
                continue
            if name == "all":
                new.all_groups = True
                new.all_groups_write = bool(rights.get("write"))
            elif str(name).isdigit():
                new.groups[int(name)] = bool(rights.get("write"))
            else:
                raise AccountError(400, f"invalid group '{name}'")
        store.api_keys[key] = new
        return new


def add_user(store: Store, body: Any) -> User:
    """A new user (``{"id"?, "username", "displayName"?}``) with an empty library."""
    if not isinstance(body, dict) or not isinstance(body.get("username"), str):
        raise AccountError(400, 'body must be {"id"?: int, "username": str}')
    with store.lock:
        user_id = body.get("id") or max(store.users, default=0) + 1
        if not isinstance(user_id, int) or user_id in store.users:
            raise AccountError(409, f"user {user_id} exists")
        user = User(user_id, body["username"], str(body.get("displayName", "")))
        store.add_user(user)
        return user


def add_group(store: Store, body: Any) -> Group:
    """A new group with an empty library, from dataserver's group fields (``name``,
    ``owner``, ``type``, ``libraryReading``, ``libraryEditing``, ``fileEditing``,
    ``members``, ``admins``; ``id`` chosen when absent). The owner is a member."""
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise AccountError(400, 'body must be {"name": str, "owner": int, ...}')
    with store.lock:
        group_id = body.get("id") or max(store.groups, default=0) + 1
        if not isinstance(group_id, int) or group_id in store.groups:
            raise AccountError(409, f"group {group_id} exists")
        owner = body.get("owner", next(iter(store.users), 0))
        if owner not in store.users:
            raise AccountError(404, f"user {owner} not found")
        group = Group(group_id, body["name"], owner)
        kind = body.get("type", "Private")
        if kind not in GROUP_TYPES:
            raise AccountError(400, f"type must be one of {', '.join(GROUP_TYPES)}")
        group.type = kind
        group.library_reading = "members" if kind == "Private" else "all"
        for name, (attribute, choices) in _CHOICES.items():
            value = body.get(name, getattr(group, attribute))
            if value not in choices:
                raise AccountError(400, f"{name} must be one of {', '.join(choices)}")
            setattr(group, attribute, value)
        for name in ("members", "admins"):
            ids = body.get(name, [])
            if not isinstance(ids, list) or any(i not in store.users for i in ids):
                raise AccountError(400, f"{name} must list existing user ids")
            setattr(group, name, [i for i in ids if i != owner])
        group.members = [owner, *group.members]
        group.description = str(body.get("description", ""))
        group.url = str(body.get("url", ""))
        store.add_group(group)
        return group


def remove_group(store: Store, group_id: int) -> None:
    """Delete a group, its library and every key's access to it."""
    with store.lock:
        if store.groups.pop(group_id, None) is None:
            raise AccountError(404, f"group {group_id} not found")
        store.libraries.pop(f"/groups/{group_id}", None)
        for key in store.api_keys.values():
            key.groups.pop(group_id, None)


def group_json(group: Group) -> dict[str, Any]:
    """A group's data as the API's group objects carry it."""
    return {
        "id": group.id,
        "name": group.name,
        "owner": group.owner,
        "type": group.type,
        "description": group.description,
        "url": group.url,
        "libraryEditing": group.library_editing,
        "libraryReading": group.library_reading,
        "fileEditing": group.file_editing,
        "members": group.members,
        **({"admins": group.admins} if group.admins else {}),
    }
