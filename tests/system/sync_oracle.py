"""The oracle of the sync state machine: what one successful run must bring about.

From the state both sides last agreed on and the two sides before the run, :func:`forecast`
says, paper by paper, what DESIGN §4 makes of them: each field edited on one side reaches the
other; an edit wins over a delete; both-sided edits follow the conflict policy; with no base
(a new pair, or zotmark's state lost) differing values follow the policy and titles stay put.
:class:`Oracle` keeps the forecast of the next successful run, folds in edits made while a run
was in flight, and checks the result; the ``check_*`` functions are the invariants.

A paper whose forecast gives its item a title Zotero refuses (over the field limit) is
refused: the run reports it, with the entry's line and title, and syncs nothing of it to
Zotero (its create or its whole update is refused); the file still takes what Zotero's side
brought, and the paper's agreed state stays what it was (zotmark keeps its base row). A create
refused is retried under the same item key once the entry changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import event
from tests.system.sync_world import BY_PID, TITLE_WORDS, Held, ListText, Row, oversized, words

from zotmark.core.identifiers import normalize_title
from zotmark.core.model import Refusal

Conflict = Literal["markdown-wins", "zotero-wins"]


@dataclass(frozen=True)
class Agreed:
    """A paper as both sides showed it after the last checked run (titles normalised)."""

    key: str
    file_title: str
    item_title: str
    read: str  # the reading state
    relevant: bool | None  # None: the entry has no Relevant? box


@dataclass
class Expect:
    """What a paper must look like after the next successful run. ``present``: an active
    entry paired with a live item (``False``: neither). Values left ``None`` are free.
    ``moved`` are the fields each side changed since the last agreement; ``based`` says
    whether the pair merges against an agreed state (``None``: not a pair of two sides).
    A pair keeps what it was merged from: the agreed ``base`` and Zotero's values."""

    present: bool
    why: str
    read: str | None = None  # the reading state
    relevant: bool | None = None
    titles: tuple[str | None, str | None] = (None, None)
    trashed: bool = False
    moved: dict[str, set[str]] = field(default_factory=lambda: {"file": set(), "zotero": set()})
    based: bool | None = None
    fragile: bool = False  # stands on an edit winning over a delete: undoing it changes all
    base: dict[str, Any] = field(default_factory=dict)  # read, relevant, titles: agreed
    theirs: dict[str, Any] = field(default_factory=dict)  # read, relevant, title, live: Zotero's
    created: bool = False  # the run creates the paper's item (no item of it anywhere)
    anchor: str | None = None  # the entry's anchor before the run (of a created paper)
    anchored: bool = False  # a pair whose entry is anchored to its item


_MISSING = object()


def merge(base: object, mine: str, theirs: str, conflict: Conflict) -> str:
    """The three-way merge of the reading state (``_MISSING`` base: the state was lost or is
    new)."""
    if mine == theirs:
        return mine
    if base is not _MISSING:
        if mine == base:
            return theirs
        if theirs == base:
            return mine
    return mine if conflict == "markdown-wins" else theirs


def merge_titles(
    base: tuple[str, str] | None, mine: str, theirs: str, conflict: Conflict, anchored: bool
) -> tuple[str, str]:
    """(file title, item title) after a run: a title moves only when one side retitled. With
    no base, a pair synced before (the entry is anchored to the item: the state was lost)
    whose titles differ follows the policy; a new pair keeps both."""
    if base is None:
        file_moved = item_moved = anchored
    else:
        file_moved, item_moved = mine != base[0], theirs != base[1]
    if file_moved and item_moved and mine != theirs:
        winner = mine if conflict == "markdown-wins" else theirs
        return winner, winner
    if file_moved and not item_moved:
        return mine, mine
    if item_moved and not file_moved:
        return theirs, theirs
    return mine, theirs


