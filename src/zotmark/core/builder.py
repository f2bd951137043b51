"""The plan under construction: what each row of the decision table (DESIGN §4) adds to it.

Pure. :func:`zotmark.core.planner.plan` walks the pairs, the new entries, the rows whose
entry is gone and the items new to the collection, and hands each to a :class:`PlanBuilder`,
which merges (:func:`zotmark.core.merge.merge_pair`), moves twins to their survivors
(:mod:`zotmark.core.twins`), and applies the delete policies; :meth:`PlanBuilder.finish` puts
the guards (:mod:`zotmark.core.guards`) on the result.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from zotmark.core.actions import (
    AdoptItem,
    Conflict,
    CreateItem,
    FileAction,
    InsertEntry,
    RemoveEntry,
    RemoveItem,
    SetAnchor,
    StrikeEntry,
    ZoteroAction,
)
from zotmark.core.guards import guard_findings, hold_refused
from zotmark.core.item import Item
from zotmark.core.merge import PairMerge, make_record, merge_pair, same_title
from zotmark.core.model import BaseRecord, Entry, Refusal
from zotmark.core.pairing import IdentIndex, choose
from zotmark.core.plan import Plan, Policy
from zotmark.core.states import TODO, item_state, known, plugin_name, plugin_status, state_tag
from zotmark.core.twins import NO_TWINS, Twins, held_note, merge_moved


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


@dataclass
class PlanBuilder:
    """Accumulates the plan while the planner walks the pairs.

    A pair is *settled* when its decision acts on nothing and its row is its base row: it
    then adds nothing to the plan (no row either). Every other pair's key goes into
    ``unsettled`` as its decision is made (:meth:`_act`, :meth:`_row`). ``ambiguous`` gives
    the identifiers of two papers behind one link (the planner's: the list's and its rows'),
    of which an entry taking another item of its paper takes only one of its title."""

    policy: Policy
    zotero: ZoteroSnapshot
    base: Mapping[str, BaseRecord]
    claimed: Mapping[str, int]
    twins: Twins = NO_TWINS
    flag_boxes: bool = True
    refused: Mapping[str, Refusal] = field(default_factory=dict)
    ambiguous: Callable[[], Collection[str]] = frozenset
    zotero_actions: list[ZoteroAction] = field(default_factory=list)
    file_actions: list[FileAction] = field(default_factory=list)
    records: dict[str, BaseRecord] = field(default_factory=dict)
    forget: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    lines: dict[str, int] = field(default_factory=dict)
    replaces: dict[str, str] = field(default_factory=dict)
    unsettled: set[str] = field(default_factory=set)

    def claims(self, key: str) -> bool:
        """Whether an entry holds the item ``key``: paired with it, or taking it instead of
        its own (deleted for good)."""
        return key in self.claimed or key in self.taken

    def row_after(self, key: str) -> BaseRecord | None:
        """The row the pair ``key`` has once the plan is done (``None``: forgotten, or none)."""
        if key in self.records:
            return self.records[key]
        return None if key in self.forget else self.base.get(key)

    # -- the rows of the decision table ---------------------------------------------------

    def pair(self, entry: Entry, key: str, record: BaseRecord | None) -> None:
        """An entry paired with an item key: merge, or handle the item leaving the collection;
        an entry that holds a twin moves to the item it merges into."""
        survivor = self.twins.survivor.get(key)
        if survivor is not None:
            self._join(entry, key, survivor, record)
            return
        item = self.zotero.live(key)
        if item is not None:
            self._merge(entry, item, record)
        elif record is None or _entry_changed(entry, record):
            self._bring_back(entry, key, record)
        else:
            self._zotero_removed(entry, record)

    def adopt(self, entry: Entry, key: str, record: BaseRecord | None) -> None:
        """A new entry that pairing deferred (it repeats a paper as written, none once the run
        has written its titles): paired with the item ``key`` pairing found for it, as if
        pairing had paired them, the item taken from the rows left without an entry."""
        self.taken.add(key)
        self.pair(entry, key, record)

    def create(self, entry: Entry, key: str) -> None:
        """A new entry with no item anywhere: create one."""
        policy, state = self.policy, known(entry.state) or TODO
        tags = _status_tags(state, entry.flags, policy)
        status = None
        if policy.status_store != "tags" and state != TODO:
            status = plugin_name(state, policy)
        self._act(key, CreateItem(key, entry, tags, status))
        self.lines[key] = entry.line
        self._anchor(entry, key)
        self._row(key, make_record(entry, key, entry.title, state, entry.flags, 0))

    def markdown_removed(self, record: BaseRecord) -> None:
        """A synced entry is gone from the file: apply ``on_markdown_delete`` (edits win)."""
        key = record.item_key
        item = self.zotero.live(key)
        if item is None:
            self._forget(key)
        elif _item_changed(item, record, self.policy):
            self.zotero_added(item)
        elif self.policy.on_markdown_delete != "keep":
            trash = self.policy.on_markdown_delete == "trash"
            self._act(key, RemoveItem(key, trash=trash))
            self._forget(key)
        # (kept: the pair is settled, its base row stands)

    def trash_twin(self, key: str) -> None:
        """A twin no entry holds, live in the collection: into the trash (recoverable)."""
        self._act(key, RemoveItem(key, trash=True, twin_of=self.twins.survivor[key]))

    def zotero_added(self, item: Item) -> None:
        """An item in the collection that the file does not have: append an entry for it."""
        state = item_state(item, self.policy) or TODO
        tags = self.policy.flag_tags if self.flag_boxes else ()
        flags = {tag: tag in item.tags for tag in tags}
        heading = self.policy.new_items_heading
        self._edit(item.key, InsertEntry(item.key, item.title, item.url, state, flags, heading))
        record = BaseRecord(
            item.key, item.ident.primary or "", item.title, item.url, state, flags,
            item.version, item.title,
        )  # fmt: skip
        self._row(item.key, record)

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
            self.taken.add(found)
            self._forget(key)
            self.replaces[found] = key
        self._act(found, AdoptItem(found, entry))
        self._merge(entry, self.zotero.library[found], record, adopted=True)

    def _join(self, entry: Entry, key: str, survivor: str, record: BaseRecord | None) -> None:
        """The entry holding the twin ``key`` moves to ``survivor`` (:mod:`zotmark.core.twins`
        says how), and the twin goes to the trash unless there already; when another entry
        holds ``survivor``, the entry is left out of the sync with a note, its pair left as it
        stands (a forgotten row would leave a line without an anchor with no pair at all)."""
        if self.claims(survivor):
            self.notes.append(held_note(entry.line, survivor))
            return
        if self.zotero.live(key) is not None:
            self._act(key, RemoveItem(key, trash=True, twin_of=survivor))
        if key in self.base:
            self._forget(key)
        self.taken.add(survivor)
        self.replaces[survivor] = key
        twin, item = self.zotero.library.get(key), self.zotero.library[survivor]
        own = self.base.get(survivor)  # (its line was removed: no entry holds it)
        self._take(entry, item, merge_moved(entry, twin, item, record, own, self.policy))

    def _same_paper(self, entry: Entry) -> str | None:
        """The key of a library item of the entry's paper that no entry holds, if any: as
        pairing takes one (:func:`~zotmark.core.pairing.choose`), the item of the entry's
        identifier and title, else the first of its identifier, unless the identifier is
        ``ambiguous`` (two papers behind one link, in the list or its rows): then only an item
        of the entry's title is its paper, never the other paper's item."""
        free = [item for key, item in self.zotero.library.items() if not self.claims(key)]
        found = IdentIndex(free).lookup(entry.ident)
        chosen = choose(entry, found, self.ambiguous(), lambda item: item.ident.title)
        return None if chosen is None else chosen.key

    def _zotero_removed(self, entry: Entry, record: BaseRecord) -> None:
        """An unedited entry whose item left the collection: apply ``on_zotero_delete``. A kept
        entry stays paired: it is anchored, and its record states the boxes it has (unedited:
        a box the base did not know yet is taken as the file has it)."""
        key, rule = record.item_key, self.policy.on_zotero_delete
        if rule == "keep":
            self._anchor(entry, key)
            self._row(key, record._replace(flags=entry.flags))
            return
        self._edit(key, StrikeEntry(entry.line) if rule == "strike" else RemoveEntry(entry.line))
        self._forget(key)

    def _merge(
        self, entry: Entry, item: Item, record: BaseRecord | None, adopted: bool = False
    ) -> None:
        """A pair whose item is live: its fields merged (:func:`merge_pair`) and taken."""
        self._take(entry, item, merge_pair(entry, item, record, self.policy, adopted))

    def _take(self, entry: Entry, item: Item, merged: PairMerge) -> None:
        """A live pair's ``merged``: its changes planned, the line anchored, the row recorded."""
        key = item.key
        if self.policy.status_store != "tags" and item_state(item, self.policy) is None:
            self.notes.append(_unknown_status_note(entry, item))
        for action in merged.file:
            self._edit(key, action)
        if merged.update is not None:
            self._act(key, merged.update)
        if merged.conflicts:
            self.conflicts.extend(merged.conflicts)
            self.unsettled.add(key)
        self.lines[key] = entry.line
        self._anchor(entry, key)
        self._row(key, merged.record)

    def _anchor(self, entry: Entry, key: str) -> None:
        """Write the item ``key`` into the entry's line, unless it holds it or anchors are off."""
        if self.policy.anchors and entry.anchor != key:
            self._edit(key, SetAnchor(entry.line, key))

    def _act(self, key: str, action: ZoteroAction) -> None:
        """Plan the Zotero action ``action`` for the pair ``key`` (which is then not settled)."""
        self.zotero_actions.append(action)
        self.unsettled.add(key)

    def _edit(self, key: str, action: FileAction) -> None:
        """Plan the file action ``action`` for the pair ``key`` (which is then not settled).
        (Each caller knows which side its action is for: no ``isinstance`` of a union per
        action, two per entry of a first sync.)"""
        self.file_actions.append(action)
        self.unsettled.add(key)

    def _forget(self, key: str) -> None:
        """Drop the pair ``key``'s base row."""
        self.forget.append(key)
        self.unsettled.add(key)

    def _row(self, key: str, row: BaseRecord) -> None:
        """The row the pair ``key`` agrees on once its actions are done: recorded unless the
        pair is settled (nothing planned for it, and ``row`` is its base row)."""
        if key in self.unsettled or row != self.base.get(key):
            self.records[key] = row
            self.unsettled.add(key)

    def finish(self, active_entries: int) -> Plan:
        """The plan, or only the guard findings when a safety guard trips."""
        live = any(self.zotero.live(key) is not None for key in self.zotero.collection)
        base = self.base
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
            unsettled=frozenset(self.unsettled),
        )


