"""A run's citation keys: what each item's ``citationKey`` field holds, so that the Zotero app,
Better BibTeX and the exported ``.bib`` agree.

The state keeps a :class:`~zotmark.state.model.CiteKey` per item the list gave a key. A run
(:class:`RunKeys`) gives one, by the list's formula, to every item it creates (in the create's
own data: no request more) and to every item it reads that has none; it replaces a
provisional key (made while the item had neither creators nor a date) once the item has
either, unless that key was exported. A key someone else set in ``citationKey`` (a user,
Better BibTeX: any value but the one zotmark wrote) always wins and is never overwritten;
no key zotmark gives is one another item of the list holds (case-insensitively), and its
own key that another item turns out to hold as someone else's gives way (unless exported).
Keys to write to existing items ride on the changes the run sends anyway, or go as changes
of their own, batched with the others (50 items a request).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from zotmark.bibtex.formula import DEFAULT_FORMULA, parse
from zotmark.bibtex.keys import first_free, free_to, has_metadata, native_key
from zotmark.core.port import Change, Snapshot
from zotmark.state.model import CiteKey, ListState
from zotmark.state.store import StateStore


class RunKeys:
    """The citation keys of one run of a list: ``rows`` are the state's, ``formula`` the
    list's (the default when empty), ``collection`` the key of the list's collection. What
    the run decides is held until its writes land
    (:meth:`landed`) or the run is recorded (:meth:`rest`). With ``keep`` (a runner that
    keeps its state), :meth:`rest` gives the rows :meth:`landed` gave too. ``texts`` reads
    the state's texts of the items it is given, by key."""

    def __init__(
        self,
        rows: Mapping[str, CiteKey],
        formula: str = "",
        *,
        collection: str = "",
        keep: bool = False,
        texts: Callable[[Iterable[str]], Mapping[str, str]] = lambda keys: {},
    ) -> None:
        self._formula, self._collection = parse(formula or DEFAULT_FORMULA), collection
        self._texts = texts
        self._joining: set[str] = set()
        self._rows = rows
        self._taken: dict[str, str] | None = None  # (made when first needed: most runs need none)
        self._made: dict[str, CiteKey] = {}
        self._start: dict[str, int] = {}  # (see first_free)
        self._stored: dict[str, CiteKey] | None = {} if keep else None
        self._sunk: set[str] = set()  # (see :meth:`landed`)

    def renew(self, rows: Mapping[str, CiteKey]) -> None:
        """Go on from the state's ``rows`` as they are now (an attempt of the run begun
        again: they hold the rows its landed writes stored, :meth:`landed`)."""
        self._rows = rows

    def given(self) -> None:
        """The attempt has given every key it gives (its creates' are the last): the keys
        of the list it holds to keep them distinct are let go, to be made again from the
        state's rows (:meth:`renew`, which a later attempt calls before it gives any) and
        the rows not stored yet. (Held through the file's patch and the run's record, a
        first sync's were 104 B an entry of the patch's peak at 50,000 entries, then the
        run's: 1,986 B, and 1,907 B once let go, ``benchmarks/bench_sync.py 50000
        --latency-ms 0 --memory``.) What :func:`~zotmark.bibtex.keys.first_free` knows of
        them goes too (a key replaced meanwhile may be free again)."""
        self._taken, self._start = None, {}

    def row(self, item_key: str) -> CiteKey | None:
        """The item's key as this run has it (``None`` if it has none)."""
        return self._made.get(item_key) or self._rows.get(item_key)

    def read(self, texts: Mapping[str, str]) -> None:
        """Take note of the items read this run (their JSON ``texts``, by key): those of
        the collection without a key get one, those whose provisional key can now be made
        properly get a new one, those whose field lost zotmark's key get it written again."""
        collection = self._collection
        for item_key, text in texts.items():
            if collection not in text:  # (most of a library's items are in no list's collection)
                continue
            data = json.loads(text)
            if collection in data.get("collections", ()) and not data.get("deleted"):
                self._saw(item_key, data)

    def _saw(self, item_key: str, data: Mapping[str, Any]) -> None:
        row, native = self.row(item_key), native_key(data)
        if row is not None and row.theirs:
            if native == row.key:
                return
            row = None  # (someone else's key changed or went: as an item without one)
        if native and (row is None or native != row.written):
            self._theirs(item_key, native, row)
            return
        if row is None:
            self._made[item_key] = self._give(item_key, data, written=None)
        elif row.provisional and not row.exported and has_metadata(data):
            self._made[item_key] = self._give(item_key, data, native or None)
        elif not native and row.written == row.key:  # cleared in Zotero: written again
            self._made[item_key] = row._replace(written=None)

    def _theirs(self, item_key: str, native: str, row: CiteKey | None) -> None:
        """The item holds a key someone else set: it wins, zotmark writes none; kept (on an
        item zotmark gave none) so that no key zotmark makes takes it. Another item holding
        it as zotmark's own key gives it up (:meth:`_give_way`)."""
        taken, folded = self._taken_keys(), native.casefold()
        owner = taken.get(folded, item_key)
        taken[folded] = item_key
        if owner != item_key:
            self._give_way(owner, native)
        if row is None:
            self._made[item_key] = CiteKey(native, exported=False, written=None, theirs=True)
        elif row.written != row.key:  # zotmark's own is not sent
            self._made[item_key] = row._replace(written=row.key)

    def _give_way(self, item_key: str, native: str) -> None:
        """The item's key is ``native``, which someone else set on another item: unless that
        key is someone else's too or was exported (it stays: ``export-bib`` reports the
        clash), the item gets a new key, written in place of the old."""
        row = self.row(item_key)
        if row is None or row.theirs or row.exported or row.key.casefold() != native.casefold():
            return
        text = self._texts([item_key]).get(item_key)
        if text is not None:  # (none: a create of this run, whose key went with it)
            self._made[item_key] = self._give(item_key, json.loads(text), written=row.written)

    def for_create(self, data: dict[str, Any]) -> None:
        """Put the key of the new item ``data`` (made by the formula from what ``data`` holds,
        or the one an earlier attempt gave it) into its ``citationKey`` field; a key ``data``
        already holds (an imported ``.bib`` entry's) is kept, as someone else's."""
        item_key, native = str(data["key"]), native_key(data)
        row = self.row(item_key)
        if native and (row is None or row.theirs):
            self._theirs(item_key, native, None)
            return
        if row is None:
            row = self._made[item_key] = self._give(item_key, data, written=None)
        data["citationKey"] = row.key

    def read_unread(self, snapshot: Snapshot, version: int) -> None:
        """:meth:`read` the texts the state holds of items newer than its library
        ``version``: read by a run that stopped before it was recorded (a guard, a crash),
        they are not read again by the next. (None after a recorded run: nothing is read.)"""
        newer = [key for key, item in snapshot.items.items() if item.version > version]
        if newer:
            self.read(self._texts(newer))

    def joining(self, item_keys: Iterable[str]) -> None:
        """Take note of the items the run adds to the collection (a paper of the list found
        in the library): each gets a key as an item of the collection read this run does."""
        for item_key, text in self._texts(list(item_keys)).items():
            data = json.loads(text)
            self._joining.add(item_key)
            self._saw(item_key, data)

    def writes(self, snapshot: Snapshot, held: Collection[str] = ()) -> dict[str, str]:
        """The keys to write into existing items of the collection (every row whose key is
        not what zotmark last wrote, of an item in the collection and not in the trash), but
        for the items in ``held`` (a write of them Zotero refused stands: the key goes with
        the write that settles it)."""
        collection = self._collection
        rows = {**self._rows, **self._made} if self._made else self._rows
        out = {}
        for item_key, row in rows.items():
            if row.written == row.key or row.theirs or item_key in held:
                continue
            item = snapshot.items.get(item_key)
            if item is None or (item.deleted and item_key not in self._joining):
                continue
            if collection in item.collections or item_key in self._joining:
                out[item_key] = row.key
        return out

    def landed(self, item_keys: Iterable[str]) -> dict[str, CiteKey]:
        """The rows of the items whose writes landed (their keys now in Zotero), to store;
        forgotten here. (An item told of again gives nothing: its row this run made is gone,
        and one the state held is remembered as landed. Remembering every item told of was
        53 B an entry of a first sync's peak at 10,000 entries and 42 B at 50,000, for none:
        a first sync's items have no row in the state, ``bench_sync.py --memory``.)"""
        out = {}
        for item_key in item_keys:
            if item_key in self._rows:
                self._sunk.add(item_key)
            row = self._made.pop(item_key, None) or self._rows.get(item_key)
            if row is not None and row.theirs:
                out[item_key] = row
            elif row is not None and row.written != row.key:
                out[item_key] = row._replace(written=row.key)
        if self._stored is not None:
            self._stored.update(out)
        return out

    def rest(self, landed: Iterable[str] = ()) -> dict[str, CiteKey]:
        """The rows decided but not yet stored (writes that did not land are tried again by
        the next run, :meth:`writes`), with ``keep`` those stored too. ``landed`` names the
        items whose writes landed, those Zotero answered "unchanged" too: it holds the key
        sent, but gave no text to store (:meth:`landed`). Taken for unwritten, their keys
        were sent again by every run that planned, each moving the library's version."""
        unchanged = self.landed([key for key in landed if key not in self._sunk])
        out, self._made = {**unchanged, **self._made}, {}
        return {**self._stored, **out} if self._stored else out

    def _taken_keys(self) -> dict[str, str]:
        """Every key the list holds, case-folded, with the item holding it: its key and the
        key zotmark last wrote into it, held in Zotero until the new one lands, of the
        state's rows and those this run made (made on first use: made by every run, it took
        a kept runner's box flip at 10,000 entries from 7 to 13 ms of CPU, against 9 and
        10 ms made on first use; ``benchmarks/bench_sync.py``, load ~4.5)."""
        if self._taken is None:
            self._taken = {}
            for rows in (self._rows, self._made):
                self._taken.update((r.written.casefold(), k) for k, r in rows.items() if r.written)
                self._taken.update((row.key.casefold(), k) for k, row in rows.items())
        return self._taken

    def _give(self, item_key: str, data: Mapping[str, Any], written: str | None) -> CiteKey:
        """A new key for the item: the formula's, made distinct from every key another item
        of the list holds (case-insensitively: those the item holds, such as the key it
        replaces, are free to it, and stay taken for the others) by the first free suffix
        ``a``, ``b``, … (the keys taken are not copied per key given: without the item's
        own, 10,000 provisional keys replaced in one run cost 10,000 copies of 10,000)."""
        taken = self._taken_keys()
        free = functools.partial(free_to, owner=taken, item_key=item_key)
        key = first_free(self._formula.key(data), taken, self._start, free)
        taken[key.casefold()] = item_key
        return CiteKey(key, exported=False, provisional=not has_metadata(data), written=written)


def run_keys(
    formula: str | None,
    state: ListState,
    collection: str,
    store: StateStore,
    *,
    keep: bool,
) -> RunKeys | None:
    """A run's :class:`RunKeys` for the list whose ``state`` ``store`` keeps (under its
    name), or ``None`` when the list writes no key into Zotero (``formula`` ``None``)."""
    if formula is None:
        return None
    texts = functools.partial(store.texts_of, state.name)
    return RunKeys(state.citekeys, formula, collection=collection, keep=keep, texts=texts)


def with_keys(changes: list[Change], keys: Mapping[str, str]) -> list[Change]:
    """``changes`` carrying the citation keys ``keys`` of their items, and a change of its own
    for each other item of ``keys``."""
    if not keys:
        return changes
    out = [
        change.then(Change(change.key, citation_key=keys[change.key]))
        if change.key in keys
        else change
        for change in changes
    ]
    changed = {change.key for change in changes}
    out += [Change(key, citation_key=value) for key, value in keys.items() if key not in changed]
    return out
