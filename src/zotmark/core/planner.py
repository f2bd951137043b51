"""The planner: the decision table of DESIGN §4 as one pure, total function.

``plan(entries, zotero, base, policy)`` compares the reading list, the Zotero collection and
the last-synced base and returns a :class:`~zotmark.core.actions.Plan`. It never raises on
data: conflicts and guard findings are values in the plan. Fields merge one by one (read,
each flag, title, URL), so a box ticked in the file and a tag added in Zotero both survive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from zotmark.core.actions import (
    AdoptItem,
    Conflict,
    CreateItem,
    FileAction,
    GuardFinding,
    InsertEntry,
    Plan,
    Policy,
    RemoveEntry,
    RemoveItem,
    SetAnchor,
    SetBox,
    SetTitle,
    StrikeEntry,
    UpdateItem,
    ZoteroAction,
    fingerprint,
)
from zotmark.core.identifiers import normalize_title
from zotmark.core.merge import MISSING, FieldMerge, _Missing, merge_field
from zotmark.core.model import BaseRecord, Entry, Item, Refusal
from zotmark.core.pairing import IdentIndex, pair_entries


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
    update_at: dict[str, int] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    flag_boxes: bool = True
    refused: Mapping[str, Refusal] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    replaces: dict[str, str] = field(default_factory=dict)

    # -- the rows of the decision table ---------------------------------------------------

    def pair(self, entry: Entry, key: str, record: BaseRecord | None) -> None:
        """An entry paired with an item key: merge, or handle the item leaving the collection."""
        item = self.zotero.live(key)
        if item is not None and record is not None and self._unchanged(entry, item, record):
            self.records[item.key] = record  # what _merge would record, and nothing to do
        elif item is not None:
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
        self.records[key] = _record(entry, key, entry.title, entry.read, entry.flags, 0)

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

    def _unchanged(self, entry: Entry, item: Item, record: BaseRecord) -> bool:
        """Whether the entry, its live item and their base row all agree (most pairs of most
        runs): then :meth:`_merge` would plan no action and no conflict, and record a row equal
        to ``record``. Each test below is one of its outcomes, field by field."""
        policy = self.policy
        if entry.read != record.read or (policy.read_tag in item.tags) != record.read:
            return False  # the read box merges to itself only when both sides equal the base
        flags = {}
        for tag in policy.flag_tags:
            if tag in entry.flags:
                if entry.flags[tag] != (tag in item.tags):
                    return False
                flags[tag] = entry.flags[tag]
        return (
            flags == record.flags  # the flags _merge would record
            and entry.title == record.title  # neither title moved, and the recorded ones stay
            and item.title == record.item_title
            and entry.url == record.url  # no URL to push, and the recorded one stays
            and item.version == record.item_version
            and (entry.anchor == item.key or not policy.anchors)  # no anchor to set
            and record.item_key == item.key
            and record.ident_key == _ident_key(entry, entry.title)
        )

    def _merge(
        self, entry: Entry, item: Item, record: BaseRecord | None, adopted: bool = False
    ) -> None:
        read = self._merge_box(entry, item, record, None)
        flags = {}
        for tag in self.policy.flag_tags:
            if tag in entry.flags:
                flags[tag] = self._merge_box(entry, item, record, tag)
        title, item_title = self._merge_title(entry, item, record)
        self._push_url(entry, item, record)
        self.lines[item.key] = entry.line
        self._anchor(entry, item.key)
        version = 0 if adopted else item.version
        self.records[item.key] = _record(entry, item.key, title, read, flags, version, item_title)

    def _merge_box(
        self, entry: Entry, item: Item, record: BaseRecord | None, flag: str | None
    ) -> bool:
        tag = self.policy.read_tag if flag is None else flag
        mine = entry.read if flag is None else entry.flags[flag]
        theirs = tag in item.tags
        if mine == theirs:  # both sides agree (most boxes of most runs): nothing to merge
            return mine
        base: bool | _Missing = MISSING
        if record is not None:
            base = record.read if flag is None else record.flags.get(flag, MISSING)
        merged = merge_field(base, mine, theirs, self.policy.conflict)
        self._conflict(item.key, tag, mine, theirs, merged)
        if merged.value != mine:
            self.file_actions.append(SetBox(entry.line, merged.value, flag))
        if merged.value != theirs:
            tags = frozenset({tag})
            self._update(item.key, add=tags if merged.value else frozenset(), remove=tags)
        return merged.value

    def _merge_title(self, entry: Entry, item: Item, record: BaseRecord | None) -> tuple[str, str]:
        """Titles may differ for good (a canonical title from enrichment), so they only move
        when one side was retitled since the base. A pair synced before whose base is lost
        (the entry is anchored to the item) with titles that differ is a conflict, settled by
        the policy; an entry paired for the first time keeps both titles. Returns (file title,
        item title). An entry without a title (a bare link) has none to sync."""
        if not entry.title:
            return entry.title, item.title
        file_moved, item_moved = self._titles_moved(entry, item, record)
        if file_moved and item_moved and not _same_title(entry.title, item.title):
            merged = merge_field(MISSING, entry.title, item.title, self.policy.conflict)
            self._conflict(item.key, "title", entry.title, item.title, merged)
            file_moved, item_moved = merged.winner == "markdown", merged.winner == "zotero"
        if file_moved and not item_moved:
            self._update(item.key, title=entry.title)
            return entry.title, entry.title
        if item_moved and not file_moved:
            self.file_actions.append(SetTitle(entry.line, item.title))
            return item.title, item.title
        return entry.title, item.title

    @staticmethod
    def _titles_moved(entry: Entry, item: Item, record: BaseRecord | None) -> tuple[bool, bool]:
        """Whether the file's and the item's titles moved since the base. Without a base, an
        entry anchored to the item was synced before (the state was lost): both count as
        moved, unless the list abbreviates the item's title; a new pair moved neither."""
        if record is not None:
            return (
                not _same_title(entry.title, record.title),
                not _same_title(item.title, record.item_title),
            )
        lost = entry.anchor == item.key and not _abbreviates(entry.title, item.title)
        return lost, lost

    def _push_url(self, entry: Entry, item: Item, record: BaseRecord | None) -> None:
        """A link edited in the file goes to Zotero (the same link percent-encoded, as the
        file holds a link that came from Zotero, is no edit)."""
        if record is None or entry.url is None or _same_url(entry.url, record.url):
            return
        if not _same_url(entry.url, item.url):
            self._update(item.key, url=entry.url)

    def _anchor(self, entry: Entry, key: str) -> None:
        if self.policy.anchors and entry.anchor != key:
            self.file_actions.append(SetAnchor(entry.line, key))

    def _conflict(
        self, key: str, name: str, mine: object, theirs: object, merged: FieldMerge[Any]
    ) -> None:
        if merged.conflict:
            self.conflicts.append(Conflict(key, name, mine, theirs, merged.winner))

    def _update(
        self,
        key: str,
        *,
        add: frozenset[str] = frozenset(),
        remove: frozenset[str] = frozenset(),
        title: str | None = None,
        url: str | None = None,
    ) -> None:
        """Fold this change into the item's pending UpdateItem (one write per item)."""
        position = self.update_at.get(key)
        if position is None:
            self.update_at[key] = len(self.zotero_actions)
            self.zotero_actions.append(UpdateItem(key, add, remove - add, title, url))
            return
        action = self.zotero_actions[position]
        assert isinstance(action, UpdateItem)
        self.zotero_actions[position] = UpdateItem(
            key,
            action.add_tags | add,
            (action.remove_tags | remove) - (action.add_tags | add),
            title if title is not None else action.title,
            url if url is not None else action.url,
        )

    def finish(self, active_entries: int, base: Mapping[str, BaseRecord]) -> Plan:
        """The plan, or only the guard findings when a safety guard trips."""
        guards = _guards(self, active_entries, base)
        if guards:
            return Plan(guards=tuple(guards), conflicts=tuple(self.conflicts))
        held = self._hold_refused(base)
        return Plan(
            zotero=tuple(self.zotero_actions),
            file=tuple(self.file_actions),
            records=dict(self.records),
            forget=tuple(self.forget),
            conflicts=tuple(self.conflicts),
            notes=tuple(self.notes),
            lines={a.key: self.lines[a.key] for a in self.zotero_actions if a.key in self.lines},
            held=held,
            replaces=dict(self.replaces),
        )

    def _hold_refused(self, base: Mapping[str, BaseRecord]) -> tuple[Refusal, ...]:
        """Take out the creates and updates Zotero refused before, unchanged since: nothing
        of them is sent or recorded (a held create's anchor is not written, a held update's
        pair keeps its base row; one that was to move to another item of the paper stays where
        it was, as :attr:`Plan.replaces` tells the runner). An
        item's return to the collection goes into the same write as its update (one patch per
        item), so it is held with it, as Zotero refused them together. Returns the refusals, as
        of this run's lines and titles."""
        if not self.refused:
            return ()
        held: list[Refusal] = []
        kept: list[ZoteroAction] = []
        for action in self.zotero_actions:
            refusal = self.refused.get(action.key)
            unchanged = (
                refusal is not None
                and isinstance(action, CreateItem | UpdateItem)
                and fingerprint(action) == refusal.fingerprint
            )
            if refusal is None or not unchanged:
                kept.append(action)
            else:
                line = self.lines.get(action.key, refusal.line)
                title = self.records[action.key].title if action.key in self.records else ""
                held.append(refusal._replace(line=line, title=title or refusal.title))
                self.records.pop(action.key, None)
                if isinstance(action, UpdateItem) and action.key in base:
                    self.records[action.key] = base[action.key]
        if held:
            keys = {refusal.item_key for refusal in held}
            self.zotero_actions = [
                a for a in kept if not (isinstance(a, AdoptItem) and a.key in keys)
            ]
            self.file_actions = [
                a for a in self.file_actions if not (isinstance(a, SetAnchor) and a.key in keys)
            ]
        return tuple(held)


