"""The three-way merge of one entry with its item against the last-synced base.

Pure. :func:`merge_field` merges one field: a field that changed on one side only takes that
side's value; a field that changed on both sides to the same value is simply recorded; a field
that changed on both sides to different values (or differs with no base at all) is a conflict,
settled by the policy. :func:`merge_pair` merges a whole pair field by field (the reading
state, each flag box, the title, the URL), so a box ticked in the file and a tag added in
Zotero both survive; a pair whose entry, item and base agree merges to no action and its base
row. The reading state is one field of four values (:mod:`zotmark.core.states`); a state
either side states in a way zotmark does not know (a box's marker, a plugin status) is not
merged: the box and the item are left alone and the base row keeps its state.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, NamedTuple, TypeVar
from urllib.parse import unquote

from zotmark.core.actions import Conflict, FileAction, SetBox, SetTitle, UpdateItem
from zotmark.core.identifiers import normalize_title
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import ConflictPolicy, Policy
from zotmark.core.states import item_state, known, plugin_name, state_tag, status_tags

T = TypeVar("T")
Winner = Literal["markdown", "zotero"]


class FieldMerge(NamedTuple, Generic[T]):
    """The merged value of one field, and whether it was a conflict.

    ``winner`` says which side's value was taken when both differed (``None`` if they agree or
    only one side changed). ``unresolved`` is true when the policy is ``fail``: ``value`` is then
    the markdown value, and the run must stop before applying anything. (A named tuple: a plan
    merges every box of every pair, and a named tuple is made in less than half the time of a
    frozen dataclass.)
    """

    value: T
    conflict: bool = False
    winner: Winner | None = None
    unresolved: bool = False


class _Missing:
    """Marks a field with no base value (the state was lost or the pair is new)."""


MISSING = _Missing()


def merge_field(
    base: T | _Missing,
    markdown: T,
    zotero: T,
    policy: ConflictPolicy,
    same: Callable[[T, T], bool] = operator.eq,
) -> FieldMerge[T]:
    """Merge one field three ways; ``same`` decides equality (e.g. normalised titles)."""
    if same(markdown, zotero):
        return FieldMerge(markdown)
    if not isinstance(base, _Missing):
        if same(markdown, base):
            return FieldMerge(zotero)
        if same(zotero, base):
            return FieldMerge(markdown)
    if policy == "zotero-wins":
        return FieldMerge(zotero, conflict=True, winner="zotero")
    if policy == "fail":
        return FieldMerge(markdown, conflict=True, unresolved=True)
    return FieldMerge(markdown, conflict=True, winner="markdown")


class PairMerge(NamedTuple):
    """What merging one entry with its live item decides.

    ``file`` holds the file's changes in order (boxes, then the title); ``update`` the one
    write of the item, if any; ``record`` the base row the pair agrees on once both are done.
    (A named tuple, as :class:`FieldMerge`: one per pair of the list.)
    """

    record: BaseRecord
    file: tuple[FileAction, ...] = ()
    update: UpdateItem | None = None
    conflicts: tuple[Conflict, ...] = ()


def merge_pair(
    entry: Entry, item: Item, record: BaseRecord | None, policy: Policy, adopted: bool = False
) -> PairMerge:
    """Merge ``entry`` with its live ``item`` against their base row ``record`` (``None``: a
    new pair, or one whose base was lost). An ``adopted`` item (one the run brings back into the
    collection) is recorded at version 0, as its version changes with the write."""
    if record is not None and not adopted and _settled(entry, item, record, policy):
        return PairMerge(record)
    merge = _PairMerger(entry, item, record, policy)
    state = merge.state()
    flags = {tag: merge.box(tag) for tag in policy.flag_tags if tag in entry.flags}
    title, item_title = merge.title()
    merge.url()
    version = 0 if adopted else item.version
    row = make_record(entry, item.key, title, state, flags, version, item_title)
    update = None
    if merge.changed:
        add, remove = frozenset(merge.add), frozenset(merge.remove - merge.add)
        update = UpdateItem(item.key, add, remove, merge.new_title, merge.new_url, merge.status)
    return PairMerge(row, tuple(merge.file), update, tuple(merge.conflicts))


def _settled(entry: Entry, item: Item, record: BaseRecord, policy: Policy) -> bool:
    """Whether the pair states its base row exactly: the entry's title, URL and boxes, the
    item's key, version, title and status tags are the row's (and the entry holds no flag the
    policy does not sync). Every field then merges to the value all three share, so the merge
    is no action and ``record`` itself, which is all this cheaper test decides (the plan of a
    synced 10,000-entry list with one box flipped: 55 -> 39 ms CPU in process, load ~6)."""
    if (
        entry.title != record.title
        or entry.url != record.url
        or known(entry.state) != record.state
        or item.version != record.item_version
        or item.title != record.item_title
        or item.key != record.item_key
        or item_state(item, policy) != record.state
        or entry.flags != record.flags
    ):
        return False
    for tag, on in entry.flags.items():
        if tag not in policy.flag_tags or (tag in item.tags) != on:
            return False
    return ident_key(entry, entry.title) == record.ident_key


class _PairMerger:
    """The merge of one pair while its fields are merged one by one."""

    def __init__(self, entry: Entry, item: Item, record: BaseRecord | None, policy: Policy) -> None:
        self.entry, self.item, self.record, self.policy = entry, item, record, policy
        self.file: list[FileAction] = []
        self.conflicts: list[Conflict] = []
        self.add: set[str] = set()
        self.remove: set[str] = set()
        self.new_title: str | None = None
        self.new_url: str | None = None
        self.status: str | None = None  # the plugin status written
        self.changed = False  # whether the item is written

    def state(self) -> str:
        """The merged reading state. A state unknown on either side is not merged: the base
        row's state stands (without one, the known side's, else to do)."""
        entry, item, record, policy = self.entry, self.item, self.record, self.policy
        mine, theirs = known(entry.state), item_state(item, policy)
        if mine is None or theirs is None:
            return record.state if record is not None else (mine or theirs or " ")
        base = MISSING if record is None else record.state
        merged = merge_field(base, mine, theirs, policy.conflict)
        if merged.conflict:
            self._conflict("state", f"[{mine}]", f"[{theirs}]", merged)
        value = merged.value
        if value != mine:
            self.file.append(SetBox(entry.line, value))
        if value != theirs:
            self.changed = True
            if policy.status_store == "tags":
                tag = state_tag(value, policy)
                self.add.update((tag,) if tag else ())
                self.remove.update(t for t in status_tags(policy) if t != tag and t in item.tags)
            else:
                self.status = plugin_name(value, policy)
        return value

    def box(self, flag: str) -> bool:
        """The merged state of the flag box of tag ``flag``."""
        entry, item, record = self.entry, self.item, self.record
        mine, theirs = entry.flags[flag], flag in item.tags
        base: bool | _Missing = MISSING if record is None else record.flags.get(flag, MISSING)
        merged = merge_field(base, mine, theirs, self.policy.conflict)
        if merged.conflict:
            self._conflict(flag, mine, theirs, merged)
        value = merged.value
        if value != mine:
            self.file.append(SetBox(entry.line, "x" if value else " ", flag))
        if value != theirs:
            (self.add if value else self.remove).add(flag)
            self.changed = True
        return value

    def title(self) -> tuple[str, str]:
        """The merged (file title, item title). Titles may differ for good (a canonical title
        from enrichment), so they only move when one side was retitled since the base. A pair
        synced before whose base is lost (the entry is anchored to the item) with titles that
        differ is a conflict, settled by the policy; an entry paired for the first time keeps
        both titles. An entry without a title (a bare link) has none to sync."""
        entry, item = self.entry, self.item
        if not entry.title:
            return entry.title, item.title
        file_moved, item_moved = self._titles_moved()
        if file_moved and item_moved and not same_title(entry.title, item.title):
            merged = merge_field(MISSING, entry.title, item.title, self.policy.conflict)
            self._conflict("title", entry.title, item.title, merged)
            file_moved, item_moved = merged.winner == "markdown", merged.winner == "zotero"
        if file_moved and not item_moved:
            self.new_title, self.changed = entry.title, True
            return entry.title, entry.title
        if item_moved and not file_moved:
            self.file.append(SetTitle(entry.line, item.title))
            return item.title, item.title
        return entry.title, item.title

    def _titles_moved(self) -> tuple[bool, bool]:
        """Whether the file's and the item's titles moved since the base. Without a base, an
        entry anchored to the item was synced before (the state was lost): both count as
        moved, unless the list abbreviates the item's title; a new pair moved neither."""
        entry, item, record = self.entry, self.item, self.record
        if record is not None:
            return (
                not same_title(entry.title, record.title),
                not same_title(item.title, record.item_title),
            )
        lost = entry.anchor == item.key and not _abbreviates(entry.title, item.title)
        return lost, lost

    def url(self) -> None:
        """A link edited in the file goes to Zotero (the same link percent-encoded, as the
        file holds a link that came from Zotero, is no edit)."""
        url, record = self.entry.url, self.record
        if record is None or url is None or _same_url(url, record.url):
            return
        if not _same_url(url, self.item.url):
            self.new_url, self.changed = url, True

    def _conflict(self, name: str, mine: object, theirs: object, merged: FieldMerge[Any]) -> None:
        """Record the conflict ``merged`` is (on the field ``name``)."""
        self.conflicts.append(Conflict(self.item.key, name, mine, theirs, merged.winner))


