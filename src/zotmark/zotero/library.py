"""The Zotero port over the Web API: :class:`ZoteroLibrary` implements :class:`core.port.Library`.

The one place that knows how the engine's reads and writes become requests: which items a
snapshot holds (:func:`~zotmark.zotero.mapping.is_regular_item`), how a change becomes a patch
(:func:`~zotmark.zotero.mapping.item_patch`, from the snapshot's typed item), how writes are
cut into batches of :data:`~zotmark.zotero.writes.MAX_WRITE_OBJECTS` and chained on the
library version, and how a library is read whole after lost state (pages of
:data:`~zotmark.zotero.client.PAGE_SIZE`). Write reports are read into one
:class:`~zotmark.core.port.Outcome` per write and the JSON text to store, batch by batch, and
dropped: nothing of the server's answers outlives the batch it came in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from zotmark.errors import ProtocolError, ZoteroError
from zotmark.zotero.client import PAGE_SIZE, ZoteroClient
from zotmark.zotero.writes import MAX_WRITE_OBJECTS, batches

if TYPE_CHECKING:  # the port's values and the mapping are imported where a read or a write
    # uses them: a no-op sync only asks for the library's version (issue 16, start-up cost)
    from zotmark.core.item import Item
    from zotmark.core.model import Ident
    from zotmark.core.port import (
        Applied,
        Change,
        NewItem,
        Outcome,
        Refresh,
        Snapshot,
        TextSink,
        Writes,
    )
    from zotmark.zotero.results import WriteReport

T = TypeVar("T")

Progress = Callable[[str, int, "int | None"], None]
"""Told ``(what, done, total)`` as a large read or write advances (``total`` ``None`` when
unknown)."""

WRITING = "Writing items to Zotero"
"""What progress is told while a write of more than one batch goes."""

PAGE_ATTEMPTS = 3
"""How often a whole-library read starts over when the library moved between its pages."""


class ZoteroLibrary:
    """One Zotero library through ``client``; ``progress``, when given, is told how reads and
    writes of more than one request advance."""

    def __init__(self, client: ZoteroClient, *, progress: Progress | None = None) -> None:
        self._client = client
        self._progress = progress

    def __repr__(self) -> str:
        return f"ZoteroLibrary({self._client!r})"

    @property
    def base_url(self) -> str:
        """The server's base URL (never carries the API key)."""
        return self._client.base_url

    @property
    def requests(self) -> int:
        """How many HTTP requests the client has sent so far."""
        return self._client.requests

    def version_after(self, known: int) -> int | None:
        """``None`` when nothing changed since ``known`` (one request, answered 304)."""
        return self._client.check_library_version(known)

    # --- reads ---------------------------------------------------------------------------------

    def refresh(self, snapshot: Snapshot, *, changed: bool = False) -> Refresh:
        """``snapshot`` brought up to date. Version 0 reads the library whole, in pages of 100;
        else one request when nothing changed, or the changed items' versions, their JSON (50
        keys a request) and the keys deleted since. Raises :class:`ProtocolError` when items the
        server listed as changed cannot be read."""
        from zotmark.core.port import Refresh, Snapshot

        if snapshot.version == 0:  # (its items, if any, are the state's copy: see _read_all)
            return self._read_all(snapshot)
        if not changed and self.version_after(snapshot.version) is None:
            return Refresh(snapshot)
        versions = self._client.item_versions(snapshot.version)
        known = snapshot.items
        moved = sorted(
            key
            for key, version in versions.versions.items()
            if key not in known or known[key].version != version
        )
        fetched = self._fetch(moved)
        deletions = self._client.deleted_since(snapshot.version)
        deleted = set(deletions.items)
        self._check_fetched(set(moved) - set(fetched) - deleted)
        items = dict(known)
        texts, gone = _take(items, fetched.values())
        for key in deleted & items.keys():
            del items[key]
            gone.add(key)
        return Refresh(
            Snapshot(versions.library_version, items), texts, frozenset(gone),
            frozenset(deletions.collections),
        )  # fmt: skip

    def _read_all(self, snapshot: Snapshot) -> Refresh:
        """The whole library, page by page until one comes back short or the count the first
        announced is read (no empty page after a full last one); started over when a page
        shows the library moved since the first (items may have shifted between pages).
        ``gone`` names the items of ``snapshot`` the library no longer has: a snapshot at
        version 0 may hold the texts a run killed before its commit stored, of items deleted
        since, which would otherwise stay in the state's copy for good."""
        from zotmark.core.port import Refresh, Snapshot

        for _attempt in range(PAGE_ATTEMPTS):
            first = self._client.items_page(0, limit=PAGE_SIZE)
            version, total = first.library_version, first.total
            objects, page = list(first.objects), first.objects
            while len(page) == PAGE_SIZE and (total is None or len(objects) < total):
                later = self._client.items_page(len(objects), limit=PAGE_SIZE)
                if later.library_version != version:
                    break
                page = later.objects
                objects.extend(page)
                self._report("Reading items from Zotero", len(objects), total)
            else:
                items: dict[str, Item] = {}
                texts, _gone = _take(items, objects)
                gone = frozenset(snapshot.items.keys() - items.keys())
                return Refresh(Snapshot(version, items), texts, gone)
        raise ZoteroError(
            f"The library at {self.base_url} kept changing while zotmark read it; run it again."
        )

    def _fetch(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The JSON of the items with these keys, by key (50 keys a request)."""
        found: dict[str, dict[str, Any]] = {}
        for batch in self._batches("Reading items from Zotero", keys):
            found.update((str(obj["key"]), obj) for obj in self._client.fetch_items(batch))
        return found

    def _check_fetched(self, missing: set[str]) -> None:
        """Raise :class:`ProtocolError` when items the library said changed could not be read
        (nor were deleted): moving the snapshot past them would keep their old state for good."""
        if missing:
            shown = ", ".join(sorted(missing)[:3]) + (", …" if len(missing) > 3 else "")
            raise ProtocolError(
                f"The server at {self.base_url} did not answer as a Zotero API does: it listed "
                f"{len(missing)} changed item(s) ({shown}) but did not return them when asked. "
                "Check base_url in your configuration; if it is right, the server (or a proxy "
                "in front of it) is failing: try again later. Nothing was recorded as synced."
            )

    # --- collections ---------------------------------------------------------------------------

    def collection_key(self, name_or_key: str, *, create: bool) -> str | None:
        """The collection's key; created by name only when ``create`` (not in a dry run)."""
        if create:
            return self._client.find_or_create_collection(name_or_key)
        for info in self._client.collections():
            if name_or_key in (info.key, info.name):
                return info.key
        return None

    # --- writes --------------------------------------------------------------------------------

    def apply(
        self, snapshot: Snapshot, writes: Writes, *, texts: TextSink | None = None
    ) -> Applied:
        """Send the creates, then the changes as patches of the snapshot's items, in batches
        of 50, each conditional on the library version the one before returned. ``writes`` is
        read once, in order, and a batch of creates is sent as soon as it is read (so a caller
        may make each create's JSON as it is read: ``sync.writes.PlannedWrites``). A change to
        an item the snapshot lacks is refused (404) unsent; one that would change nothing
        lands unsent. Each batch's JSON texts go to ``texts`` as it lands (else into
        ``Applied.texts``); progress is told how many writes have their outcome, when there
        is more than one batch. Raises ``PreconditionFailed`` when the library moved
        meanwhile."""
        from zotmark.core.port import Applied, NewItem, Snapshot

        sending = _Sending(dict(snapshot.items), snapshot.version, len(writes))
        sending.sink = texts or sending.texts.update
        if self._progress is not None and len(writes) > MAX_WRITE_OBJECTS:
            sending.progress = self._progress
            self._progress(WRITING, 0, len(writes))
        keys: list[str] = []
        creates: list[NewItem] = []
        patches: list[Mapping[str, Any]] = []
        for write in writes:
            keys.append(write.key)
            if isinstance(write, NewItem):
                creates.append(write)
                if len(creates) == MAX_WRITE_OBJECTS:
                    sending.send_creates(self._client.create_items, creates)
                    creates = []
            else:
                self._patch(write, sending.items, sending.outcomes, patches)
        if creates:
            sending.send_creates(self._client.create_items, creates)
        for batch in batches(patches):
            sending.send(self._client.update_items, batch)
        ordered = [sending.outcomes[key] for key in keys]
        return Applied(ordered, Snapshot(sending.version, sending.items), sending.texts)

    @staticmethod
    def _patch(
        change: Change,
        items: Mapping[str, Item],
        outcomes: dict[str, Outcome],
        patches: list[Mapping[str, Any]],
    ) -> None:
        """The patch of ``change`` onto ``patches``, or its outcome when none is sent."""
        from zotmark.core.port import Outcome
        from zotmark.zotero.mapping import item_patch

        item = items.get(change.key)
        if item is None:
            outcomes[change.key] = Outcome(change.key, code=404, message="no such item")
            return
        patch = item_patch(item, change)
        if patch.keys() <= {"key", "version"}:
            outcomes[change.key] = Outcome(change.key, item)
        else:
            patches.append(patch)

    def _batches(self, what: str, objects: Sequence[T]) -> Iterator[list[T]]:
        """``objects`` in batches (:func:`~zotmark.zotero.writes.batches`); when there is more
        than one, progress is told ``what`` before the first and after each."""
        chunks = batches(objects)
        if len(chunks) < 2 or self._progress is None:
            yield from chunks
            return
        done = 0
        self._progress(what, done, len(objects))
        for chunk in chunks:
            yield chunk
            done += len(chunk)
            self._progress(what, done, len(objects))

    def _report(self, what: str, done: int, total: int | None) -> None:
        if self._progress is not None:
            self._progress(what, done, total)


class _Sending:
    """One :meth:`ZoteroLibrary.apply` under way: the items and the library version its
    batches have left, each write's outcome, and where the texts and progress go."""

    def __init__(self, items: dict[str, Item], version: int, total: int) -> None:
        self.items, self.version, self.total = items, version, total
        self.outcomes: dict[str, Outcome] = {}
        self.texts: dict[str, str] = {}
        self.sink: TextSink = self.texts.update
        self.progress: Progress | None = None

    def send_creates(self, send: Callable[..., WriteReport], creates: Sequence[NewItem]) -> None:
        """Send one batch of creates, each its data under its key (see :meth:`send`); the
        items made hold the idents the creates name, where equal to their own."""
        idents = {new.ident: new.ident for new in creates if new.ident is not None}
        self.send(send, [{**new.data, "key": new.key} for new in creates], idents)

    def send(
        self,
        send: Callable[..., WriteReport],
        batch: list[Mapping[str, Any]],
        idents: Mapping[Ident, Ident] | None = None,
    ) -> None:
        """Send one batch conditional on the version the last left; its outcomes and texts
        (an item written holds the equal ident of ``idents``, if any)."""
        from zotmark.core.port import Outcome
        from zotmark.zotero.mapping import item_from_json, item_text

        report = send(batch, library_version=self.version)
        self.version = report.library_version
        landed: dict[str, str] = {}
        for obj in batch:
            key = str(obj["key"])
            written = report.objects.get(key)
            failure = report.failed.get(key)
            if written is not None:
                self.items[key] = item_from_json(written, idents, key=key)
                landed[key] = item_text(written)
                self.outcomes[key] = Outcome(key, self.items[key])
            elif failure is not None:
                self.outcomes[key] = Outcome(key, code=failure.code, message=failure.message)
            else:  # unchanged: the server already held what was sent
                self.outcomes[key] = Outcome(key, self.items.get(key))
        self.sink(landed)
        if self.progress is not None:
            self.progress(WRITING, len(self.outcomes), self.total)


def _take(
    items: dict[str, Item], objects: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, str], set[str]]:
    """Put the regular items of ``objects`` into ``items``, and take out those that are no
    longer regular ones; the texts to store of the former, the keys of the latter."""
    from zotmark.zotero.mapping import is_regular_item, item_from_json, item_text

    texts: dict[str, str] = {}
    gone: set[str] = set()
    for obj in objects:
        key = str(obj["key"])
        if is_regular_item(obj):
            items[key] = item_from_json(obj)
            texts[key] = item_text(obj)
        elif items.pop(key, None) is not None:
            gone.add(key)
    return texts, gone
