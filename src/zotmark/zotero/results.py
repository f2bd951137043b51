"""The typed values the Zotero client returns (immutable named tuples, no behaviour beyond
merging; an omitted map is one shared empty read-only mapping)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class KeyAccess(NamedTuple):
    """Whether a key may read and write one library."""

    read: bool
    write: bool


class KeyInfo(NamedTuple):
    """What the API key may do: its user, its access to the configured library, and its
    access per group (group id, or ``all``)."""

    user_id: int
    username: str
    can_read: bool
    can_write: bool
    groups: Mapping[str, KeyAccess] = _EMPTY


class Versions(NamedTuple):
    """Item key → object version for the items changed since some version, and the library
    version the answer reflects."""

    versions: Mapping[str, int]
    library_version: int


class CollectionInfo(NamedTuple):
    """One (not trashed) collection."""

    key: str
    name: str
    version: int


class WriteFailure(NamedTuple):
    """One object the server refused: its key, the per-object status code and message."""

    key: str
    code: int
    message: str


class WriteReport(NamedTuple):
    """What one logical write (one or more POSTs) did.

    ``versions`` maps each written object's key to its new object version, ``objects`` to its
    full JSON as the server returned it (or as read back). ``unchanged`` objects were already
    as sent; their version did not move (``versions`` holds the version sent).
    ``already_existed``: keyed creates the server answered "already exists" for (a retried or
    repeated create whose first attempt was applied); they count as created, with their
    version read back. ``failed`` holds the rest, by key. ``library_version`` is the library
    version after the last request.
    """

    versions: Mapping[str, int] = _EMPTY
    objects: Mapping[str, Mapping[str, Any]] = _EMPTY
    unchanged: frozenset[str] = frozenset()
    already_existed: frozenset[str] = frozenset()
    failed: Mapping[str, WriteFailure] = _EMPTY
    library_version: int = 0

    @property
    def ok(self) -> bool:
        """Whether no object failed."""
        return not self.failed

    def merged(self, other: WriteReport) -> WriteReport:
        """This report followed by ``other`` (a later batch of the same write)."""
        return WriteReport(
            versions={**self.versions, **other.versions},
            objects={**self.objects, **other.objects},
            unchanged=self.unchanged | other.unchanged,
            already_existed=self.already_existed | other.already_existed,
            failed={**self.failed, **other.failed},
            library_version=max(self.library_version, other.library_version),
        )


def merge_reports(reports: Iterable[WriteReport]) -> WriteReport:
    """The reports of consecutive batches as one, in order: equal to folding them with
    :meth:`WriteReport.merged` from an empty report, in one pass (folding copies the maps
    built so far once per batch: quadratic in a large write's item count)."""
    versions: dict[str, int] = {}
    objects: dict[str, Mapping[str, Any]] = {}
    failed: dict[str, WriteFailure] = {}
    unchanged: set[str] = set()
    existed: set[str] = set()
    library_version = 0
    for report in reports:
        versions.update(report.versions)
        objects.update(report.objects)
        unchanged |= report.unchanged
        existed |= report.already_existed
        failed.update(report.failed)
        library_version = max(library_version, report.library_version)
    return WriteReport(
        versions, objects, frozenset(unchanged), frozenset(existed), failed, library_version
    )


def key_info_from_json(body: Mapping[str, Any], library_type: str, library_id: str) -> KeyInfo:
    """The :class:`KeyInfo` of a ``/keys/current`` answer, judged for the library
    ``library_type``/``library_id`` (an empty user ``library_id`` means the key's own)."""
    user_id = int(body["userID"])
    access = body.get("access", {})
    groups = {
        str(gid): KeyAccess(bool(g.get("library")), bool(g.get("write")))
        for gid, g in access.get("groups", {}).items()
    }
    if library_type == "user":
        own = library_id in ("", str(user_id))
        user = access.get("user", {}) if own else {}
        mine = KeyAccess(bool(user.get("library")), bool(user.get("write")))
    else:
        mine = groups.get(library_id) or groups.get("all") or KeyAccess(False, False)
    return KeyInfo(user_id, str(body.get("username", "")), mine.read, mine.write, groups)
