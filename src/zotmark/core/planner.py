"""The planner: the decision table of DESIGN §4 as one pure, total function.

``plan(entries, zotero, base, policy)`` compares the reading list, the Zotero collection and
the last-synced base and returns a :class:`~zotmark.core.actions.Plan`. It never raises on
data: conflicts and guard findings are values in the plan. Entries are paired with items by
:mod:`zotmark.core.pairing`; each pair whose item is live merges field by field
(:func:`zotmark.core.merge.merge_pair`); the other rows of the table are here; the guards and
the refused writes held back are :mod:`zotmark.core.guards`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from zotmark.core.actions import (
    AdoptItem,
    Conflict,
    CreateItem,
    FileAction,
    InsertEntry,
    Plan,
    Policy,
    RemoveEntry,
    RemoveItem,
    SetAnchor,
    StrikeEntry,
    ZoteroAction,
)
from zotmark.core.guards import guard_findings, hold_refused
from zotmark.core.identifiers import normalize_title
from zotmark.core.merge import make_record, merge_pair, same_title
from zotmark.core.model import BaseRecord, Entry, Item, Refusal
from zotmark.core.pairing import IdentIndex, pair_entries

__all__ = ["PendingKey", "Plan", "ZoteroSnapshot", "pending_key", "plan"]


@dataclass(frozen=True, slots=True)
class ZoteroSnapshot:
    """The Zotero side of one run.

    ``library`` holds every item zotmark knows of in the library (trashed ones included);
    ``collection`` the keys of the items whose ``collections`` contain the list's collection.
    """

    library: Mapping[str, Item]
    collection: frozenset[str]

    def live(self, key: str) -> Item | None:
        """The item if it is in the collection and not in the trash, else ``None``."""
        item = self.library.get(key)
        if item is None or item.deleted or key not in self.collection:
            return None
        return item


PendingKey = tuple[str, str]
"""What a pending create is remembered by between runs: the entry's primary identifier and
its normalised title (:func:`pending_key`)."""


def pending_key(entry: Entry) -> PendingKey:
    """The key under which a pending create of ``entry`` is remembered between runs."""
    return entry.ident.primary or "", entry.ident.title


def plan(
    entries: Sequence[Entry],
    zotero: ZoteroSnapshot,
    base: Mapping[str, BaseRecord],
    policy: Policy,
    *,
    new_key: Callable[[], str],
    pending: Mapping[PendingKey, str] | None = None,
    flag_boxes: bool = True,
    refused: Mapping[str, Refusal] | None = None,
) -> Plan:
    """Decide one run (see module doc). ``new_key`` supplies fresh item keys; ``pending`` maps
    :func:`pending_key` of entries whose create may already have reached the server to the key
    it was sent with, so a retry reuses the key and can never duplicate the item (a create
    Zotero refused is retried under its key even after its entry was retitled).
    ``flag_boxes`` says whether an entry appended to the file gets flag boxes (the file's own
    style): without them the new pair agrees on no flag. ``refused`` maps item keys to writes
    Zotero refused before: the same write is not planned again (it is ``held``) until the
    entry changes."""
    active = [e for e in entries if not e.struck and e.ident.primary]
    pairing = pair_entries(active, base, zotero.collection, zotero.library)
    build = _Builder(
        policy, zotero, claimed=pairing.claimed, flag_boxes=flag_boxes, refused=refused or {}
    )
    for index, key in sorted(pairing.paired.items()):
        build.pair(active[index], key, base.get(key))
    for index, twin in sorted(pairing.duplicates.items()):
        build.notes.append(_repeat_note(active[index], active[twin], "anchor"))
    listed = _papers_after(build.records, active, pairing.paired)
    keys = _PendingKeys(pending or {}, refused or {}, new_key)
    for index in pairing.new:
        entry = active[index]
        first = listed.setdefault(_paper(entry), entry)
        if first is not entry:  # the same paper listed twice is one item
            build.notes.append(_repeat_note(entry, first, "paper"))
            continue
        build.create(entry, keys.for_entry(entry))
    claimed = pairing.claimed  # with the items that edited entries took instead of theirs
    for key in sorted(set(base) - claimed):
        build.markdown_removed(base[key])
    for key in sorted(zotero.collection - claimed - set(base)):
        item = zotero.live(key)
        if item is not None:
            build.zotero_added(item)
    return build.finish(len(active), base)


class _PendingKeys:
    """The key each new entry's create goes under: its pending create's key when it has one
    (exactly, else a refused create of the same identifier), a fresh one otherwise; never
    one key twice."""

    def __init__(
        self,
        pending: Mapping[PendingKey, str],
        refused: Mapping[str, Refusal],
        new_key: Callable[[], str],
    ) -> None:
        self._pending = pending
        self._refused = {ident: key for (ident, _), key in pending.items() if key in refused}
        self._new_key = new_key
        self._used: set[str] = set()

    def for_entry(self, entry: Entry) -> str:
        """The key of ``entry``'s create."""
        for key in (
            self._pending.get(pending_key(entry)),
            self._refused.get(entry.ident.primary or ""),
        ):
            if key is not None and key not in self._used:
                self._used.add(key)
                return key
        return self._new_key()


