"""A lab's shared list: three members, each with a copy of one list, sync one group library.

A hypothesis state machine after vdirsyncer's sync tests, as ``test_engine_machine.py``: three
real :class:`~zotmark.sync.engine.ListRunner` clients, each with its own list file and its own
state, share one :class:`TwinLibrary` (a group library: one library every member writes). Its
clock is the machine's, moved by a rule of its own, so items are often added at the same second
and their keys order them. The members edit their lists (add a paper, sometimes the same paper
on two lists before either syncs; tick the read or ``Relevant?`` box; retitle; remove an entry);
a member in the Zotero app adds an item of a paper (sometimes one the lists hold: a twin,
maybe made offline before the lists' item, so added earlier), toggles a tag, or takes an item
out of the collection or into the trash; a member runs zotmark, or two run at the same moment
(the second's writes land after the first's read, and are refused); a member takes another's
file as their own (``git pull`` as a fast-forward: only onto a file that the other's went
through, so it holds no edit of its own). After everyone syncs until quiet (at most
``ROUNDS`` rounds of one run each):

* every list holds the same active entries: the same items, with the same boxes; each anchored
  to a live item of the collection, and every live item of the collection is in every list
  (but a line holding a twin of an item another line of its list holds: it is left out of
  the sync, and the user is told to delete one of the two);
* the collection holds no twins (no two live items of one identifier and title; two titles
  behind one identifier may be two papers, ``core.twins``), but where every list holds each of
  them on a line of its own: two listed items that a retitle made alike, the lists' own
  repeat, left alone;
* no entry is struck, and no paper gone from a list, that no one deleted (removed an entry of,
  or took its item out of the collection or trashed it in the app).
"""

from __future__ import annotations

import itertools
import random
import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from tests.system.sync_world import (
    HEADER,
    SANE_PAPERS,
    STATUS_TAGS,
    ListText,
    Paper,
    Row,
    block,
    title_field,
)

from zotmark.core.identifiers import identify, normalize_title
from zotmark.core.item import Item
from zotmark.core.plan import Policy
from zotmark.core.port import Snapshot
from zotmark.state import MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.twin import TwinLibrary

COLLECTION = "Lab Reading List"
FLAGS = {"Relevant?": "relevant"}
MEMBERS = 3
ROUNDS = 6
MEMBER = st.integers(0, MEMBERS - 1)
COMMITS = itertools.count(1)  # (commit names: any new number, in any example)
MARKERS = st.sampled_from([" ", "/", "x", "-"])
"""The reading states a member types into a box."""


def _state(item: Item) -> str:
    """The reading state an item's tags say (the first status tag it carries; none: to do)."""
    return next((state for tag, state in STATUS_TAGS.items() if tag in item.tags), " ")


def _pid(item: Item) -> str:
    return identify(item.title, item.url or "").primary or ""


class Member:
    """One member's copy of the list, their state, and its history as git would keep it: a
    new commit for each change of the file (``commit``), and every commit it descends from
    (what a fast-forward may start from; a text reached again is another commit)."""

    def __init__(self, folder: Path, name: str, twin: TwinLibrary) -> None:
        self.path = folder / f"{name}.md"
        self.path.write_text(HEADER)
        self.store = MemoryStateStore()
        self.commit = 0  # the lab's first commit, every member's at the start
        self.history = {0}
        self.runner = ListRunner(
            name, Policy(collection=COLLECTION, force_delete=True), twin, self.store,
            ListDocument(self.path, FLAGS), randbelow=random.Random(name).randrange,
        )  # fmt: skip

    def text(self) -> ListText:
        return ListText.parse(self.path.read_text())

    def write(self, text: ListText) -> None:
        self.path.write_text(text.text())
        self._committed()

    def _committed(self) -> None:
        self.commit = next(COMMITS)
        self.history.add(self.commit)

    def sync(self) -> bool:
        """One run; whether it changed anything on either side."""
        report = self.runner.run()
        assert not report.failed and not report.plan.guards, report
        if report.file_changed:
            self._committed()
        return not report.plan.changes_nothing