def forecast(
    agreed: Agreed | None,
    row: Row | None,
    item: Held | None,
    conflict: Conflict,
    trash: bool,
) -> Expect:
    """What DESIGN §4 says the next run does with one paper, given the agreed state
    (``None`` when the paper is new, or zotmark's state was lost) and both sides now."""
    if agreed is not None and item is not None and item.key != agreed.key:
        return _replaced(agreed, row, item)
    if agreed is None:
        if row is not None:
            if item is None:
                titles = (row.norm_title, row.norm_title)
                why = "new entry: created"
                expect = Expect(True, why, row.read, row.relevant, titles, created=True)
                expect.anchor = row.key  # (an anchor to an item gone, after the state was lost)
                return expect
            return _pair(None, row, item, conflict, "new entry: paired or adopted")
        if item is not None and item.live:
            # the new entry follows the list's style: it has a Relevant? box only if others do
            return Expect(True, "new item: listed", item.read, None, (item.norm_title,) * 2)
        return Expect(False, "on neither side")
    if row is not None:
        edited = _row_moved(agreed, row)
        if item is not None and item.live:
            return _pair(agreed, row, item, conflict, "synced pair")
        if not edited:
            return Expect(False, "deleted in Zotero: struck")
        if item is not None:
            expect = _pair(agreed, row, item, conflict, "edit wins over delete: adopted")
        else:
            titles = (row.norm_title, row.norm_title)
            why = "edit wins over delete: re-created"
            expect = Expect(True, why, row.read, row.relevant, titles, created=True)
            expect.anchor = row.key
        expect.fragile = True
        return expect
    if item is not None and item.live:
        if _item_moved(agreed, item):
            titles = (item.norm_title, item.norm_title)
            why = "edit wins over delete: listed again"
            return Expect(True, why, item.read, None, titles, fragile=True)
        return Expect(False, "removed from the file: leaves the collection", trashed=trash)
    return Expect(False, "deleted on both sides")


def _replaced(agreed: Agreed, row: Row | None, item: Held) -> Expect:
    """The user deleted the agreed item for good and made another one for the paper."""
    if row is not None and _row_moved(agreed, row):
        return Expect(True, "edited entry of a replaced item", fragile=True)  # values free
    if item.live:
        titles = (item.norm_title, item.norm_title)
        return Expect(True, "replaced item: listed", item.read, None, titles)
    return Expect(False, "replaced item outside the collection")


def _pair(agreed: Agreed | None, row: Row, item: Held, conflict: Conflict, why: str) -> Expect:
    base_read: object = agreed.read if agreed else _MISSING
    expect = Expect(True, why, merge(base_read, row.read, item.read, conflict))
    expect.based = agreed is not None
    if row.relevant is not None:
        base: object = _MISSING if agreed is None or agreed.relevant is None else agreed.relevant
        expect.relevant = merge(base, row.relevant, item.relevant, conflict)
    titles = (agreed.file_title, agreed.item_title) if agreed else None
    expect.anchored = anchored = row.key == item.key
    expect.titles = merge_titles(titles, row.norm_title, item.norm_title, conflict, anchored)
    expect.theirs = {
        "read": item.read,
        "relevant": item.relevant,
        "title": item.norm_title,
        "live": item.live,
    }
    if agreed is not None:
        expect.base = {"read": agreed.read, "relevant": agreed.relevant, "titles": titles}
        expect.moved["file"] = _moved(agreed, row.read, row.relevant, row.norm_title, True)
        rel = item.relevant if agreed.relevant is not None else None
        expect.moved["zotero"] = _moved(agreed, item.read, rel, item.norm_title, False)
    return expect


def _moved(agreed: Agreed, read: str, relevant: bool | None, title: str, file: bool) -> set[str]:
    """The fields one side changed since the agreement (a box with no agreed value, or none
    at all, has not moved: there is nothing to move from)."""
    moved = set()
    if read != agreed.read:
        moved.add("read")
    if None not in (relevant, agreed.relevant) and relevant != agreed.relevant:
        moved.add("relevant")
    if title != (agreed.file_title if file else agreed.item_title):
        moved.add("title")
    return moved


def _row_moved(agreed: Agreed, row: Row) -> bool:
    return bool(_moved(agreed, row.read, row.relevant, row.norm_title, True))


def _item_moved(agreed: Agreed, item: Held) -> bool:
    relevant = item.relevant if agreed.relevant is not None else None
    return bool(_moved(agreed, item.read, relevant, item.norm_title, False))


# --- the oracle across runs ---------------------------------------------------------------


@dataclass
class Meddle:
    """An edit made while a run is in flight: on ``side``, of ``field`` of paper ``pid``."""

    side: str
    pid: str
    field: str
    value: Any
    apply: Callable[[], None]
    done: bool = False


