"""Twins: items of one paper that two clients each made, having seen none.

Pure. A lab shares one collection: one member's zotmark creates an item for a paper the list
gained while another member's Zotero app (offline, or the Connector) makes one too, and the
collection holds two items of the paper. (Two zotmark clients cannot make twins this way: each
write is conditional on the library version the client read, so the later one re-reads and
pairs with the item the earlier one made.)

Every client decides the same from Zotero's data alone: of the live items of a paper in the
collection, the one added first (the smallest ``(dateAdded, key)``: :func:`added_order`)
survives; each later one is a *twin* of it, and so is an item of the paper that sits in the
trash and was added after it (a twin another client already merged). A live twin has the
survivor's strongest identifier (:attr:`~zotmark.core.model.Ident.primary`) and its normalised
title: one arXiv id under two titles may be two papers behind one link, as a list may hold
them (:mod:`zotmark.core.pairing`), and a live item is never trashed for another paper. A
twin in the trash needs the identifier only (the survivor may have been retitled since the
merge), as pairing does, unless the list holds the identifier under two titles, or its base
rows do (:func:`titled_apart`: two papers behind one link, one of them since removed from
the list): its entry then moves to the survivor rather than being struck.

The planner never lists a twin: a twin no entry holds goes to the trash; an entry holding one
moves to its survivor (:func:`merge_moved`: merged with the twin against their row, then
carried onto the survivor, so no edit made to the line or to the twin since is lost), its line
anchored to it and its row moved to it, while the twin goes to the trash (unless there
already: another client merged it). An entry whose survivor another entry of its list holds
is left out of the sync, with a note, until the user deletes one of the two lines: its pair
stands as it is (its anchor, its base row, its twin where it is), so every run finds it
held again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zotmark.core.actions import FileAction
from zotmark.core.identifiers import identify, normalize_title
from zotmark.core.item import Item
from zotmark.core.merge import PairMerge, merge_pair
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import Policy
from zotmark.core.states import item_state, known

__all__ = [
    "NO_TWINS",
    "Twins",
    "added_order",
    "find_twins",
    "held_note",
    "merge_moved",
    "titled_apart",
    "twins_in_play",
]


def titled_apart(records: Iterable[BaseRecord]) -> set[str]:
    """The primary identifiers that base rows hold under two or more titles: the list synced
    two papers behind one link, so an item of one of them in the trash is no twin of the
    other's item (an entry of it that was since removed from the list still says so)."""
    titles: dict[str, set[str]] = {}
    for record in records:
        titles.setdefault(record.ident_key, set()).add(normalize_title(record.title))
    return {ident for ident, seen in titles.items() if len(seen) > 1}


def added_order(item: Item) -> tuple[int, str]:
    """The order of an item among its twins: when it was added, then its key (ties broken
    the same by every client)."""
    return item.added, item.key


@dataclass(frozen=True, slots=True)
class Twins:
    """The twins of a collection: ``survivor`` maps each twin's key to the key of the item it
    merges into (live, in the collection); ``groups`` maps the key of every item of a paper
    that has twins to the keys of all that paper's items (survivor, twins, and items of it
    trashed before the survivor was added)."""

    survivor: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def related(self, keys: Collection[str]) -> set[str]:
        """The keys of every item of a paper with twins that one of ``keys`` is an item of:
        a pair is not settled while another item of its paper moved."""
        found: set[str] = set()
        for key in keys:
            found |= self.groups.get(key, frozenset())
        return found


NO_TWINS = Twins()


def twins_in_play(
    library: Mapping[str, Item],
    collection: Collection[str],
    claimed: Mapping[str, int],
    ambiguous: Callable[[], Collection[str]],
    title_of: Callable[[str], str],
) -> Twins:
    """The twins a plan can act on (:func:`find_twins`; ``claimed`` maps the item keys the
    list's entries hold to their entries, ``title_of`` gives the normalised title of the entry
    holding a claimed key), looked for only when a live item of the collection
    is held by no entry or an entry holds an item that is not live: only then can a twin
    change anything (an entry moves to an item no entry holds, or to one another entry holds
    once its own was merged into it), and a synced list has neither (looking cost a plan of
    10,000 synced entries 10.4 ms CPU, ~25 %). Two live items of a paper that two entries
    hold are left alone: the list's own repeat (a retitle made them alike); so is a live item
    an entry holds whose survivor an entry holding a twin in the trash moves to (that entry
    takes the survivor, whichever of the two lines comes first). A twin in the trash is no
    twin of a survivor whose entry gives it a title other than the twin's: the list's two
    papers behind one link, the survivor's line retitling it (held, the entry would be a twin
    only until the run pushed that title, and then an item of its own paper in the trash). A
    twin retitled to the survivor's title before it went to the trash stays one (another
    member's zotmark merged it), whatever its own entry's title."""
    held_gone = any(
        key not in collection or key not in library or library[key].deleted for key in claimed
    )
    unheld = (library.get(key) for key in collection if key not in claimed)
    if not held_gone and not any(item is not None and not item.deleted for item in unheld):
        return NO_TWINS
    found = find_twins(library, collection, ambiguous)
    moving = {to for key, to in found.survivor.items() if key in claimed and library[key].deleted}
    survivor = {
        key: to
        for key, to in found.survivor.items()
        if key not in claimed
        or (to not in claimed and (library[key].deleted or to not in moving))
        or (library[key].deleted and library[key].ident.title == title_of(to))
    }  # (a live twin and its survivor both held: the list's own repeat, whenever looked for)
    return found if len(survivor) == len(found.survivor) else Twins(survivor, found.groups)