_NO_TAGS: frozenset[str] = frozenset()


def _unknown_status_note(entry: Entry, item: Item) -> str:
    """Why the reading state of ``entry`` is left alone: its item's plugin status is unknown."""
    return (
        f"line {entry.line}: the item's reading status {plugin_status(item.extra)!r} is not "
        "one zotmark knows (plugin_statuses): its box is left alone"
    )


def _status_tags(state: str, flags: Mapping[str, bool], policy: Policy) -> frozenset[str]:
    """The tags of an entry's boxes: its reading state's when the policy keeps states in tags
    (none for to do), and its flags' (one shared empty set for the many with none)."""
    tag = state_tag(state, policy) if policy.status_store == "tags" else None
    tags = [tag] if tag else []
    for tag, on in flags.items():
        if on and tag in policy.flag_tags:
            tags.append(tag)
    return frozenset(tags) if tags else _NO_TAGS


def _entry_changed(entry: Entry, record: BaseRecord) -> bool:
    """True when the entry differs from the base in anything the user can edit."""
    flags_moved = any(record.flags.get(tag, on) != on for tag, on in entry.flags.items())
    moved = known(entry.state) not in (None, record.state)
    return moved or flags_moved or not same_title(entry.title, record.title)


def _item_changed(item: Item, record: BaseRecord, policy: Policy) -> bool:
    """True when the item differs from the base in its reading state, a flag's tag or its
    title."""
    if item_state(item, policy) not in (None, record.state):
        return True
    if any((tag in item.tags) != on for tag, on in record.flags.items()):
        return True
    return not same_title(item.title, record.item_title)