class Oracle:
    """The forecast of the next successful run and what may no longer be foreseen.

    ``weak`` papers are checked only for agreement: edited mid-run where the outcome depends
    on timing. After a run that died, the next is foreseen afresh from what it left.
    """

    def __init__(self, conflict: Conflict, trash: bool) -> None:
        self.conflict, self.trash = conflict, trash
        self.agreed: dict[str, Agreed] = {}
        self.expect: dict[str, Expect] | None = None
        self.weak: set[str] = set()
        self.dirty = False  # a run died since the last success: it may have written half
        self.state_lost = False
        self.refused_creates: dict[str, str] = {}  # paper → the key its refused create keeps
        self.unknown: set[str] = set()  # refused pairs whose base zotmark keeps is not known

    def foresee(self, rows: dict[str, Row], held: dict[str, Held]) -> None:
        """Forecast the next successful run from both sides as they are now (unless a run
        since the last success already did)."""
        if self.expect is not None:
            return
        self.expect = {
            pid: forecast(
                None if self.state_lost else self.agreed.get(pid),
                rows.get(pid),
                held.get(pid),
                self.conflict,
                self.trash,
            )
            for pid in BY_PID
        }
        if self.state_lost:
            event("run after state loss")
        if self.unknown:
            event("a refused pair of a base not foreseen: checked for agreement only")
            self.weak |= self.unknown

    def forget(self, *, state_lost: bool = False) -> None:
        """The next run is foreseen afresh (the state was lost, or nothing was written)."""
        self.expect = None
        self.weak.clear()
        self.state_lost = self.state_lost or state_lost
        if state_lost:  # the pending creates and the base rows went with the state
            self.refused_creates.clear()
            self.unknown.clear()

    def touched(self, pid: str) -> None:
        """The user edited a paper. After a killed run the next run is foreseen afresh, from
        the agreed state and the sides as they will be then, as zotmark judges them: what the
        killed run wrote counts as edits too (DESIGN §4 promises convergence for a kill
        followed by one more run, not the user's intent for edits made in between)."""
        if self.expect is not None:
            self.forget()
            event("edit after a killed or failed run")

    def agree(
        self, rows: dict[str, Row], held: dict[str, Held], refused: dict[str, Refusal]
    ) -> None:
        """A checked success: both sides as they are now are the new agreed state, except for
        refused papers: what was agreed of them stands (zotmark keeps their base rows). A
        refused pair agreed on nothing before may still have a base row, recorded by a run
        that was not checked (the first of two when the file was saved mid-run): its next run
        is checked for agreement only."""
        agreed = {
            pid: Agreed(held[pid].key, row.norm_title, held[pid].norm_title, row.read, row.relevant)
            for pid, row in rows.items()
            if pid not in refused
        }
        self.unknown -= set(agreed)
        for pid, refusal in refused.items():
            before = self.agreed.get(pid)
            if before is not None and not self.state_lost and before.key == refusal.item_key:
                agreed[pid] = before
            elif pid in held and held[pid].key == refusal.item_key:  # a refused update
                self.unknown.add(pid)
        self.agreed = agreed
        self.expect, self.state_lost, self.dirty = None, False, False
        self.weak.clear()

    def refusals_stand(self, refused: dict[str, Refusal], library: set[str]) -> None:
        """A run committed: the refused creates (their keys are in no item of ``library``)
        keep their keys for the next run that creates their papers."""
        self.refused_creates = {
            pid: r.item_key for pid, r in refused.items() if r.item_key not in library
        }

    def refusal(self, pid: str) -> str | None:
        """What the forecast says Zotero refuses of a paper: its ``"create"`` or its
        ``"update"`` (an item title over the limit), ``"maybe"`` (the outcome is free), or
        nothing."""
        assert self.expect is not None
        expect = self.expect[pid]
        if pid in self.weak:
            return "maybe"
        if not expect.present:
            return None
        item_title = expect.titles[1]
        if item_title is None:
            return "maybe"
        if not oversized(item_title):
            return None
        return "update" if expect.theirs else "create"

    def fold(self, meddle: Meddle) -> bool:
        """Fold an edit made during a successful run into the forecast; whether the edit
        must survive as made (it loses only to a conflicting edit the policy prefers)."""
        assert self.expect is not None
        pid, name, value = meddle.pid, meddle.field, meddle.value
        if pid in self.weak or value is None:  # None: no edit at all (see Sides)
            return False
        if name == "add":
            read, relevant = value
            title = normalize_title(BY_PID[pid].title)
            self.expect[pid] = Expect(True, "added mid-run", read, relevant, (title, title))
            return True
        expect = self.expect[pid]
        if expect.fragile:  # the edit may undo the edit that won over a delete
            self.weak.add(pid)
            return False
        if meddle.side == "file":
            return self._file_edit(pid, expect, name, value)
        self._zotero_edit(pid, expect, name, value)
        return False

    def _file_edit(self, pid: str, expect: Expect, name: str, value: Any) -> bool:
        """An edit of the file lands before the run reads it (or makes the run read it
        again): it merges with Zotero's side; or, when the run writes nothing to the file, the
        next run finds it changed from the base this one recorded: it wins. Where the two
        differ, the outcome is free."""
        assert self.expect is not None
        if not expect.present:  # an unedited entry whose item left: now the edit wins
            self.expect[pid] = Expect(True, "edited mid-run: the edit wins over the delete")
            return self.conflict == "markdown-wins"
        if expect.based is None:  # a new entry: its item is made from what the file says
            expect.titles = (value, value) if name == "title" else expect.titles
        elif name == "title":
            base_titles, theirs = expect.base.get("titles"), expect.theirs["title"]
            # (anchored or not: both outcomes keep the file's new title or are free)
            titles = merge_titles(base_titles, value, theirs, self.conflict, anchored=True)
            if titles[0] != value or (expect.based and titles[1] != value):
                self.weak.add(pid)
                return False
            expect.titles = (value, value if expect.based else None)
        else:
            base = expect.base.get(name)
            base = _MISSING if base is None else base
            if merge(base, value, expect.theirs[name], self.conflict) != value:
                self.weak.add(pid)
                return False
        if name != "title":
            setattr(expect, name, value)
        expect.moved["file"].add(name)
        return True

    def _zotero_edit(self, pid: str, expect: Expect, name: str, value: Any) -> None:
        """An edit in Zotero lands before the run reads the library, after its last look
        (then the next run pulls it), or between a write of the same field landing and the
        run reading the library again (a retry found someone else's change): where those
        differ, the outcome is free. A pair with no agreed state keeps both titles, unless
        its entry is anchored to the item (the state was lost): then titles that differ follow
        the policy, as the other fields do."""
        markdown_wins = self.conflict == "markdown-wins"
        if name == "title" and expect.based is False and expect.present and not expect.anchored:
            expect.titles = (None, value)
        elif (
            not expect.present
            or (expect.based and name in expect.moved["file"])
            or (expect.based is False and markdown_wins)
        ):
            self.weak.add(pid)
            event("an edit in Zotero mid-run with a timing-dependent outcome")
            return
        elif name == "title":
            expect.titles = (value, value)
        elif name == "read" or expect.relevant is not None:
            setattr(expect, name, value)
        expect.moved["zotero"].add(name)
        if expect.theirs:  # what the item has if the run's write of it is refused
            expect.theirs[name] = value

    def check(
        self, rows: dict[str, Row], held: dict[str, Held], refused: dict[str, Refusal]
    ) -> None:
        """No lost edit: every paper is as the forecast said (weak papers: anything); the
        papers foreseen refused are reported and not synced, the others are not reported;
        a paper whose create stood refused is created under the key it was refused with."""
        assert self.expect is not None
        for pid, expect in sorted(self.expect.items()):
            kind = self.refusal(pid)
            row, item = rows.get(pid), held.get(pid)
            if kind in ("create", "update"):
                assert pid in refused, f"{pid} ({expect.why}): not reported refused: {row}"
                check_refused(expect, kind, pid, row, item, refused[pid])
                continue
            if kind is None:
                assert pid not in refused, f"{pid} ({expect.why}): refused: {row}"
            if pid in self.weak or pid in refused:
                continue
            check_expected(expect, pid, row, item)
            if item is not None and item.field != "title":
                event(f"an item with its own title field: {expect.why}")
                if expect.theirs and item.norm_title != expect.theirs["title"]:
                    event("a title from the file reached an item's own title field")
            key = self.refused_creates.get(pid)
            if expect.created and key is not None:
                event("a create refused before is made once its entry changed")
                assert item is not None and item.key == key, f"{pid}: not made as {key}: {item}"