class LabMachine(RuleBasedStateMachine):
    """Three members, random edits and interleavings; the invariants above once quiet."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.twin = TwinLibrary(seed=11, clock=lambda: self.now)
        self.collection = self.twin.app_add_collection(COLLECTION)
        self.members = [Member(self.dir, f"member{n}", self.twin) for n in range(MEMBERS)]
        self.deleted: set[str] = set()  # papers someone deleted (an entry, or an item)
        self.added: set[str] = set()  # papers someone added (an entry, or an item)

    def teardown(self) -> None:
        try:
            self.settle()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- what is there -------------------------------------------------------------------------

    def items(self) -> dict[str, Item]:
        """Every item of the library (no request counted)."""
        return dict(self.twin.refresh(Snapshot(0, {})).snapshot.items)

    def live(self) -> dict[str, Item]:
        """The live items of the collection."""
        return {
            k: i
            for k, i in self.items().items()
            if self.collection in i.collections and not i.deleted
        }

    def _row(self, data: st.DataObject, member: int) -> Row | None:
        rows = self.members[member].text().active()
        return data.draw(st.sampled_from(rows), label="entry") if rows else None

    # -- the members edit their lists ------------------------------------------------------------

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        """The lab starts from one list in git: every member has the same file."""
        some = st.lists(st.sampled_from(SANE_PAPERS), max_size=3, unique=True)
        papers = data.draw(some, "papers")
        text = HEADER + "".join(block(p, " ", False) for p in papers)
        for member in self.members:
            member.path.write_text(text)
        self.added |= {paper.pid for paper in papers}

    @rule(member=MEMBER, paper=st.sampled_from(SANE_PAPERS), read=MARKERS)
    def add_entry(self, member: int, paper: Paper, read: str) -> None:
        """A member lists a paper their list has no line of."""
        self._add(member, paper, read)

    @rule(
        first=MEMBER, second=MEMBER, paper=st.sampled_from(SANE_PAPERS), read=MARKERS, other=MARKERS
    )  # fmt: skip
    def add_on_two(self, first: int, second: int, paper: Paper, read: str, other: str) -> None:
        """Two members list the same paper before either syncs."""
        self._add(first, paper, read)
        self._add(second, paper, other)

    def _add(self, member: int, paper: Paper, read: str) -> None:
        text = self.members[member].text()
        if any(row.pid == paper.pid for row in text.rows):
            return
        text.append(block(paper, read, read == "x"))
        self.members[member].write(text)
        self.added.add(paper.pid)

    @rule(member=MEMBER, data=st.data(), flag=st.booleans(), marker=MARKERS)
    def tick(self, member: int, data: st.DataObject, flag: bool, marker: str) -> None:
        """A member types a state into an entry's box, or flips its ``Relevant?`` box."""
        row = self._row(data, member)
        if row is None:
            return
        text = self.members[member].text()
        if flag and row.relevant is not None:
            text.set_box(row.end - 1, " " if row.relevant else "x")
        else:
            text.set_box(row.start, marker)
        self.members[member].write(text)

    @rule(member=MEMBER, data=st.data())
    def retitle(self, member: int, data: st.DataObject) -> None:
        """A member toggles a suffix on an entry's title."""
        row = self._row(data, member)
        if row is not None:
            text = self.members[member].text()
            suffix = ": Revisited"
            new = (
                row.title.removesuffix(suffix) if row.title.endswith(suffix) else row.title + suffix
            )
            text.set_title(row, new)
            self.members[member].write(text)

    @rule(member=MEMBER, data=st.data())
    def remove_entry(self, member: int, data: st.DataObject) -> None:
        row = self._row(data, member)
        if row is not None:
            text = self.members[member].text()
            text.remove(row)
            self.members[member].write(text)
            self.deleted.add(row.pid)

    @rule(to=MEMBER, source=MEMBER)
    def pull(self, to: int, source: int) -> None:
        """A member takes another's file as theirs (a fast-forward: the other's descends from
        their last commit, so it holds no change of their own)."""
        taker, giver = self.members[to], self.members[source]
        if to != source and taker.commit in giver.history:
            taker.path.write_text(giver.path.read_text())
            taker.commit = giver.commit
            taker.history |= giver.history

    # -- a member in the Zotero app --------------------------------------------------------------

    @rule(
        paper=st.sampled_from(SANE_PAPERS),
        status=st.sampled_from(["", *STATUS_TAGS]),
        offline=st.booleans(),
    )
    def app_add(self, paper: Paper, status: str, offline: bool) -> None:
        """A member adds an item of a paper to the collection in the app, under the title its
        live item or an entry has (so a twin of it, when the lists hold it); ``offline``: made
        a day ago, uploaded now (it was added before the lists' item)."""
        titles = [i.title for i in self.live().values() if _pid(i) == paper.pid]
        titles += [r.title for m in self.members for r in m.text().active() if r.pid == paper.pid]
        data = {**paper.item([self.collection], {status} - {""})}
        data[title_field(data)] = titles[0] if titles else paper.title
        if offline:
            data["dateAdded"] = (self.now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.twin.app_add(data)
        self.added.add(paper.pid)

    @precondition(lambda self: self.live())
    @rule(data=st.data(), tag=st.sampled_from(["", *STATUS_TAGS, "relevant"]))
    def app_tag(self, data: st.DataObject, tag: str) -> None:
        """A member sets an item's reading state in the app (one status tag, or none), or
        toggles its ``relevant`` tag."""
        live = self.live()
        key = data.draw(st.sampled_from(sorted(live)), label="item")
        tags = set(live[key].tags)
        if tag == "relevant":
            tags ^= {tag}
        else:
            tags = (tags - set(STATUS_TAGS)) | ({tag} - {""})
        self.twin.app_edit(key, {"tags": [{"tag": t} for t in sorted(tags)]})

    @precondition(lambda self: self.live())
    @rule(data=st.data(), trash=st.booleans())
    def app_remove(self, data: st.DataObject, trash: bool) -> None:
        live = self.live()
        key = data.draw(st.sampled_from(sorted(live)), label="item")
        self.twin.app_edit(key, {"deleted": 1} if trash else {"collections": []})
        self.deleted.add(_pid(live[key]))

    @rule()
    def clock_moves(self) -> None:
        self.now += timedelta(seconds=1)

    # -- runs ------------------------------------------------------------------------------------

    @rule(member=MEMBER)
    def sync(self, member: int) -> None:
        self.members[member].sync()

    @rule(first=MEMBER, second=MEMBER)
    def sync_at_once(self, first: int, second: int) -> None:
        """Two members run at the same moment: the first's run lands between the second's
        read of the library and its writes."""
        if first == second:
            return
        armed = [True]  # (the hook of a run that wrote nothing is disarmed, never run later)

        def first_runs() -> None:
            if armed.pop():
                armed.append(False)
                self.members[first].sync()

        self.twin.before_next_apply(first_runs)
        try:
            self.members[second].sync()
        finally:
            unfired = armed.pop()
            armed.append(False)
        if unfired:  # the second wrote nothing to Zotero: the first runs after it
            self.members[first].sync()

    @rule()
    def settle(self) -> None:
        """Everyone syncs until quiet; then the invariants."""
        for _ in range(ROUNDS):
            if not any([member.sync() for member in self.members]):
                break
        else:
            raise AssertionError(f"not quiet after {ROUNDS} rounds")
        self.check()

    def check(self) -> None:
        live = self.live()
        pairs = Counter((_pid(i), normalize_title(i.title)) for i in live.values())
        twins = {k for k, i in live.items() if pairs[_pid(i), normalize_title(i.title)] > 1}
        lists = []
        for member in self.members:
            text = member.text()
            rows = text.active()
            # (a line holding a twin of an item another of its lines holds is left out)
            out = [r for r in rows if r.key not in live]
            trashed = {k for k, i in self.items().items() if i.deleted}
            listed = {r.pid for r in rows if r.key in live}
            assert all(r.key in trashed and r.pid in listed for r in out), (member.path.name, out)
            rows = [r for r in rows if r.key in live]
            assert {r.key for r in rows} == live.keys(), (member.path.name, rows, live)
            synced = {r.key: r for r in reversed(rows)}  # (the first row of a key is synced)
            alone = [r for r in rows if r.key in twins and [x.key for x in rows].count(r.key) > 1]
            assert not alone, f"twins left, not each on a line of its own: {alone}"
            lists.append({(r.key, r.read, r.relevant) for r in synced.values()})
            lost = self.added - self.deleted - {r.pid for r in rows}
            assert not lost, f"lost from {member.path.name}: {lost}"
            struck = {r.pid for r in text.rows if r.struck} - self.deleted
            assert not struck, f"struck in {member.path.name}, deleted by no one: {struck}"
        assert all(entries == lists[0] for entries in lists), lists
        for key, read, relevant in lists[0]:
            assert (read, relevant) == (
                _state(live[key or ""]),
                "relevant" in live[key or ""].tags,
            )


TestLabMachine = LabMachine.TestCase
TestLabMachine.settings = settings(
    settings.default,
    # at least 200 interleavings (CI derandomizes them)
    max_examples=max(settings.default.max_examples, 200),
    stateful_step_count=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