def make_record(
    entry: Entry,
    key: str,
    title: str,
    state: str,
    flags: Mapping[str, bool],
    version: int,
    item_title: str | None = None,
) -> BaseRecord:
    """The base row of ``entry`` paired with item ``key`` once both agree on ``title`` (the
    item on ``item_title``, by default the same), the reading ``state`` and ``flags``. The row holds
    ``flags`` itself, not a copy: read-only by contract, as the row's and an entry's are."""
    return BaseRecord(
        key, ident_key(entry, title), title, entry.url, state, flags, version,
        item_title if item_title is not None else title,
    )  # fmt: skip


def ident_key(entry: Entry, title: str) -> str:
    """The entry's primary identifier once its title is ``title``: an entry identified by its
    title alone (no link) takes the identity of a title that came from Zotero."""
    primary = entry.ident.primary or ""
    if not primary.startswith("title:"):
        return primary
    normal = entry.ident.title if title == entry.title else normalize_title(title)
    return f"title:{normal}" if normal else primary


def same_title(a: str, b: str) -> bool:
    """Equal titles, or titles that normalise equal to words (two titles of punctuation
    alone, which both normalise to nothing, are the same only when equal)."""
    if a == b:
        return True
    normal = normalize_title(a)
    return bool(normal) and normal == normalize_title(b)


def _same_url(a: str, b: str | None) -> bool:
    """Whether two links are the same, percent-encoding and surrounding space aside."""
    return a == b or (b is not None and unquote(a).strip() == unquote(b).strip())


def _abbreviates(title: str, full: str) -> bool:
    """Whether ``title`` ends with an ellipsis and begins ``full``: the list abbreviates the
    title Zotero has in full (``ViLBERT: Pretraining … Representations ...``)."""
    stripped = title.rstrip()
    if not stripped.endswith(("...", "…")):
        return False
    return normalize_title(full).startswith(normalize_title(stripped.rstrip(".…")))
