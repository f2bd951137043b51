"""The sandbox's versioned libraries: stored objects, settings, indexes and change logs.

Nothing here knows about HTTP. A :class:`Library` holds items, collections, settings and the
delete log, each object carrying the library version at which it was last written; the
:class:`~zotmark.sandbox.store.Store` holds every library with the accounts, under one lock.

Each library also keeps a *change log*: the names of the objects (and delete-log entries) written
since, in order, so that what is derived from the library (the listing views of
:mod:`zotmark.sandbox.views`, the journal of :mod:`zotmark.sandbox.persistence`) can catch up by
the changes alone instead of re-reading it all. Objects enter, leave or get new data only through
:meth:`Library.put` and :meth:`Library.pop` (data dicts are never edited in place), and setting an
object's ``version`` logs it too: those are the only ways a library changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DELETED_KINDS = ("collections", "items", "searches", "tags", "settings")
CHANGE_LOG_SIZE = 100_000
"""Change-log entries a library keeps; a reader further behind starts over from the library."""


def utc_now() -> datetime:
    """The production clock."""
    return datetime.now(UTC)


class StoredObject:
    """An item, collection or saved search: its key, its version and its editable data (no
    key/version).

    Setting ``version`` of an object held by a library enters it in the library's change log.
    ``created_by``/``modified_by`` are user ids, shown in group libraries' meta.
    """

    __slots__ = ("_owner", "_version", "created_by", "data", "key", "modified_by", "seq")

    def __init__(
        self,
        key: str,
        version: int,
        data: dict[str, Any],
        seq: int,
        created_by: int | None = None,
        modified_by: int | None = None,
    ) -> None:
        self.key = key
        self._version = version
        self.data = data
        self.seq = seq
        self.created_by = created_by
        self.modified_by = modified_by
        self._owner: tuple[Library, str] | None = None  # (library, kind) while stored

    @property
    def version(self) -> int:
        return self._version

    @version.setter
    def version(self, value: int) -> None:
        self._version = value
        if self._owner is not None:
            library, kind = self._owner
            library.note(kind, self.key)

    def as_data(self) -> dict[str, Any]:
        """The ``data`` member of the API JSON: key and version first, then the stored data."""
        return {"key": self.key, "version": self._version, **self.data}

    def as_record(self) -> dict[str, Any]:
        """The object as saved: ``{"key", "version", "data", "seq"}``, with ``created_by`` and
        ``modified_by`` when known."""
        record = {"key": self.key, "version": self._version, "data": self.data, "seq": self.seq}
        if self.created_by is not None:
            record["created_by"] = self.created_by
        if self.modified_by is not None:
            record["modified_by"] = self.modified_by
        return record

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredObject):
            return NotImplemented
        return self.as_record() == other.as_record()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return (
            f"StoredObject(key={self.key!r}, version={self._version!r}, data={self.data!r}, "
            f"seq={self.seq!r})"
        )


def relation_objects(value: Any) -> list[Any]:
    """The objects of one relation predicate as a list: stored and sent, one object is a
    string and several are a list (None: none)."""
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


@dataclass
class Setting:
    """One library setting (e.g. ``tagColors``) and the version it was last written at."""

    value: Any
    version: int


@dataclass
class Library:
    """A user or group library: a version counter and the objects written at its versions."""

    kind: str  # "user" or "group"
    id: int
    name: str
    version: int = 0
    items: dict[str, StoredObject] = field(default_factory=dict)
    collections: dict[str, StoredObject] = field(default_factory=dict)
    searches: dict[str, StoredObject] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)
    deleted: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: {} for kind in DELETED_KINDS}
    )
    seq: int = 0
    child_counts: Counter[str] = field(default_factory=Counter, repr=False, compare=False)
    """Untrashed child items per parent key (``meta.numChildren``; no zero entries), kept up to
    date by :meth:`put` and :meth:`pop`, the only ways objects enter or leave a library or get
    new data: counting them by a scan would cost O(library) per request that renders items."""
    children: dict[str, dict[str, None]] = field(default_factory=dict, repr=False, compare=False)
    """Every child item (trashed too) per parent key (in no useful order: sort by ``seq``)."""
    members: dict[str, dict[str, None]] = field(default_factory=dict, repr=False, compare=False)
    """Every item (trashed too) per collection key its ``collections`` names."""
    views: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    """Derived data kept by other modules (the listing views), dropped with the library."""
    _log: list[tuple[str, str]] = field(default_factory=list, repr=False, compare=False)
    _log_start: int = field(default=0, repr=False, compare=False)
    tag_versions: dict[tuple[str, int], int] = field(default_factory=dict, repr=False)
    """(name, type) -> the version at which some item first carried the tag: ``/tags?since``
    lists tags new since then, not tags whose items changed (dataserver tag tests)."""
    former_creators: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    """Item key -> the user who created a deleted item: one made again under its key keeps
    its creator (dataserver's item tests), set by :meth:`pop`."""
    related_to: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    """Item key -> keys of the items relating to it (``dc:relation``), kept by :meth:`put` and
    :meth:`pop`: related items are shown in both directions."""

    @property
    def prefix(self) -> str:
        """The library's path prefix and streaming topic, e.g. ``/users/1``."""
        return f"/{self.kind}s/{self.id}"

    def bump(self) -> int:
        """Advance the library version by one and return the new value."""
        self.version += 1
        return self.version

    def next_seq(self) -> int:
        """A creation sequence number (stable tie-breaker for sorting)."""
        self.seq += 1
        return self.seq

    def objects(self, kind: str) -> dict[str, StoredObject]:
        """The ``items``, ``collections`` or ``searches`` map; add, replace or remove entries (or
        give an object new ``data``) only with :meth:`put` and :meth:`pop`."""
        if kind == "items":
            return self.items
        return self.collections if kind == "collections" else self.searches

    def put(self, kind: str, obj: StoredObject, data: dict[str, Any]) -> None:
        """Give ``obj`` the new ``data`` and store it under its key (new, or replacing)."""
        objects = self.objects(kind)
        old = objects.get(obj.key)
        if kind == "items":
            if old is not None:
                self._index_item(old.key, old.data, -1)
                self._index_related(old.key, old.data, -1)
            self._index_item(obj.key, data, 1)
            self._index_related(obj.key, data, 1)
        if old is not None and old is not obj:
            old._owner = None
        obj.data = data
        objects[obj.key] = obj
        obj._owner = (self, kind)
        self.note(kind, obj.key)

    def pop(self, kind: str, key: str) -> StoredObject | None:
        """Remove and return the object stored under ``key`` (None when absent)."""
        obj = self.objects(kind).pop(key, None)
        if obj is not None:
            if kind == "items":
                self._index_item(key, obj.data, -1)
                self._index_related(key, obj.data, -1)
                if obj.created_by is not None:
                    self.former_creators[key] = obj.created_by
            obj._owner = None
            self.note(kind, key)
        return obj

    def _index_related(self, key: str, data: dict[str, Any], delta: int) -> None:
        """Record (``delta`` 1) or forget (-1) the items ``key`` names as related
        (``dc:relation`` to an item of this library), for the reverse direction."""
        prefix = f"http://zotero.org{self.prefix}/items/"
        for uri in relation_objects(data.get("relations", {}).get("dc:relation")):
            if isinstance(uri, str) and uri.startswith(prefix):
                sources = self.related_to.setdefault(uri[len(prefix) :], set())
                if delta > 0:
                    sources.add(key)
                else:
                    sources.discard(key)

    def _index_item(self, key: str, data: dict[str, Any], delta: int) -> None:
        """Enter (``delta`` 1) or remove (-1) item ``key`` with ``data`` in the child counts and
        the children and collection-member indexes."""
        parent = data.get("parentItem")
        if parent:
            if not data.get("deleted"):
                count = self.child_counts[parent] + delta
                if count > 0:
                    self.child_counts[parent] = count
                else:
                    self.child_counts.pop(parent, None)
            _index(self.children, parent, key, delta)
        for collection in data.get("collections", ()):
            _index(self.members, collection, key, delta)

    def note(self, kind: str, name: str) -> None:
        """Enter ``name`` in the change log: an object key (``kind`` ``items``,
        ``collections`` or ``searches``), or a name entering or leaving the delete log
        (``deleted/<kind>``, ``undeleted/<kind>``)."""
        log = self._log
        log.append((kind, name))
        if len(log) > CHANGE_LOG_SIZE:
            dropped = len(log) - CHANGE_LOG_SIZE // 2
            del log[:dropped]
            self._log_start += dropped

    @property
    def log_end(self) -> int:
        """The position after the last change-log entry (positions never repeat)."""
        return self._log_start + len(self._log)

    def changes_since(self, position: int) -> list[tuple[str, str]] | None:
        """The change-log entries from ``position`` on, or None when some were dropped."""
        if position < self._log_start:
            return None
        return self._log[position - self._log_start :]

    def note_tags(self, obj: StoredObject) -> None:
        """Record the tags ``obj`` (just written at ``obj.version``) brings to the library."""
        for tag in obj.data.get("tags", ()):
            self.tag_versions.setdefault((tag["tag"], int(tag.get("type", 0))), obj.version)

    def reverse_related(self, key: str) -> list[str]:
        """URIs of this library's items that name ``key`` as related (``dc:relation``)."""
        sources = self.related_to.get(key)
        if not sources:
            return []
        return [f"http://zotero.org{self.prefix}/items/{source}" for source in sorted(sources)]

    def log_deleted(self, kind: str, name: str, version: int) -> None:
        """Log that ``name`` (a key, tag or setting) was deleted at ``version``."""
        self.deleted[kind][name] = version
        self.note(f"deleted/{kind}", name)

    def forget_deleted(self, kind: str, name: str) -> None:
        """Drop ``name`` from the delete log (it exists again)."""
        if self.deleted[kind].pop(name, None) is not None:
            self.note(f"undeleted/{kind}", name)


def _index(index: dict[str, dict[str, None]], group: str, key: str, delta: int) -> None:
    """Add ``key`` to (``delta`` 1) or remove it from (-1) ``index[group]``."""
    if delta > 0:
        index.setdefault(group, {})[key] = None
        return
    keys = index.get(group)
    if keys is not None:
        keys.pop(key, None)
        if not keys:
            del index[group]
