"""Pairing: which Zotero item each reading-list entry stands for.

Pure. An entry is paired, in this order, by its anchor, by the base row recorded for its
identifier, by an item with the same identifier and title (in the collection, then anywhere in
the library: a paper already in the library is adopted, never duplicated), then by an item with
the same identifier alone (collection, then library). Where one identifier is shared by entries
with different titles (two papers behind one arXiv link), a match on the identifier alone is
not enough: the title must agree too. Nor is a base row of another title taken when the
collection holds an item (out of the trash) of the entry's identifier and title that no base
row records, one back in the collection or added there: the entry names that item's paper,
not the row's (two papers behind one link, the row's own entry gone). Each item pairs with
one entry at most.

An entry that repeats the paper (:func:`~zotmark.core.creates.paper`, as written) of an entry
paired already takes no item that pairing it would bring into the collection (from outside
it, or from the trash): whether it repeats a paper is judged by the planner, on the titles the
run leaves, and pairing defers it (:attr:`Pairing.deferred`) with the item it found: the
planner pairs it with that item when it repeats nothing, and leaves it out otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from zotmark.core.creates import Paper, paper
from zotmark.core.identifiers import normalize_title
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry, Ident
from zotmark.core.states import known

C = TypeVar("C")


class IdentIndex:
    """Items by every match key of their identifiers (arXiv id, DOI, URL, title)."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._by_key: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            for key in item.ident.match_keys():
                self._by_key[key].append(item)

    def lookup(self, ident: Ident) -> list[Item]:
        """The items sharing the strongest identifier of ``ident`` that any item has.

        A URL or title match does not count when the two carry different arXiv ids, DOIs or
        OpenReview ids: same title, different paper.
        """
        for key in ident.match_keys():
            found = self._by_key.get(key, [])
            if not key.startswith(STRONG_PREFIXES):
                found = [item for item in found if not _contradicts(ident, item.ident)]
            if found:
                return sorted(found, key=lambda item: item.key)
        return []


STRONG_PREFIXES = ("arxiv:", "doi:", "openreview:")


def _contradicts(a: Ident, b: Ident) -> bool:
    """Whether two idents carry different values for the same strong identifier."""
    return any(
        x is not None and y is not None and x != y
        for x, y in ((a.arxiv, b.arxiv), (a.doi, b.doi), (a.openreview, b.openreview))
    )


@dataclass(slots=True)
class Pairing:
    """The result: entry (by its index in the list) → item key, and what could not be paired.

    Only active entries (not struck, with an identifier: :func:`is_active`) take part; there
    are ``active`` of them. ``new`` are indices of entries that need a new item.
    ``duplicates`` maps the index of an entry that repeats another entry's anchor to that
    entry's index. ``claimed`` maps each item key paired to its entry's index (the inverse of
    ``paired``, kept with it by :meth:`pair`, so that lookups stay O(1) on long lists).
    ``by_identifiers`` is true when some entry was paired otherwise than by its anchor (by a
    base row or an item of its identifier). ``deferred`` maps the index of a new entry that
    repeats a paired entry's paper as written to the item, out of the collection or in the
    trash, it would pair with (see module doc): the planner pairs them unless the entry
    repeats a paper once the run has written its titles.
    """

    paired: dict[int, str] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    duplicates: dict[int, int] = field(default_factory=dict)
    claimed: dict[str, int] = field(default_factory=dict)
    active: int = 0
    by_identifiers: bool = False
    deferred: dict[int, str] = field(default_factory=dict)

    @property
    def by_anchors(self) -> bool:
        """Whether every active entry was paired, or found a duplicate, by its anchor alone:
        such a pairing stands as long as the entries' anchors do and each anchor still names
        a base row or an item (what ``core.replan`` relies on)."""
        return not self.new and not self.by_identifiers

    def pair(self, index: int, key: str) -> None:
        """Pair entry ``index`` with item ``key``."""
        self.paired[index] = key
        self.claimed[key] = index

    def with_anchored(self, anchored: Mapping[int, str]) -> Pairing:
        """This pairing once the new entries ``anchored`` (by index) hold the anchors of
        their items (a new pairing; the others as they were)."""
        made = Pairing(
            dict(self.paired), [i for i in self.new if i not in anchored],
            dict(self.duplicates), dict(self.claimed), self.active, self.by_identifiers,
            {i: key for i, key in self.deferred.items() if i not in anchored},
        )  # fmt: skip
        for index, key in anchored.items():
            made.pair(index, key)
        return made


