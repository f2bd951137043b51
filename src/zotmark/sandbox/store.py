"""The sandbox's whole state: users, groups, API keys and their libraries, under one lock.

Nothing here knows about HTTP. The :class:`Store` holds every
:class:`~zotmark.sandbox.model.Library` plus the API keys and write tokens, guarded by one lock.
Writers run inside :meth:`Store.transaction`, which tells the listeners (streaming, persistence)
about every library whose version moved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from zotmark.sandbox.dates import format_utc
from zotmark.sandbox.model import Library, utc_now


@dataclass
class ApiKey:
    """An API key and what it may do: its user's library and the listed groups."""

    key: str
    user_id: int
    write: bool = True
    groups: dict[int, bool] = field(default_factory=dict)  # group id -> write access
    all_groups: bool = False
    library: bool = True  # may read its user's library
    notes: bool = True  # sees notes in its user's library
    files: bool = True
    all_groups_write: bool | None = None  # write for ``all_groups`` (None: as ``write``)

    def can_read(self, library: Library) -> bool:
        if library.kind == "user":
            return library.id == self.user_id and self.library
        return self.all_groups or library.id in self.groups

    def can_write(self, library: Library) -> bool:
        if not self.can_read(library):
            return False
        if library.kind == "user":
            return self.write
        all_write = self.write if self.all_groups_write is None else self.all_groups_write
        return self.groups.get(library.id, all_write and self.all_groups)


@dataclass
class User:
    id: int
    username: str
    display_name: str = ""

    @property
    def library_name(self) -> str:
        """The name its library shows: the display name, else the username (dataserver's
        item tests)."""
        return self.display_name or self.username


@dataclass
class Group:
    id: int
    name: str
    owner: int
    members: list[int] = field(default_factory=list)
    type: str = "Private"  # or PublicClosed, PublicOpen
    library_reading: str = "members"  # or all
    library_editing: str = "members"  # or admins
    file_editing: str = "none"  # or members, admins
    admins: list[int] = field(default_factory=list)
    description: str = ""
    url: str = ""

    def may_edit(self, user_id: int) -> bool:
        """Whether ``user_id``'s edits are allowed by the group's ``libraryEditing``."""
        if user_id == self.owner or user_id in self.admins:
            return True
        return self.library_editing == "members" and user_id in self.members


class Store:
    """All sandbox state behind one re-entrant lock.

    ``listeners`` are called as ``listener(library)`` after every transaction that moved that
    library's version (from the thread that ran the transaction, with the lock released).
    """

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.users: dict[int, User] = {}
        self.groups: dict[int, Group] = {}
        self.libraries: dict[str, Library] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.write_tokens: dict[tuple[str, str], float] = {}
        self.listeners: list[Callable[[Library], None]] = []

    def add_user(self, user: User) -> Library:
        """Register a user and create its (empty) library."""
        self.users[user.id] = user
        library = Library("user", user.id, user.library_name)
        self.libraries[library.prefix] = library
        return library

    def add_group(self, group: Group) -> Library:
        """Register a group and create its (empty) library."""
        self.groups[group.id] = group
        library = Library("group", group.id, group.name)
        self.libraries[library.prefix] = library
        return library

    def library(self, kind: str, library_id: int) -> Library | None:
        return self.libraries.get(f"/{kind}s/{library_id}")

    def now(self) -> str:
        """The current time as an API timestamp."""
        return format_utc(self.clock())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock for a write; then notify listeners of libraries whose version moved."""
        with self.lock:
            before = {prefix: lib.version for prefix, lib in self.libraries.items()}
            try:
                yield
            finally:
                moved = [
                    lib
                    for prefix, lib in self.libraries.items()
                    if lib.version != before.get(prefix)
                ]
        for library in moved:
            for listener in list(self.listeners):
                listener(library)

    def clear_data(self) -> None:
        """Empty every library and forget write tokens (keys, users and groups stay)."""
        with self.transaction():
            for prefix, lib in list(self.libraries.items()):
                self.libraries[prefix] = Library(lib.kind, lib.id, lib.name)
            self.write_tokens.clear()