def _guards(
    build: _Builder, active_entries: int, base: Mapping[str, BaseRecord]
) -> list[GuardFinding]:
    """Mass-delete guard: a side that suddenly looks empty, or too many deletions at once."""
    policy = build.policy
    if policy.force_delete or len(base) < 3:
        return []
    found: list[GuardFinding] = []
    live = any(build.zotero.live(k) is not None for k in build.zotero.collection)
    if active_entries == 0 and policy.on_markdown_delete != "keep":
        found.append(GuardFinding(f"the list has no entries, but {len(base)} were synced"))
    if not live and policy.on_zotero_delete != "keep":
        found.append(GuardFinding(f"the collection is empty, but {len(base)} items were synced"))
    deleting = sum(isinstance(a, RemoveItem) for a in build.zotero_actions) + sum(
        isinstance(a, StrikeEntry | RemoveEntry) for a in build.file_actions
    )
    limit = max(policy.max_delete_fraction * len(base), 2)
    if deleting > limit and not found:
        found.append(
            GuardFinding(
                f"the run would delete {deleting} of {len(base)} synced entries "
                f"(more than {policy.max_delete_fraction:.0%})"
            )
        )
    return found


def _record(
    entry: Entry,
    key: str,
    title: str,
    read: bool,
    flags: Mapping[str, bool],
    version: int,
    item_title: str | None = None,
) -> BaseRecord:
    return BaseRecord(
        key, _ident_key(entry, title), title, entry.url, read, dict(flags), version,
        item_title if item_title is not None else title,
    )  # fmt: skip


