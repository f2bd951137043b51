"""From a plan to the port's writes, and from their outcomes to what a run reports.

The planner's Zotero actions become :class:`~zotmark.core.port.NewItem` (its JSON built by
:func:`~zotmark.zotero.mapping.new_item_data` with the plan's status tags, then given to the
new-item hook, e.g. enrichment) and one :class:`~zotmark.core.port.Change` per item (the
actions on one item composed in plan order), each create first recorded as pending
(:func:`pending_creates`). What became of the writes (:class:`Written`): outcomes that failed
become refusals to hold, or transient failures to retry. The texts of the items written are
stored as the writes land, a group at a time (:class:`StoredTexts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zotmark.bibtex.keys import native_key
from zotmark.core.actions import AdoptItem, CreateItem, RemoveItem, UpdateItem
from zotmark.core.actions import fingerprint as fingerprint_of
from zotmark.core.creates import pending_key
from zotmark.core.item import Item
from zotmark.core.model import Refusal
from zotmark.core.plan import Plan
from zotmark.core.port import Applied, Change, NewItem, Outcome, Snapshot, Write
from zotmark.core.states import with_plugin_status
from zotmark.state.commit import PendingCreate, RunCommit
from zotmark.state.store import StateStore
from zotmark.sync.citekeys import RunKeys, with_keys
from zotmark.zotero.mapping import new_item_data
from zotmark.zotero.writes import batches

NewItemHook = Callable[[list[tuple[CreateItem, dict[str, Any]]]], list[dict[str, Any]]]
"""Given the creates of a batch with their item JSON, returns the JSON to send (e.g. enriched):
one item for each create, in their order (``new_items`` refuses another count)."""

TRANSIENT = frozenset({412, 428, 429})
"""Per-object failure codes that say nothing about the object itself (a stale version, a
missing precondition, a rate limit): retried on the next run, never held as refusals."""


def new_items(
    creates: Sequence[CreateItem],
    collection: str,
    hook: NewItemHook | None = None,
    stamp: str = "",
    keys: RunKeys | None = None,
) -> list[NewItem]:
    """The items ``creates`` make, in ``collection`` with the plan's status tags or plugin
    status (dated ``stamp``: :func:`~zotmark.core.states.plugin_stamp`; ``hook`` may add
    metadata, e.g. enrichment), each with its entry's ident and, with ``keys``, the citation
    key made from what the item then holds (none a key another of them holds already: an
    imported ``.bib`` entry's)."""
    out = [
        (new, new_item_data(
            new.entry, key=new.key, collection=collection, tags=new.tags,
            extra="" if new.status is None else with_plugin_status("", new.status, stamp),
        ))
        for new in creates
    ]  # fmt: skip
    datas = hook(out) if hook is not None and out else [data for _, data in out]
    if keys is not None:  # (those holding a key someone set first: no key given takes it)
        for data in sorted(datas, key=lambda data: not native_key(data)):
            keys.for_create(data)
    return [
        NewItem(str(data["key"]), data, new.entry.ident)
        for (new, _), data in zip(out, datas, strict=True)
    ]


class PlannedWrites:
    """A plan's writes for :meth:`~zotmark.core.port.Library.apply`: its creates, then one
    change per existing item (:func:`changes`). A create's JSON is made (and given to the
    hook) a batch at a time (:func:`~zotmark.zotero.writes.batches`), as the
    library reads the batch to send it: the JSON of a first sync's 10,000 creates made at once
    was 540 B an entry of its peak. A reading status written is dated ``stamp``. With
    ``keys``, each create carries its citation key and the changes the citation keys to write
    (:mod:`zotmark.sync.citekeys`)."""

    def __init__(
        self,
        plan: Plan,
        snapshot: Snapshot,
        collection: str,
        hook: NewItemHook | None = None,
        stamp: str = "",
        keys: RunKeys | None = None,
    ) -> None:
        self.creates = [action for action in plan.zotero if isinstance(action, CreateItem)]
        self._changes = changes(plan, snapshot, collection, stamp)
        if keys is not None:
            keys.joining(a.key for a in plan.zotero if isinstance(a, AdoptItem))
            held = {refusal.item_key for refusal in plan.held}
            self._changes = with_keys(self._changes, keys.writes(snapshot, held))
        self._collection, self._hook, self._stamp, self._keys = collection, hook, stamp, keys

    def __len__(self) -> int:
        return len(self.creates) + len(self._changes)

    def __iter__(self) -> Iterator[Write]:
        """The writes in order, the creates made a batch at a time as they are read (with
        ``keys``, :meth:`RunKeys.given` once the last create has its key)."""
        for batch in batches(self.creates):
            yield from new_items(batch, self._collection, self._hook, self._stamp, self._keys)
        if self._keys is not None:
            self._keys.given()
        yield from self._changes


def changes(plan: Plan, snapshot: Snapshot, collection: str, stamp: str = "") -> list[Change]:
    """One change per existing item the plan writes to (items the snapshot lacks are left
    out: nothing can be written to them); a plugin status is written dated ``stamp``, into
    the item's ``extra`` as the snapshot holds it."""
    by_key: dict[str, Change] = {}
    for action in plan.zotero:
        if isinstance(action, CreateItem) or action.key not in snapshot.items:
            continue
        change = _change(action, collection)
        if isinstance(action, UpdateItem) and action.status is not None:
            extra = with_plugin_status(snapshot.items[action.key].extra, action.status, stamp)
            change = change.then(Change(action.key, extra=extra))
        earlier = by_key.get(action.key)
        by_key[action.key] = earlier.then(change) if earlier is not None else change
    return list(by_key.values())


def _change(action: AdoptItem | UpdateItem | RemoveItem, collection: str) -> Change:
    """What one planned action changes on its item."""
    if isinstance(action, AdoptItem):
        return Change(action.key, add_collection=collection, trashed=False)
    if isinstance(action, RemoveItem):
        if action.trash:
            return Change(action.key, trashed=True)
        return Change(action.key, remove_collection=collection)
    return Change(action.key, action.add_tags, action.remove_tags, action.title, action.url)


def refusals(plan: Plan, failed: Mapping[str, Outcome]) -> dict[str, Refusal]:
    """The creates and updates Zotero refused (``failed``: outcomes by key), as refusals to
    hold until their entries change (a transient failure is no refusal)."""
    refused: dict[str, Refusal] = {}
    for action in plan.zotero:
        outcome = failed.get(action.key)
        if outcome is None or outcome.code in TRANSIENT:
            continue
        if isinstance(action, CreateItem | UpdateItem):
            line = plan.lines.get(action.key, 0)
            record = plan.records.get(action.key)
            title = record.title if record is not None else ""
            refused[action.key] = Refusal(
                action.key, fingerprint_of(action), line, title, reason(outcome)
            )
    return refused


def reason(outcome: Outcome) -> str:
    """What the server said about one object, with its status code."""
    if outcome.message:
        return f"{outcome.message} ({outcome.code})"
    return f"status {outcome.code}"


@dataclass(frozen=True, slots=True)
class Written:
    """What became of one attempt's Zotero writes: the item each write that landed left and
    the outcomes of those that did not (by key), how many items were created and how many
    updated. (The items, not the outcomes that carried them: a first sync's 10,000 outcomes
    and the set of its created keys were 110 B an entry of its peak.)"""

    landed: Mapping[str, Item]
    failed: Mapping[str, Outcome]
    created: int
    updated: int

    @classmethod
    def of(cls, the_plan: Plan, before: Snapshot, applied: Applied) -> Written:
        """Sort ``applied``'s outcomes; an update counts when it moved its item's version (a
        change that changed nothing was not sent)."""
        landed = {o.key: o.item for o in applied.outcomes if o.item is not None}
        failed = {o.key: o for o in applied.outcomes if o.item is None}
        created = sum(1 for a in the_plan.zotero if isinstance(a, CreateItem) and a.key in landed)
        changed = {a.key for a in the_plan.zotero if not isinstance(a, CreateItem)}
        updated = sum(
            1
            for key in changed
            if key in landed and key in before.items
            and before.items[key].version != landed[key].version
        )  # fmt: skip
        return cls(landed, failed, created, updated)


def pending_creates(plan: Plan, creates: Iterable[CreateItem]) -> list[PendingCreate]:
    """The pending-create rows recorded before ``creates`` (of ``plan``) are sent. A row's
    ident key is that of the plan's base row for the pair when they are equal (one string
    held for both, not two: 70 B an entry of a first sync's peak)."""
    pending = []
    for create in creates:
        ident_key, title = pending_key(create.entry)
        row = plan.records.get(create.key)
        if row is not None and row.ident_key == ident_key:
            ident_key = row.ident_key
        pending.append(PendingCreate(create.key, ident_key, title))
    return pending


TEXT_GROUP = 500
"""How many item texts :class:`StoredTexts` stores in one transaction (about 300 kB of them:
2,000 held were 115 B an entry of a first sync's peak; storing 10,000 texts in groups of 500
took 30 ms against 25 ms in groups of 2,000, ``SqliteStateStore`` in a directory on disk)."""


class StoredTexts:
    """The sink of a run's writes' item texts (``Library.apply``'s ``texts``): they go into
    the list's state in groups of :data:`TEXT_GROUP`, and what is left at :meth:`flush`.
    A first sync then holds no more than a group of its thousands of texts at once, and
    makes no transaction per batch of 50 (each a synchronous write to disk: 200 of them made
    a 10,000-entry first sync ~2 s slower, 10 of them ~0.3 s). With ``keys``, the citation
    keys of the items written go into the state with their texts (:meth:`RunKeys.landed`)."""

    def __init__(self, store: StateStore, list_key: str, keys: RunKeys | None = None) -> None:
        self._store, self._key, self._keys = store, list_key, keys
        self._held: dict[str, str] = {}

    def __call__(self, texts: Mapping[str, str]) -> None:
        self._held.update(texts)
        if len(self._held) >= TEXT_GROUP:
            self.flush()

    def flush(self) -> None:
        """Store the texts held (each carries its item's version: a text newer than the
        state's library version is only read again, never wrong)."""
        if self._held:
            citekeys = self._keys.landed(self._held) if self._keys is not None else {}
            commit = RunCommit(mirror_upserts=self._held, citekeys=citekeys)
            self._store.commit_run(self._key, commit)
            self._held = {}