@dataclass
class _Builder:
    """Accumulates the plan while the planner walks the pairs."""

    policy: Policy
    zotero: ZoteroSnapshot
    zotero_actions: list[ZoteroAction] = field(default_factory=list)
    file_actions: list[FileAction] = field(default_factory=list)
    records: dict[str, BaseRecord] = field(default_factory=dict)
    forget: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    flag_boxes: bool = True
    refused: Mapping[str, Refusal] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    replaces: dict[str, str] = field(default_factory=dict)

    # -- the rows of the decision table ---------------------------------------------------

    def pair(self, entry: Entry, key: str, record: BaseRecord | None) -> None:
        """An entry paired with an item key: merge, or handle the item leaving the collection."""
        item = self.zotero.live(key)
        if item is not None:
            self._merge(entry, item, record)
        elif record is None or _entry_changed(entry, record):
            self._bring_back(entry, key, record)
        else:
            self._zotero_removed(entry, record)

    def create(self, entry: Entry, key: str) -> None:
        """A new entry with no item anywhere: create one."""
        tags = _status_tags(entry.read, entry.flags, self.policy)
        self.zotero_actions.append(CreateItem(key, entry, frozenset(tags)))
        self.lines[key] = entry.line
        self._anchor(entry, key)
        self.records[key] = make_record(entry, key, entry.title, entry.read, entry.flags, 0)

    def markdown_removed(self, record: BaseRecord) -> None:
        """A synced entry is gone from the file: apply ``on_markdown_delete`` (edits win)."""
        item = self.zotero.live(record.item_key)
        if item is None:
            self.forget.append(record.item_key)
        elif _item_changed(item, record, self.policy):
            self.zotero_added(item)
        elif self.policy.on_markdown_delete == "keep":
            self.records[record.item_key] = record
        else:
            trash = self.policy.on_markdown_delete == "trash"
            self.zotero_actions.append(RemoveItem(record.item_key, trash=trash))
            self.forget.append(record.item_key)

    def zotero_added(self, item: Item) -> None:
        """An item in the collection that the file does not have: append an entry for it."""
        read = self.policy.read_tag in item.tags
        tags = self.policy.flag_tags if self.flag_boxes else ()
        flags = {tag: tag in item.tags for tag in tags}
        heading = self.policy.new_items_heading
        self.file_actions.append(InsertEntry(item.key, item.title, item.url, read, flags, heading))
        record = BaseRecord(
            item.key, item.ident.primary or "", item.title, item.url, read, flags,
            item.version, item.title,
        )  # fmt: skip
        self.records[item.key] = record

    # -- helpers --------------------------------------------------------------------------

    def _bring_back(self, entry: Entry, key: str, record: BaseRecord | None) -> None:
        """The edit wins over the delete: the item comes back and merges against the base, so
        the entry's edits are pushed rather than weighed as conflicts. An item deleted for good
        is created again, unless the library has the paper in another item: that one is taken."""
        found = key if key in self.zotero.library else self._same_paper(entry)
        if found is None:
            self.create(entry, key)
            return
        if found != key:
            self.claimed.add(found)
            self.forget.append(key)
            self.replaces[found] = key
        self.zotero_actions.append(AdoptItem(found, entry))
        self._merge(entry, self.zotero.library[found], record, adopted=True)

    def _same_paper(self, entry: Entry) -> str | None:
        """The key of a library item of the entry's paper that no entry holds, if any."""
        free = [item for key, item in self.zotero.library.items() if key not in self.claimed]
        found = IdentIndex(free).lookup(entry.ident)
        return found[0].key if found else None

    def _zotero_removed(self, entry: Entry, record: BaseRecord) -> None:
        """An unedited entry whose item left the collection: apply ``on_zotero_delete``. A kept
        entry stays paired: it is anchored, and its record states the boxes it has (unedited:
        a box the base did not know yet is taken as the file has it)."""
        rule = self.policy.on_zotero_delete
        if rule == "keep":
            self.records[record.item_key] = record._replace(flags=dict(entry.flags))
            self._anchor(entry, record.item_key)
            return
        action = StrikeEntry(entry.line) if rule == "strike" else RemoveEntry(entry.line)
        self.file_actions.append(action)
        self.forget.append(record.item_key)

    def _merge(
        self, entry: Entry, item: Item, record: BaseRecord | None, adopted: bool = False
    ) -> None:
        """A pair whose item is live: its fields merged (:func:`merge_pair`), the line anchored
        to the item, and the row the pair agrees on recorded."""
        merged = merge_pair(entry, item, record, self.policy, adopted)
        self.file_actions.extend(merged.file)
        if merged.update is not None:
            self.zotero_actions.append(merged.update)
        self.conflicts.extend(merged.conflicts)
        self.lines[item.key] = entry.line
        self._anchor(entry, item.key)
        self.records[item.key] = merged.record

    def _anchor(self, entry: Entry, key: str) -> None:
        """Write the item ``key`` into the entry's line, unless it holds it or anchors are off."""
        if self.policy.anchors and entry.anchor != key:
            self.file_actions.append(SetAnchor(entry.line, key))

    def finish(self, active_entries: int, base: Mapping[str, BaseRecord]) -> Plan:
        """The plan, or only the guard findings when a safety guard trips."""
        live = any(self.zotero.live(key) is not None for key in self.zotero.collection)
        guards = guard_findings(
            self.policy, len(base), active_entries, live, self.zotero_actions, self.file_actions
        )
        if guards:
            return Plan(guards=tuple(guards), conflicts=tuple(self.conflicts))
        kept = hold_refused(
            self.zotero_actions, self.file_actions, self.records, self.lines, self.refused, base
        )
        return Plan(
            zotero=tuple(kept.zotero),
            file=tuple(kept.file),
            records=dict(self.records),
            forget=tuple(self.forget),
            conflicts=tuple(self.conflicts),
            notes=tuple(self.notes),
            lines={a.key: self.lines[a.key] for a in kept.zotero if a.key in self.lines},
            held=kept.held,
            replaces=dict(self.replaces),
        )


