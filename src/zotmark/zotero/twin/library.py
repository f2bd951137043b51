"""The twin: a strict in-memory Zotero library behind the port, for tests.

:class:`TwinLibrary` implements :class:`~zotmark.core.port.Library` with the real server's
rules (:mod:`~zotmark.zotero.twin.rules` has the per-object ones) behind what the client sends
(:mod:`~zotmark.zotero.twin.client`), checked by the same contract suite (``tests/contract``)
as the Web API adapter on the sandbox and on a real server:

* **Versions** (``dataserver-session.jsonl`` #4/#10; the sandbox's ``writes.py``): one library
  counter; every object of a batch that lands (or is reported unchanged) moves it by one and a
  written item takes the new value: three creates in one batch take the library from 1 to 4,
  the items get 2, 3 and 4. A refused object moves nothing.
* **Preconditions**: every batch of :meth:`apply` is conditional on the library version of the
  snapshot (then of the batch before): a library that moved raises
  :class:`~zotmark.errors.PreconditionFailed` in the server's words and applies nothing of that
  batch (zotmark-on-dataserver session 2 s12-sync, session 3 probe:iusv-stale).
* **Keyed creates** are sent with ``"version": 0``; the server refuses an existing key 412
  (session 3 probe:recreate-v0), the client reads it back and counts it as created
  (``ZoteroClient.create_items``): the outcome carries the item as it is, nothing is duplicated.
* **Changes** are patches by the one patch builder, ``zotero.mapping.item_patch``, as
  ``ZoteroLibrary`` builds them (other tags and their types kept, the title in the type's own
  field), then validated and merged as the server does. A change to an item the snapshot
  lacks is refused 404 without a request.
* **Trash** is ``deleted: 1`` (still in snapshots); **deleting for good** is only done by
  another client (:meth:`TwinLibrary.app_delete`) and logged for the next refresh's ``gone``.

Edits "by another client" (the Zotero app) move the version as the server would:
:meth:`~TwinLibrary.app_add`, :meth:`~TwinLibrary.app_edit`, :meth:`~TwinLibrary.app_delete`,
:meth:`~TwinLibrary.app_add_collection`, :meth:`~TwinLibrary.app_delete_collection`. Faults
on demand: :meth:`~TwinLibrary.refuse_next`, :meth:`~TwinLibrary.before_next_apply`.

``requests`` counts the requests ``ZoteroLibrary`` sends for the same calls (each method says
how many), so engine tests can assert request floors without HTTP; the contract suite checks
the counts. A new item's ``dateAdded`` is the injectable ``clock``'s time in the server's form,
unless sent (a Zotero app uploads an item made offline with its own); ``dateModified``, creators'
rules and relations are not modelled.
"""

from __future__ import annotations

import functools
import json
import random
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from zotmark.core.item import Item
from zotmark.core.model import is_item_key, new_item_key
from zotmark.core.port import Applied, NewItem, Outcome, Refresh, Snapshot, TextSink, Writes
from zotmark.errors import NotFoundError, PreconditionFailed, ZoteroError
from zotmark.zotero.mapping import is_regular_item, item_from_json, item_text
from zotmark.zotero.twin.client import check_writes, fetch_requests, page_requests, patch
from zotmark.zotero.twin.rules import (
    Refused,
    changes_item,
    check_collection_name,
    check_item,
    merged,
    stale,
)
from zotmark.zotero.writes import MAX_WRITE_OBJECTS

__all__ = ["TwinLibrary"]

P = ParamSpec("P")
R = TypeVar("R")