def is_active(entry: Entry) -> bool:
    """Whether the entry takes part in the sync: not struck through, and with an identifier
    (some field of its ident known: it then has a :attr:`~zotmark.core.model.Ident.primary`)."""
    return not entry.struck and any(entry.ident)


def ambiguous_idents(entries: Sequence[Entry]) -> set[str]:
    """Primary identifiers that the list's active entries use for more than one entry: under
    two or more different titles (two papers behind one link), or twice for one paper (a
    repeat, which must not take another item of the identifier)."""
    uses: dict[str, int] = defaultdict(int)
    for entry in entries:
        if not entry.struck and (primary := entry.ident.primary):
            uses[primary] += 1
    return {key for key, count in uses.items() if count > 1}


def pair_entries(
    entries: Sequence[Entry],
    base: Mapping[str, BaseRecord],
    collection: Collection[str],
    library: Mapping[str, Item],
) -> Pairing:
    """Pair every active entry with an item key, or mark it new or a duplicate (see module
    doc). ``collection`` holds the keys of the library's items in the list's collection."""
    result = Pairing()
    rest = _pair_by_anchor(entries, base, library, result)
    unpaired = len(rest)
    if not rest or not (base or library):  # every entry anchored (most runs), or nothing to
        result.new.extend(rest)  # pair the others with (a first sync): no identifier compared
        return result
    ambiguous = ambiguous_idents(entries)
    items = _Items(collection, library)
    rest = _pair_by_base(entries, rest, base, ambiguous, result, items)
    if rest:  # (a first sync into an empty library looks nothing up)
        listed = {paper(entries[index]) for index in result.paired}
        for exact in (True, False):
            for index in (items.in_collection, items.in_library):
                rest = _pair_by_index(entries, rest, index, ambiguous, result, items, exact, listed)
    result.new.extend(sorted([*rest, *result.deferred]))
    result.by_identifiers = len(result.new) < unpaired
    return result


class _Items:
    """The items an entry may pair with by its identifier, in the collection and in the whole
    library: each index is built the first time an entry is looked up in it, so a run whose
    entries all pair by their base rows builds none."""

    def __init__(self, collection: Collection[str], library: Mapping[str, Item]) -> None:
        self._collection = collection
        self._library = library

    @cached_property
    def in_collection(self) -> IdentIndex:
        return IdentIndex(self._library[key] for key in self._collection if key in self._library)

    @cached_property
    def in_library(self) -> IdentIndex:
        return IdentIndex(self._library.values())

    def brought_in(self, item: Item) -> bool:
        """Whether pairing an entry with ``item`` brings it into the collection: it is out of
        the collection, or in the trash."""
        return item.deleted or item.key not in self._collection


def _pair_by_anchor(
    entries: Sequence[Entry],
    base: Mapping[str, BaseRecord],
    library: Mapping[str, Item],
    result: Pairing,
) -> list[int]:
    """Pair the active entries whose anchors name a base row or an item; the indices of the
    other active entries."""
    rest: list[int] = []
    for index, entry in enumerate(entries):
        if not is_active(entry):
            continue
        result.active += 1
        anchor = entry.anchor
        if anchor is None or (anchor not in base and anchor not in library):
            rest.append(index)
        elif anchor in result.claimed:
            result.duplicates[index] = result.claimed[anchor]
        else:
            result.pair(index, anchor)
    return rest