# --- the invariants ---------------------------------------------------------------------------


def check_expected(expect: Expect, pid: str, row: Row | None, item: Held | None) -> None:
    """One paper after a successful run, as foreseen."""
    where = f"{pid} ({expect.why}): {row} / {item}"
    if not expect.present:
        assert row is None, f"entry should be gone: {where}"
        assert item is None or not item.live, f"item should have left: {where}"
        assert not expect.trashed or item is None or item.deleted, f"not trashed: {where}"
        return
    assert row is not None and item is not None and item.live, f"lost: {where}"
    if expect.read is not None:
        assert row.read == item.read == expect.read, f"read lost: {where}"
    if expect.relevant is not None:
        assert row.relevant == expect.relevant, f"Relevant? lost: {where}"
        assert item.relevant == expect.relevant, f"relevant tag lost: {where}"
    file_title, item_title = expect.titles
    assert file_title is None or row.norm_title == file_title, f"title lost: {where}"
    assert item_title is None or item.norm_title == item_title, f"title lost: {where}"


def check_refused(
    expect: Expect, kind: str, pid: str, row: Row | None, item: Held | None, refusal: Refusal
) -> None:
    """A paper whose create or update Zotero refused: the entry is as foreseen (it takes what
    Zotero's side brought), the item is as it was (a create left none; an update nothing)."""
    where = f"{pid} ({expect.why}, refused {kind}): {row} / {item}"
    assert row is not None, f"refused entry lost: {where}"
    file_title = expect.titles[0]
    assert file_title is None or row.norm_title == file_title, f"title lost: {where}"
    if expect.read is not None:
        assert row.read == expect.read, f"read lost: {where}"
    if expect.relevant is not None:
        assert row.relevant == expect.relevant, f"Relevant? lost: {where}"
    if kind == "create":
        event("refused create")
        assert item is None, f"an item for a refused create: {where}"
        assert row.key == expect.anchor, f"an anchor for a refused create: {where}"
        return
    event("refused update")
    assert item is not None and item.key == refusal.item_key, f"refused another item: {where}"
    theirs = expect.theirs
    assert item.norm_title == theirs["title"], f"a refused update retitled the item: {where}"
    assert (item.read, item.relevant) == (theirs["read"], theirs["relevant"]), (
        f"a refused update changed the item's tags: {where}"
    )
    assert item.live == theirs["live"], f"a refused update moved the item: {where}"