def find_twins(
    library: Mapping[str, Item],
    collection: Collection[str],
    ambiguous: Callable[[], Collection[str]],
) -> Twins:
    """The twins among the items of ``collection`` (keys of ``library``, trashed items
    included). ``ambiguous`` gives the identifiers the list uses for differently titled
    entries (asked only when two items share an identifier: rarely)."""
    by_primary: dict[str, list[Item]] = {}
    shared: list[list[Item]] = []
    for key in collection:
        item = library.get(key)
        primary = item.ident.primary if item is not None else None
        if item is None or primary is None:
            continue
        items = by_primary.setdefault(primary, [])
        items.append(item)
        if len(items) == 2:
            shared.append(items)
    if not shared:
        return NO_TWINS
    titled = set(ambiguous())
    survivor: dict[str, str] = {}
    groups: dict[str, frozenset[str]] = {}
    for items in shared:
        found = _twins_of_one_identifier(items, (items[0].ident.primary or "") in titled)
        if found:
            keys = frozenset(item.key for item in items)
            groups.update(dict.fromkeys(keys, keys))
            survivor.update(found)
    return Twins(survivor, groups)


def _twins_of_one_identifier(items: list[Item], titled: bool) -> dict[str, str]:
    """The twins among items of one identifier, each mapped to its survivor: a live item
    added after a live one of the same title; a trashed one added after the first live one
    (of the same title when ``titled``)."""
    first: dict[str, Item] = {}  # the first live item of each title
    for item in sorted((item for item in items if not item.deleted), key=added_order):
        first.setdefault(item.ident.title, item)
    if not first:
        return {}
    earliest = min(first.values(), key=added_order)
    found: dict[str, str] = {}
    for item in items:
        same = first.get(item.ident.title)
        to = same if not item.deleted or titled else earliest
        if to is not None and added_order(item) > added_order(to):
            found[item.key] = to.key
    return found


def merge_moved(
    entry: Entry,
    twin: Item | None,
    survivor: Item,
    record: BaseRecord | None,
    own: BaseRecord | None,
    policy: Policy,
) -> PairMerge:
    """The merge of ``entry``, which holds ``twin``, with ``survivor``. With a base row
    ``record`` of the entry and its twin, the entry merges with its twin against it first (the
    normal pair merge: an edit made on either side since the last run wins over the other's
    unchanged value, and only a field both changed apart is a conflict, settled by the
    policy); the result is then carried onto the survivor. Without a row of its own (``own``:
    the survivor's line was removed from the list since) the survivor's values are no edit
    the list saw (another client's item of the paper): the merged boxes, a title either side
    retitled since the row, and a link edited in the file go to it. With one, the survivor's
    edits since its own row are edits, weighed against the line's as in any merge (an edit in
    Zotero wins over a delete in the file, DESIGN §4): they reach the line. Without a row
    ``record`` the entry merges with the survivor as a new pair. The twin is never written
    (it goes to the trash)."""
    if record is None or twin is None:
        return merge_pair(entry, survivor, None, policy)
    first = merge_pair(entry, twin, record, policy)
    row = first.record
    state = entry.state if known(entry.state) is None else row.state
    ident = entry.ident if row.title == entry.title else identify(row.title, entry.url)
    flags = {**entry.flags, **row.flags}
    moved = entry._replace(state=state, flags=flags, title=row.title, ident=ident)
    # with the row's file title and link (only the line moved since), and the survivor as it
    # was at its own row, or as it is
    found = row._replace(
        item_key=survivor.key, title=record.title, url=record.url,
        item_version=survivor.version, item_title=survivor.title,
        state=item_state(survivor, policy) or row.state,
        flags={tag: tag in survivor.tags for tag in row.flags},
    )  # fmt: skip
    if own is not None:
        known_flags = {tag: own.flags.get(tag, on) for tag, on in found.flags.items()}
        found = found._replace(state=own.state, flags=known_flags, item_title=own.item_title)
    then = merge_pair(moved, survivor, found, policy)
    return then._replace(
        file=_then(first.file, then.file), conflicts=first.conflicts + then.conflicts
    )


def _then(first: Sequence[FileAction], then: Sequence[FileAction]) -> tuple[FileAction, ...]:
    """The file actions of two merges of one line, the second made on the first's result:
    the first's that the second does not set again, then the second's."""
    later = {_field(action) for action in then}
    return (*(a for a in first if _field(a) not in later), *then)


def _field(action: FileAction) -> tuple[str, str | None]:
    """The field of a line a file action sets: its kind, and a box's flag."""
    return type(action).__name__, getattr(action, "flag", None)


def held_note(line: int, survivor: str) -> str:
    """Why the entry on ``line``, holding a twin of ``survivor``, is left out of the sync:
    another line holds ``survivor``."""
    return (
        f"line {line} holds a twin of the item another line holds ({survivor}): "
        "left out of the sync (delete one of the two lines)"
    )