def _pair_by_base(
    entries: Sequence[Entry],
    indices: list[int],
    base: Mapping[str, BaseRecord],
    ambiguous: set[str],
    result: Pairing,
    items: _Items,
) -> list[int]:
    """Pair by the base row of the entry's identifier. Rows that state the entry exactly (its
    title as written, and its boxes) are taken first, so look-alike entries without anchors
    keep their own items from run to run instead of swapping them. A row of another title is
    left when the collection holds an unrecorded item of the entry's paper
    (:func:`_names_unrecorded`): the item passes pair the entry with it."""
    if not base:  # (a first sync: nothing to look up)
        return list(indices)
    by_ident: dict[str, list[BaseRecord]] = defaultdict(list)
    for record in sorted(base.values(), key=lambda r: r.item_key):
        by_ident[record.ident_key].append(record)
    rest: list[int] = []
    for exact in (True, False):
        rest = []
        for index in indices:
            entry = entries[index]
            candidates = [
                r
                for r in by_ident.get(entry.ident.primary or "", [])
                if r.item_key not in result.claimed and (not exact or _states(r, entry))
            ]
            chosen = choose(entry, candidates, ambiguous, _base_title)
            if chosen is None or (
                not exact  # (a row stating the entry exactly has its title)
                and _base_title(chosen) != entry.ident.title
                and _names_unrecorded(entry, items.in_collection, base, result)
            ):
                rest.append(index)
            else:
                result.pair(index, chosen.item_key)
        indices = rest
    return rest


def _names_unrecorded(
    entry: Entry, in_collection: IdentIndex, base: Mapping[str, BaseRecord], result: Pairing
) -> bool:
    """Whether the collection holds an item of the entry's identifier and title, out of the
    trash, that no base row records and no entry holds yet."""
    return any(
        item.key not in base and item.key not in result.claimed and not item.deleted
        and item.ident.title == entry.ident.title
        for item in in_collection.lookup(entry.ident)
    )  # fmt: skip


def _states(record: BaseRecord, entry: Entry) -> bool:
    """Whether the base row states the entry exactly: its title as written and its boxes (a
    box zotmark does not know contradicts no state: the row keeps its own)."""
    same_state = known(entry.state) in (None, record.state)
    return same_state and dict(record.flags) == dict(entry.flags) and record.title == entry.title


def _pair_by_index(
    entries: Sequence[Entry],
    indices: list[int],
    index: IdentIndex,
    ambiguous: set[str],
    result: Pairing,
    items: _Items,
    exact: bool,
    listed: set[Paper],
) -> list[int]:
    """Pair by the items sharing the entry's strongest identifier; with ``exact`` only an
    item whose title agrees too (so a paper's own item, even outside the collection, wins
    over a collection item that merely shares its arXiv id). ``listed`` holds the papers (as
    :func:`~zotmark.core.creates.paper`) that paired entries state; an entry repeating one of
    them is deferred (see module doc) when its item is one pairing would bring into the
    collection: the same paper listed twice is one item, and bringing another item of it in
    for the repeat would make two (a later run then notes the repeat only while that item is
    out of reach)."""
    rest: list[int] = []
    for position in indices:
        entry = entries[position]
        candidates = [
            i
            for i in index.lookup(entry.ident)
            if i.key not in result.claimed and (not exact or i.ident.title == entry.ident.title)
        ]
        chosen = choose(entry, candidates, ambiguous, lambda i: i.ident.title)
        if chosen is None:
            rest.append(position)
        elif paper(entry) in listed and items.brought_in(chosen):
            result.deferred[position] = chosen.key
        else:
            result.pair(position, chosen.key)
            listed.add(paper(entry))
    return rest


def _base_title(record: BaseRecord) -> str:
    return normalize_title(record.title)


def choose(
    entry: Entry,
    candidates: list[C],
    ambiguous: Collection[str],
    title_of: Callable[[C], str],
) -> C | None:
    """The candidate whose normalised title equals the entry's, else the first one — unless the
    entry's identifier is among ``ambiguous`` (shared by differently titled entries, or rows:
    two papers behind one link), where the title must agree."""
    if not candidates:
        return None
    for candidate in candidates:
        if title_of(candidate) == entry.ident.title:
            return candidate
    if entry.ident.primary in ambiguous:
        return None
    return candidates[0]