def check_agree(rows: dict[str, Row], held: dict[str, Held], anchors: bool) -> None:
    """Invariant 1: every active entry goes with a live item of its paper (anchored to it,
    with anchors) showing its boxes as tags, and every live item of the collection has
    exactly one entry and a citation key of its own."""
    live = {h.pid for h in held.values() if h.live}
    assert set(rows) == live, f"entries of {sorted(rows)} vs items of {sorted(live)}"
    keys = [held[pid].citation_key.casefold() for pid in rows]
    assert all(keys) and len(set(keys)) == len(keys), f"citation keys: {sorted(keys)}"
    for pid, row in rows.items():
        item = held[pid]
        if anchors:
            assert item.key == row.key, f"not anchored to its item: {row}, {item}"
        else:
            assert row.key is None, f"an anchor in a list without anchors: {row}"
        assert row.read == item.read, f"read box and tag differ: {row} vs {item}"
        if row.relevant is not None:
            assert row.relevant == item.relevant, f"Relevant? and tag differ: {row}, {item}"


def check_intact(before: ListText, after: ListText, frame: list[str]) -> None:
    """After a run, killed or not: the file is in the list's style (``ListText.parse``
    checked that), its frame is as written, no entry block went away (runs strike entries,
    never remove them), and titles and links are the papers' own."""
    assert after.frame == frame, "a run changed the text around the entries"
    lost = Counter(r.pid for r in before.rows) - Counter(r.pid for r in after.rows)
    assert not lost, f"a run removed entries: {lost}"
    for row in after.rows:
        paper = BY_PID.get(row.pid)
        assert paper is not None, f"an entry of an unknown paper: {row}"
        assert words(row.norm_title) == TITLE_WORDS[row.pid], f"a mangled title: {row}"
        assert row.url == paper.url, f"a mangled link: {row}"


def check_kept(rows: dict[str, Row], meddle: Meddle) -> None:
    """Invariant 5: the run did not overwrite the edit made while it ran."""
    row = rows.get(meddle.pid)
    assert row is not None, f"entry lost after an edit mid-run: {meddle}"
    if meddle.field == "read":
        assert row.read == meddle.value, f"overwrote a box ticked mid-run: {meddle}"
    elif meddle.field == "relevant":
        assert row.relevant == meddle.value, f"overwrote a box ticked mid-run: {meddle}"
    elif meddle.field == "title":
        assert row.norm_title == meddle.value, f"overwrote a title edited mid-run: {meddle}"
