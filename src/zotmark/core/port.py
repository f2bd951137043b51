"""The Zotero port: what the sync engine needs from a Zotero library, in core values.

Glossary (after vdirsyncer's ``storage/base.py``): an ITEM is a regular, top-level Zotero item
as :class:`~zotmark.core.item.Item` (notes, attachments, annotations and child items are never
part of a snapshot); its KEY is its 8-character object key, chosen by the client for a new
item; its VERSION is its object version, and the LIBRARY VERSION the version of the whole
library after its last change. Every write is conditional on the library version the
snapshot (or the write before it) reflects: a library that moved meanwhile makes
:meth:`Library.apply` raise :class:`~zotmark.errors.PreconditionFailed`, and the engine reads
and plans again. Per-item refusals are values (:class:`Outcome`), never raised.

Implementations: ``zotmark.zotero.library.ZoteroLibrary`` (the Web API, through the HTTP
client) and ``zotmark.zotero.twin.TwinLibrary`` (a strict in-memory library for tests); one
contract suite (``tests/contract``) runs against both, the sandbox, and a real server when
``ZOTMARK_CONTRACT_URL``/``ZOTMARK_CONTRACT_KEY`` are set.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from zotmark.core.item import Item
from zotmark.core.model import Ident


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The library as of ``version``: every regular item (trashed ones included) by key.

    ``Snapshot()`` is the empty library of a list never synced (version 0): bringing it up
    to date reads the whole library.
    """

    version: int = 0
    items: Mapping[str, Item] = field(default_factory=dict)

    def members(self, collection: str) -> frozenset[str]:
        """The keys of the items in ``collection`` (trashed ones included)."""
        return frozenset(k for k, item in self.items.items() if collection in item.collections)


@dataclass(frozen=True, slots=True)
class Refresh:
    """What bringing a snapshot up to date learnt: the new snapshot, and what to keep of it
    (``texts``: the JSON text of each item read, for the state's copy that ``export-bib``
    reads; ``gone``: keys of items that left the snapshot — deleted for good, or no longer
    regular top-level items; ``collections_gone``: keys of collections deleted for good since
    the snapshot — their items leave them without a new version, so the snapshot's items may
    still name them)."""

    snapshot: Snapshot
    texts: Mapping[str, str] = field(default_factory=dict)
    gone: frozenset[str] = frozenset()
    collections_gone: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class NewItem:
    """Create an item under the client-chosen ``key`` with ``data``: the item's fields as the
    Web API spells them (``itemType``, the title field, ``url``, ``creators``, ``tags``,
    ``collections``, …; built by ``zotero.mapping.new_item_data`` and enrichment).
    ``ident``, when given, is the ident of the entry the item is made for: the item the
    library then holds has this one when its own is equal (an entry and its new item hold
    one ident and its strings, not two: 200 B an entry of a first sync's peak)."""

    key: str
    data: Mapping[str, Any]
    ident: Ident | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """Change the item ``key``: tags added and removed (by name; every other tag is kept as it
    is), its title (into its type's own title field), URL or ``extra`` field set, a collection
    joined or left, the trash entered or left (``trashed``). ``None`` and empty sets change
    nothing."""

    key: str
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    title: str | None = None
    url: str | None = None
    add_collection: str | None = None
    remove_collection: str | None = None
    trashed: bool | None = None
    extra: str | None = None
    citation_key: str | None = None

    def then(self, later: Change) -> Change:
        """This change followed by ``later``, to the same item (``later``'s values win where
        both set one)."""
        added = (self.add_tags - later.remove_tags) | later.add_tags
        return Change(
            key=self.key,
            add_tags=added,
            remove_tags=(self.remove_tags | later.remove_tags) - added,
            title=later.title if later.title is not None else self.title,
            url=later.url if later.url is not None else self.url,
            add_collection=later.add_collection or self.add_collection,
            remove_collection=later.remove_collection or self.remove_collection,
            trashed=later.trashed if later.trashed is not None else self.trashed,
            extra=later.extra if later.extra is not None else self.extra,
            citation_key=later.citation_key or self.citation_key,
        )


Write = NewItem | Change


class Writes(Protocol):
    """The writes :meth:`Library.apply` carries out: how many, and each in order, read once
    (a list is one; so is ``sync.writes.PlannedWrites``, which makes each create's JSON as it
    is read)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Write]: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one write: the item as the library now holds it (``item``), or why it
    was refused (``code``: the per-object HTTP status, ``message``: the server's words)."""

    key: str
    item: Item | None = None
    code: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether the write landed."""
        return self.item is not None


TextSink = Callable[[Mapping[str, str]], None]
"""Told the JSON text of each item a batch of writes left, by key, as the batch lands (see
:meth:`Library.apply`)."""


@dataclass(frozen=True, slots=True)
class Applied:
    """The outcome of each write, in the order sent, and the snapshot after them (at the
    library version the last write returned); ``texts``: the JSON text of each item written,
    unless :meth:`Library.apply` was given a sink for them."""

    outcomes: Sequence[Outcome]
    snapshot: Snapshot
    texts: Mapping[str, str] = field(default_factory=dict)


class Library(Protocol):
    """One Zotero library as the engine sees it."""

    @property
    def base_url(self) -> str:
        """Where the library lives (for messages; never carries the API key)."""
        ...

    @property
    def requests(self) -> int:
        """How many requests this library has sent so far (0 for an in-memory one)."""
        ...

    def version_after(self, known: int) -> int | None:
        """``None`` when the library has not changed since version ``known`` (one cheap
        request), else its current version."""
        ...

    def refresh(self, snapshot: Snapshot, *, changed: bool = False) -> Refresh:
        """``snapshot`` brought up to date: only what changed since its version is read (a
        snapshot of version 0 reads the whole library, in pages of 100). ``changed``: the
        caller already learnt from :meth:`version_after` that something did."""
        ...

    def collection_key(self, name_or_key: str, *, create: bool) -> str | None:
        """The key of the (not trashed) collection so named or keyed; created by name when
        missing and ``create``, else ``None``. A missing name shaped like a key is never
        created: with ``create`` it raises :class:`~zotmark.errors.NotFoundError` naming it."""
        ...

    def apply(
        self, snapshot: Snapshot, writes: Writes, *, texts: TextSink | None = None
    ) -> Applied:
        """Carry out ``writes`` (creates first, in batches, each conditional on the library
        version the one before returned), one :class:`Outcome` per write, in the order of
        ``writes`` (one write per key). ``writes`` is read once, in order (a caller may make
        each create's data as it is read, and an implementation may send a batch before it
        reads the next). A write to an item ``snapshot`` does not hold is
        refused (404); a change that would change nothing lands without being sent (its
        outcome holds the item as it is). Raises ``PreconditionFailed`` when the library moved
        past ``snapshot.version`` (nothing of that batch was applied; earlier batches were, and
        the caller learns them, as any change, from its next :meth:`refresh`). ``texts``, when
        given, is told the JSON texts of each batch's items as the batch lands (a first sync's
        thousands of texts are then never all held at once), and ``Applied.texts`` is empty;
        else they are all in ``Applied.texts``."""
        ...
