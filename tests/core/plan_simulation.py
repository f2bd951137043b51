"""A pure model world for the planner: applies a Plan to a list of entries and a dict of items.

The "file" is a list of :class:`Row` (a hidden, stable row id plus the :class:`Entry` the parser
would read; lines are re-assigned after inserts and removals). The "library" is a dict of
:class:`Item` by key with a library version that every write bumps. Applying a plan is strict:
an action naming a line that does not exist, or a create reusing an existing key, is an error,
because the real adapters would fail there too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from zotmark.core.actions import (
    AdoptItem,
    CreateItem,
    FileAction,
    InsertEntry,
    RemoveEntry,
    SetAnchor,
    SetBox,
    SetTitle,
    StrikeEntry,
    UpdateItem,
    ZoteroAction,
)
from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import ZoteroSnapshot


class SimulationError(AssertionError):
    """The plan cannot be carried out on the model world (a planner bug)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One entry of the model file; ``uid`` follows the entry through edits and runs."""

    uid: int
    entry: Entry


@dataclass
class World:
    """Both sides and the state of one reading list."""

    collection: str
    rows: list[Row] = field(default_factory=list)
    library: dict[str, Item] = field(default_factory=dict)
    base: dict[str, BaseRecord] = field(default_factory=dict)
    version: int = 0
    next_uid: int = 0

    # -- views -----------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """The file as the parser would give it to the planner."""
        return [row.entry for row in self.rows]

    def snapshot(self) -> ZoteroSnapshot:
        """The Zotero side as the adapter would give it to the planner."""
        members = frozenset(k for k, i in self.library.items() if self.collection in i.collections)
        return ZoteroSnapshot(dict(self.library), members)

    def live(self, key: str) -> Item | None:
        """The item if it is in the collection and not trashed."""
        item = self.library.get(key)
        if item is None or item.deleted or self.collection not in item.collections:
            return None
        return item

    def live_keys(self) -> list[str]:
        return sorted(k for k in self.library if self.live(k) is not None)

    def active_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.entry.struck and r.entry.ident.primary]

    def row(self, uid: int) -> Row | None:
        return next((r for r in self.rows if r.uid == uid), None)

    # -- user edits ------------------------------------------------------------------------

    def add_row(self, entry: Entry) -> None:
        self.rows.append(Row(self.next_uid, entry))
        self.next_uid += 1
        self._renumber()

    def replace_row(self, uid: int, entry: Entry) -> None:
        self.rows = [Row(r.uid, entry) if r.uid == uid else r for r in self.rows]
        self._renumber()

    def remove_row(self, uid: int) -> None:
        self.rows = [r for r in self.rows if r.uid != uid]
        self._renumber()

    def write_item(self, item: Item) -> None:
        """Store ``item`` with a new version (every write bumps the library version)."""
        self.version += 1
        ident = identify(item.title, item.url)
        self.library[item.key] = replace(item, version=self.version, ident=ident)

    def _renumber(self) -> None:
        self.rows = [Row(r.uid, r.entry._replace(line=n)) for n, r in enumerate(self.rows, 1)]

    # -- carrying out a plan ---------------------------------------------------------------

    def apply(self, plan: Plan, policy: Policy, failed: Collection[str] = ()) -> None:
        """Carry out ``plan``: Zotero writes, then the file patch, then record the new base.
        The writes to the items ``failed`` fail, as the runner then goes on: the rest lands,
        their creates' anchors and entries are not written, their rows are not recorded."""
        for action in plan.zotero:
            if action.key not in failed:
                self._apply_zotero(action)
        unwritten = (SetAnchor, InsertEntry)
        file = [a for a in plan.file if not (isinstance(a, unwritten) and a.key in failed)]
        self._apply_file(file, policy)
        self._record({k: r for k, r in plan.records.items() if k not in failed}, plan.forget)

    def _apply_zotero(self, action: ZoteroAction) -> None:
        if isinstance(action, CreateItem):
            if action.key in self.library:
                raise SimulationError(f"create of an existing key {action.key}")
            entry = action.entry
            new = Item(
                action.key, 0, "preprint", entry.title, entry.url, entry.ident,
                action.tags, frozenset({self.collection}),
            )  # fmt: skip
            self.write_item(new)
            return
        item = self.library.get(action.key)
        if item is None:
            raise SimulationError(f"{type(action).__name__} of a missing item {action.key}")
        if isinstance(action, AdoptItem):
            self.write_item(
                replace(item, collections=item.collections | {self.collection}, deleted=False)
            )
        elif isinstance(action, UpdateItem):
            self.write_item(_updated(item, action))
        elif action.trash:
            self.write_item(replace(item, deleted=True))
        else:
            self.write_item(replace(item, collections=item.collections - {self.collection}))

    def _apply_file(self, actions: Iterable[FileAction], policy: Policy) -> None:
        by_line = {r.entry.line: r for r in self.rows}
        removed: set[int] = set()
        for action in actions:
            if isinstance(action, InsertEntry):
                self.rows.append(Row(self.next_uid, _inserted(action, policy)))
                self.next_uid += 1
                continue
            if action.line not in by_line or action.line in removed:
                raise SimulationError(f"{action} names no entry")
            row = by_line[action.line]
            if isinstance(action, RemoveEntry):
                removed.add(action.line)
                self.rows = [r for r in self.rows if r.uid != row.uid]
                continue
            changed = Row(row.uid, _patched(row.entry, action))
            by_line[action.line] = changed
            self.rows = [changed if r.uid == row.uid else r for r in self.rows]
        self._renumber()

    def _record(self, records: Mapping[str, BaseRecord], forget: Iterable[str]) -> None:
        for key, record in records.items():
            item = self.library.get(key)
            version = item.version if item is not None else record.item_version
            self.base[key] = record._replace(item_version=version)
        for key in forget:
            self.base.pop(key, None)


def _updated(item: Item, action: UpdateItem) -> Item:
    return replace(
        item,
        tags=(item.tags | action.add_tags) - action.remove_tags,
        title=action.title if action.title is not None else item.title,
        url=action.url if action.url is not None else item.url,
    )


def _inserted(action: InsertEntry, policy: Policy) -> Entry:
    return Entry(
        0,
        action.title,
        action.url,
        identify(action.title, action.url),
        action.state,
        dict(action.flags),
        (action.heading,) if action.heading else (),
        action.key if policy.anchors else None,
    )


def _patched(entry: Entry, action: FileAction) -> Entry:
    if isinstance(action, SetBox):
        if action.flag is None:  # (as the patch writes it: a box saying ``X`` stays ``X``)
            same = action.marker == "x" and entry.state == "X"
            return entry if same else entry._replace(state=action.marker)
        if action.flag not in entry.flags:
            raise SimulationError(f"{action}: the entry has no such flag box")
        return entry._replace(flags={**entry.flags, action.flag: action.marker != " "})
    if isinstance(action, SetAnchor):
        return entry._replace(anchor=action.key)
    if isinstance(action, SetTitle):
        return entry._replace(title=action.title, ident=identify(action.title, entry.url))
    if isinstance(action, StrikeEntry):
        return entry._replace(struck=True)
    raise SimulationError(f"unexpected file action {action}")