def _ident_key(entry: Entry, title: str) -> str:
    """The entry's primary identifier once its title is ``title``: an entry identified by its
    title alone (no link) takes the identity of a title that came from Zotero."""
    primary = entry.ident.primary or ""
    if primary.startswith("title:") and normalize_title(title):
        return f"title:{normalize_title(title)}"
    return primary


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


def _same_url(a: str, b: str | None) -> bool:
    """Whether two links are the same, percent-encoding and surrounding space aside."""
    return a == b or (b is not None and unquote(a).strip() == unquote(b).strip())


def _same_title(a: str, b: str) -> bool:
    """Equal titles, or titles that normalise equal to words (two titles of punctuation
    alone, which both normalise to nothing, are the same only when equal)."""
    if a == b:
        return True
    normal = normalize_title(a)
    return bool(normal) and normal == normalize_title(b)


def _abbreviates(title: str, full: str) -> bool:
    """Whether ``title`` ends with an ellipsis and begins ``full``: the list abbreviates the
    title Zotero has in full (``ViLBERT: Pretraining … Representations ...``)."""
    stripped = title.rstrip()
    if not stripped.endswith(("...", "…")):
        return False
    return normalize_title(full).startswith(normalize_title(stripped.rstrip(".…")))


def _entry_changed(entry: Entry, record: BaseRecord) -> bool:
    """True when the entry differs from the base in anything the user can edit."""
    flags_moved = any(record.flags.get(tag, on) != on for tag, on in entry.flags.items())
    return entry.read != record.read or flags_moved or not _same_title(entry.title, record.title)


def _item_changed(item: Item, record: BaseRecord, policy: Policy) -> bool:
    """True when the item differs from the base in a status tag or its title."""
    if (policy.read_tag in item.tags) != record.read:
        return True
    if any((tag in item.tags) != on for tag, on in record.flags.items()):
        return True
    return not _same_title(item.title, record.item_title)