def _paper(entry: Entry) -> tuple[str | None, str]:
    """What makes two entries the same paper: their primary identifier and normalised title."""
    return entry.ident.primary, entry.ident.title


def _papers_after(
    records: Mapping[str, BaseRecord], entries: Sequence[Entry], paired: Mapping[int, str]
) -> dict[tuple[str | None, str], Entry]:
    """The paper each paired entry states once this run has written its title (a title taken
    from Zotero changes which entries repeat it), with the entry; judged on the state after the
    run, so that the next run judges the same."""
    listed: dict[tuple[str | None, str], Entry] = {}
    for index, key in sorted(paired.items()):
        record = records.get(key)
        if record is not None:
            listed.setdefault((record.ident_key, normalize_title(record.title)), entries[index])
    return listed


def _repeat_note(entry: Entry, original: Entry, what: str) -> str:
    """Why ``entry`` is left out of the sync: it repeats ``original``'s anchor, or its paper."""
    return (
        f"line {entry.line} repeats the {what} of line {original.line}: left out of the sync "
        f"(delete it{'' if what == 'anchor' else ', or make it a different paper'})"
    )


def _status_tags(read: bool, flags: Mapping[str, bool], policy: Policy) -> set[str]:
    tags = {policy.read_tag} if read else set()
    for tag, on in flags.items():
        if on and tag in policy.flag_tags:
            tags.add(tag)
    return tags


def _entry_changed(entry: Entry, record: BaseRecord) -> bool:
    """True when the entry differs from the base in anything the user can edit."""
    flags_moved = any(record.flags.get(tag, on) != on for tag, on in entry.flags.items())
    return entry.read != record.read or flags_moved or not same_title(entry.title, record.title)


def _item_changed(item: Item, record: BaseRecord, policy: Policy) -> bool:
    """True when the item differs from the base in a status tag or its title."""
    if (policy.read_tag in item.tags) != record.read:
        return True
    if any((tag in item.tags) != on for tag, on in record.flags.items()):
        return True
    return not same_title(item.title, record.item_title)