def _locked(
    method: Callable[Concatenate[TwinLibrary, P], R],
) -> Callable[Concatenate[TwinLibrary, P], R]:
    """``method`` run under the library's lock: a daemon's thread and a test's edits never
    see each other half done."""

    @functools.wraps(method)
    def locked(self: TwinLibrary, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class TwinLibrary:
    """One in-memory Zotero user library (``library_id``), empty at version 0.

    ``seed`` makes the keys of items and collections it creates reproducible; ``clock`` gives
    the time a new item is added at (default: now, in UTC). Every method holds the library's
    (re-entrant) lock: threads may share it.
    """

    def __init__(
        self, *, library_id: int = 1, seed: int = 0, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._library_id = library_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._random = random.Random(seed)
        self._version = 0
        self._items: dict[str, dict[str, Any]] = {}
        self._collections: dict[str, dict[str, Any]] = {}
        self._deleted: dict[str, int] = {}  # item key → the version that deleted it
        self._collections_deleted: dict[str, int] = {}  # (as ``_deleted``, of collections)
        self._requests = 0
        self._refusals: dict[str, tuple[int, str]] = {}
        self._before_apply: list[Callable[[], object]] = []
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"TwinLibrary(users/{self._library_id} at version {self._version})"

    # --- the port ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``memory://zotero-twin/users/<id>``: where messages say the library lives."""
        return f"memory://zotero-twin/users/{self._library_id}"

    @property
    def requests(self) -> int:
        """The requests the Web API client would have sent for the calls made so far."""
        return self._requests

    @_locked
    def version_after(self, known: int) -> int | None:
        """``None`` when the library is still at or below version ``known``, else its
        version. One request (a conditional read answered 304 or with the versions)."""
        self._requests += 1
        return None if self._version <= known else self._version

    @_locked
    def refresh(self, snapshot: Snapshot, *, changed: bool = False) -> Refresh:
        """``snapshot`` brought up to date with every regular item (trashed ones included).

        From version 0: the whole library, a page of 100 items (any kind) per request, as
        many as the count announced. Else: one request for the versions changed since (none with
        ``changed``, which means the caller's :meth:`version_after` already read them);
        nothing more when nothing changed (the same snapshot is returned); else the changed
        items, 50 keys per request, and one request for the keys deleted since. Items
        deleted for good, and items that stopped being regular ones (became a child item, a
        note), leave the snapshot: ``gone`` names those it held (as ``ZoteroLibrary`` does);
        ``collections_gone`` the collections deleted for good since.
        """
        if snapshot.version == 0:
            self._requests += page_requests(len(self._items))
            fresh = self._regular(self._items)
            stale = frozenset(snapshot.items.keys() - fresh.keys())  # (as ZoteroLibrary._read_all)
            return Refresh(
                Snapshot(self._version, self._as_items(fresh)), self._texts(fresh), stale
            )
        if not changed:
            self._requests += 1
        if self._version <= snapshot.version:
            return Refresh(snapshot)
        moved = {k: d for k, d in self._items.items() if d["version"] > snapshot.version}
        self._requests += fetch_requests(len(moved)) + 1
        fresh = self._regular(moved)
        deleted = {k for k, version in self._deleted.items() if version > snapshot.version}
        gone = (deleted | (moved.keys() - fresh.keys())) & snapshot.items.keys()
        items = {k: v for k, v in snapshot.items.items() if k not in gone}
        items.update(self._as_items(fresh))
        collections = {
            k for k, version in self._collections_deleted.items() if version > snapshot.version
        }
        return Refresh(
            Snapshot(self._version, items), self._texts(fresh), frozenset(gone),
            frozenset(collections),
        )  # fmt: skip

    @_locked
    def collection_key(self, name_or_key: str, *, create: bool) -> str | None:
        """The key of the collection not in the trash with this key, else with this name
        (one request, a page of 100 collections), else (``create``) of a new top-level
        collection of that name (one more request and version). A well-formed key that
        matches nothing raises :class:`NotFoundError`, as ``ZoteroClient`` does; a name the
        server refuses (blank, over 255 characters) raises :class:`ZoteroError`."""
        self._requests += page_requests(len(self._collections))
        live = {k: c for k, c in self._collections.items() if not c.get("deleted")}
        if name_or_key in live:
            return name_or_key
        named = [k for k, c in live.items() if c["name"] == name_or_key]
        if named or not create:
            return named[0] if named else None
        if is_item_key(name_or_key):
            raise NotFoundError(f"Collection {name_or_key} does not exist in {self.base_url}.")
        self._requests += 1
        return self._add_collection(name_or_key)

    @_locked
    def apply(
        self, snapshot: Snapshot, writes: Writes, *, texts: TextSink | None = None
    ) -> Applied:
        """Carry out ``writes`` as ``ZoteroLibrary`` sends them: the creates, then the changes
        as patches of the snapshot's items, each kind in batches of 50 (one request each, plus
        one to read back keyed creates that existed), each batch conditional on the library
        version the one before left. One :class:`Outcome` per write, in the order given. A
        change of a key ``snapshot`` lacks is refused 404 unsent; one that would change
        nothing lands unsent. Raises :class:`PreconditionFailed` when the library moved past
        ``snapshot.version`` (nothing of that batch applied); ``ValueError`` for writes that
        name a key twice or a :class:`NewItem` whose data lacks its ``key`` or ``"version":
        0``. The snapshot after holds every item written, at the library version after the
        last batch. Each batch's JSON texts go to ``texts`` as it lands (else into
        ``Applied.texts``)."""
        writes = list(writes)  # read once, as the port says
        check_writes(writes)
        hooks, self._before_apply = self._before_apply, []
        for hook in hooks:
            hook()
        outcomes: dict[str, Outcome] = {}
        creates: list[dict[str, Any]] = []
        patches: list[dict[str, Any]] = []
        for write in writes:
            if isinstance(write, NewItem):
                creates.append(dict(write.data))
                continue
            item = snapshot.items.get(write.key)
            sent = patch(write, item) if item is not None else {}
            if item is None:
                outcomes[write.key] = Outcome(write.key, code=404, message="no such item")
            elif sent.keys() <= {"key", "version"}:
                outcomes[write.key] = Outcome(write.key, item)
            else:
                patches.append(sent)
        expected = snapshot.version
        landed: dict[str, dict[str, Any]] = {}
        collected: dict[str, str] = {}
        sink = texts or collected.update
        for uploads in (creates, patches):
            for start in range(0, len(uploads), MAX_WRITE_OBJECTS):
                self._requests += 1
                if self._version > expected:
                    raise PreconditionFailed(
                        "Library has been modified since specified version "
                        f"(expected {expected}, found {self._version})"
                    )
                read_back, batch = False, dict[str, dict[str, Any]]()
                for upload in uploads[start : start + MAX_WRITE_OBJECTS]:
                    outcome, existed = self._write(upload)
                    outcomes[outcome.key] = outcome
                    read_back |= existed
                    if outcome.ok:
                        batch[outcome.key] = self._items[outcome.key]
                self._requests += read_back
                expected = self._version
                sink(self._texts(batch))
                landed.update(batch)
        items = {**snapshot.items, **self._as_items(landed)}
        ordered = [outcomes[write.key] for write in writes]
        return Applied(ordered, Snapshot(expected, items), collected)

    # --- one object, as the server writes it ---------------------------------------------

    def _write(self, upload: Mapping[str, Any]) -> tuple[Outcome, bool]:
        """Write one object of a batch: its outcome, and whether it was a keyed create of an
        existing item, which the client reads back and counts as created."""
        key = str(upload["key"])
        fault = self._refusals.pop(key, None)
        if fault is not None:
            return Outcome(key, code=fault[0], message=fault[1]), False
        try:
            self._upload(upload)
        except Refused as refused:
            if upload["version"] == 0 and refused.code == 412:
                return Outcome(key, item=item_from_json(self._items[key])), True
            return Outcome(key, code=refused.code, message=refused.message), False
        return Outcome(key, item=item_from_json(self._items[key])), False

    def _upload(self, upload: Mapping[str, Any]) -> None:
        """One object of a multi-object POST: a keyed create (``version`` 0) or a partial
        update at the item's version. Moves the library by one when it lands (changed or
        not); raises :class:`Refused` otherwise, moving nothing."""
        key = str(upload.get("key", ""))
        existing = self._items.get(key)
        version = int(upload.get("version", 0))
        if existing is not None and existing["version"] > version:
            raise stale(version, existing["version"])
        if existing is None and version > 0:
            raise Refused(404, f"Item doesn't exist (expected version {version}; use 0 instead)")
        name = f"{self._library_id}/{key}"
        check_item(upload, existing, collections=self._collections, item_name=name)
        data = merged(existing, upload)
        # (the date an item was added never changes; a new one sent without it is added now)
        added = (existing or data).get("dateAdded")
        data["dateAdded"] = added or self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._version += 1
        if existing is None or changes_item(existing, upload, data):
            self._items[key] = {**data, "version": self._version}
            self._deleted.pop(key, None)

    def _add_collection(self, name: str, key: str | None = None, **data: Any) -> str:
        try:
            check_collection_name(name)
        except Refused as refused:
            raise ZoteroError(
                f"Zotero refused to create the collection “{name}”: "
                f"{refused.code} “{refused.message}”."
            ) from refused
        key = key or self._new_key(self._collections)
        self._version += 1
        self._collections[key] = {"key": key, "version": self._version, "name": name, **data}
        return key

    def _new_key(self, taken: Mapping[str, object]) -> str:
        while True:
            key = new_item_key(self._random.randrange)
            if key not in taken and key not in self._items:
                return key

    @staticmethod
    def _regular(items: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {k: d for k, d in items.items() if is_regular_item(d)}

    @staticmethod
    def _as_items(items: Mapping[str, Mapping[str, Any]]) -> dict[str, Item]:
        return {key: item_from_json(data) for key, data in items.items()}

    @staticmethod
    def _texts(items: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
        return {key: item_text(data) for key, data in items.items()}

    # --- another client (the Zotero app) -------------------------------------------------

    @property
    def version(self) -> int:
        """The library version now (no request)."""
        return self._version

    @_locked
    def item_data(self, key: str) -> dict[str, Any] | None:
        """A copy of item ``key``'s data as the server holds it (no request), or ``None``."""
        data = self._items.get(key)
        return json.loads(json.dumps(data)) if data is not None else None

    @_locked
    def app_add(self, data: Mapping[str, Any], *, key: str | None = None) -> str:
        """Another client creates an item of ``data`` (under ``key``, default a new one);
        its key. Raises :class:`Refused` as the server refuses invalid data."""
        key = key or self._new_key(self._items)
        self._upload({**data, "key": key, "version": 0})
        return key

    @_locked
    def app_edit(self, key: str, changes: Mapping[str, Any]) -> int:
        """Another client changes item ``key`` as a PATCH does (each property sent replaces
        the old one, ``tags`` and ``collections`` wholesale; ``{"deleted": 1}`` trashes it);
        its new version. Raises :class:`Refused` (404 for an unknown key, 400…)."""
        existing = self._items.get(key)
        if existing is None:
            raise Refused(404, "Item not found")
        self._upload({**changes, "key": key, "version": existing["version"]})
        return int(self._items[key]["version"])

    @_locked
    def app_delete(self, key: str) -> int:
        """Another client deletes item ``key`` for good (it is logged as deleted); the new
        library version. Raises :class:`Refused` (404) for an unknown key."""
        if self._items.pop(key, None) is None:
            raise Refused(404, "Item not found")
        self._version += 1
        self._deleted[key] = self._version
        return self._version

    @_locked
    def app_add_collection(
        self, name: str, *, trashed: bool = False, key: str | None = None
    ) -> str:
        """Another client creates a top-level collection ``name`` (in the trash with
        ``trashed``; under ``key``, default a new one); its key."""
        extra = {"deleted": True} if trashed else {}
        return self._add_collection(name, key, parentCollection=False, **extra)

    @_locked
    def app_delete_collection(self, key: str) -> int:
        """Another client deletes collection ``key`` for good; the new library version. Its
        items leave it **without** a new version (REC #49/#51: the real server bumps none of
        them), so an incremental refresh does not see them leave. Raises :class:`Refused`
        (404) for an unknown key."""
        if self._collections.pop(key, None) is None:
            raise Refused(404, "Collection not found")
        self._version += 1
        self._collections_deleted[key] = self._version
        for data in self._items.values():
            if key in data["collections"]:
                data["collections"] = [c for c in data["collections"] if c != key]
        return self._version

    # --- faults --------------------------------------------------------------------------

    @_locked
    def refuse_next(self, key: str, code: int, message: str = "Refused by the test") -> None:
        """Refuse the next write of item ``key`` with ``code`` (and ``message``) as a
        per-object failure: nothing of it is applied and no version moves."""
        self._refusals[key] = (code, message)

    @_locked
    def before_next_apply(self, action: Callable[[], object]) -> None:
        """Run ``action`` at the start of the next :meth:`apply` (after the caller's refresh):
        e.g. ``twin.before_next_apply(lambda: twin.app_edit(key, {"title": "x"}))`` moves the
        library under the caller and forces a :class:`PreconditionFailed`."""
        self._before_apply.append(action)
