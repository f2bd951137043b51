"""DESIGN §4 invariants 1–5, end to end, under random edits, faults and crashes.

A hypothesis state machine in the spirit of vdirsyncer's sync tests, one level up from the
planner's (``tests/core/test_planner_machine.py``): a real list file and a real SQLite state
in a temp dir, the sandbox server, and zotmark's own runner and client. Users edit the list
(add, remove, retitle, tick) and the library (add, tag, retitle, take out of the collection,
trash, delete, touch); the server rate-limits, fails, drops answers to applied writes and has
concurrent writers; zotmark is killed between any two requests, before the file write or
before the state commit; the state is deleted; the file or the library is edited while a run
is in flight. Some entries have titles Zotero refuses (over its field limit: a paper listed
so, or an entry retitled so, and fixed again); some items keep their titles in a field of
their type's own (``caseName``…). After every successful run:

0. each write Zotero refused is reported with its entry's current line and title, and none
   other; nothing of a refused entry is synced (a refused create made no item and wrote no
   anchor, its key waits in the state's pending creates; a refused update left the item as
   it was); once the entry is fixed, the next run syncs it (a create under the same key);
1. both sides agree (but for the refused entries), and an immediate second run plans
   nothing, sends at most one request and reports the same refusals;
2. after kills, no item is duplicated, no edit from either side is lost, the file is intact;
3. after state loss, nothing that exists is created again and nothing is lost;
4. no dropped answer ever duplicates an item (checked after every run, killed or not);
5. an edit of the file made while a run is in flight is kept, and synced.

"No lost edit" is checked against a forecast (``sync_oracle``) made from the state both sides
agreed on and the two sides before the run: each field edited on one side reaches the other;
edits win over deletes; both-sided edits follow the conflict policy; with the state lost,
values that differ follow the policy. Edits made after a killed run (the user keeps working
while zotmark is down) are judged against the last agreed state, as zotmark judges them: what
the killed run wrote counts as an edit too. Edits made while a run is in flight whose outcome
depends on timing are checked for agreement only. The world and its reader are in
``sync_world``, the kills and mid-run edits in ``sync_harness``.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.conftest import EXAMPLES
from tests.system.sync_harness import (
    GIVE_UP,
    MOMENTS,
    Crash,
    KilledDocument,
    KilledStore,
    Moment,
    Tap,
    UnsettledStore,
    no_sleep,
)
from tests.system.sync_oracle import Conflict, Meddle, Oracle, check_agree, check_intact, check_kept
from tests.system.sync_world import (
    HEADER,
    OWN_TITLE,
    PAPERS,
    Held,
    ListText,
    Paper,
    Row,
    Sides,
    block,
    oversized,
    short,
)

from zotmark.core.model import Refusal
from zotmark.core.plan import Policy
from zotmark.errors import GuardError, NetworkError, ZoteroError
from zotmark.sandbox import Sandbox
from zotmark.state import STATE_FILENAME, SqliteStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.sync.report import RunReport
from zotmark.zotero.client import RetryPolicy, ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

LIST = "reading-list"
COLLECTION = "Reading List"
FLAGS = {"Relevant?": "relevant"}
BOXES = st.sampled_from([None, False, True])
STATES = st.sampled_from([" ", "/", "x", "-"])
"""The reading states an entry starts in."""
MARKERS = st.sampled_from([" ", "/", "x", "X", "-"])
"""The markers a user types into a box (``X``: done, left as typed)."""
STATUS = ["read", "reading", "not-reading"]
"""The status tags of the default policy."""
OWN_TITLED = [paper for paper in PAPERS if dict(paper.fields).get("itemType") in OWN_TITLE]


class SyncMachine(RuleBasedStateMachine):
    """Random edits on both sides, hostile servers and kills; DESIGN §4 after each success."""

    def __init__(self, sandbox: Sandbox, root: Path) -> None:
        super().__init__()
        sandbox.reset()
        self.sandbox = sandbox
        self.keys = random.Random(20240611)  # item keys, the same in every replay
        self.dir = Path(tempfile.mkdtemp(dir=root))
        self.path = self.dir / "reading-list.md"
        self.sides = Sides(self.path, sandbox, self.keys)
        self.db = self.dir / "state" / STATE_FILENAME
        self.store = SqliteStateStore(self.db)
        self.policy = Policy(collection=COLLECTION)
        self.oracle = Oracle("markdown-wins", trash=False)
        self.frame: list[str] = []
        self.settled_policy = self.policy  # the policy of the last successful run
        self.last_version = 0  # the library version the last successful run ended at
        self.synced_text = b""  # the file as the last successful run left it

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(
        start=st.lists(
            st.tuples(st.sampled_from(PAPERS), STATES, BOXES),
            min_size=1,
            max_size=4,
            unique_by=lambda paper: paper[0].pid,
        ),
        listed=st.sets(st.sampled_from(OWN_TITLED)),
        conflict=st.sampled_from(["markdown-wins", "zotero-wins"]),
        trash=st.booleans(),
        anchors=st.booleans(),
    )
    def first_sync(
        self, start: Any, listed: set[Paper], conflict: Conflict, trash: bool, anchors: bool
    ) -> None:
        """A list in the original list's style, its policy, and a first run; the collection
        may hold items already, of types with their own title field (so that their pairs
        are common enough for retitles to reach them)."""
        self.oracle = Oracle(conflict, trash)
        self.policy = Policy(
            collection=COLLECTION,
            conflict=conflict,
            on_markdown_delete="trash" if trash else "remove-from-collection",
            anchors=anchors,
        )
        text = HEADER + "".join(block(paper, read, relevant) for paper, read, relevant in start)
        self.path.write_text(text)
        self.frame = ListText.parse(text).frame
        if listed:
            self.sides.collection = self.sandbox.add_collection(COLLECTION)
            for paper in sorted(listed, key=lambda paper: paper.pid):
                self.sides.add_item(paper, in_collection=True, tags=set())
        report = self._run(None)
        assert report is not None
        self.sides.collection = next(
            k for k, c in self.sandbox.collections().items() if c["name"] == COLLECTION
        )
        self._check_converged(report)

    def _touched(self, pid: str) -> None:
        self.oracle.touched(pid)

    # -- edits of the file -------------------------------------------------------------------------

    def _addable(self) -> list[Paper]:
        rows = self.sides.rows()
        return [paper for paper in PAPERS if paper.pid not in rows]

    @precondition(lambda self: self._addable())
    @rule(data=st.data(), read=MARKERS, relevant=BOXES)
    def add_entry(self, data: st.DataObject, read: str, relevant: bool | None) -> None:
        """The user adds a paper (maybe one the library has, in the trash or elsewhere)."""
        paper = data.draw(st.sampled_from(self._addable()), label="paper")
        self.sides.add_entry(paper, read, relevant)
        self._touched(paper.pid)

    @precondition(lambda self: self.sides.text().rows)
    @rule(data=st.data())
    def remove_entry(self, data: st.DataObject) -> None:
        """The user deletes an entry block (struck ones too)."""
        row = data.draw(st.sampled_from(self.sides.text().rows), label="entry")
        self.sides.remove_entry(row)
        if not row.struck:
            self._touched(row.pid)

    def _pick_row(self, data: st.DataObject, boxed: bool = False) -> Row:
        rows = [r for r in self.sides.rows().values() if r.relevant is not None or not boxed]
        return data.draw(st.sampled_from(sorted(rows, key=lambda r: r.start)), label="entry")

    @precondition(lambda self: self.sides.rows())
    @rule(data=st.data(), how=st.sampled_from(["cosmetic", "suffix", "oversize"]))
    def retitle_entry(self, data: st.DataObject, how: str) -> None:
        """The user retitles an entry: a cosmetic edit changes only the case; ``oversize``
        makes the title too long for Zotero, or fixes one that is."""
        pid = self._pick_row(data).pid
        self.sides.retitle_entry(pid, how)
        self._touched(pid)

    def _oversized(self) -> list[Row]:
        rows = [row for row in self.sides.rows().values() if oversized(row.title)]
        return sorted(rows, key=lambda row: row.start)

    @precondition(lambda self: self._oversized())
    @rule(data=st.data())
    def fix_title(self, data: st.DataObject) -> None:
        """The user shortens a title Zotero refused (or would refuse) to one it takes."""
        row = data.draw(st.sampled_from(self._oversized()), label="entry")
        self.sides.retitle_entry(row.pid, "oversize")
        self._touched(row.pid)

    @precondition(lambda self: self.sides.rows())
    @rule(data=st.data(), box=st.sampled_from(["read", "relevant"]), marker=MARKERS)
    def tick(self, data: st.DataObject, box: str, marker: str) -> None:
        """The user types a state's marker into an entry's own box, or ticks or unticks its
        Relevant? box."""
        if not any(r.relevant is not None for r in self.sides.rows().values()):
            box = "read"
        pid = self._pick_row(data, boxed=box == "relevant").pid
        self.sides.flip_box(pid, box, marker)
        self._touched(pid)

    # -- edits in Zotero ---------------------------------------------------------------------------

    def _new_papers(self) -> list[Paper]:
        held = self.sides.held()
        return [paper for paper in PAPERS if paper.pid not in held]

    @precondition(lambda self: self._new_papers())
    @rule(
        data=st.data(),
        in_collection=st.booleans(),
        tags=st.sets(st.sampled_from([*STATUS, "relevant", "mine"])),
    )
    def zotero_add_item(self, data: st.DataObject, in_collection: bool, tags: set[str]) -> None:
        """The user adds a paper in Zotero, to the collection or elsewhere in the library."""
        paper = data.draw(st.sampled_from(self._new_papers()), label="paper")
        self.sides.add_item(paper, in_collection, tags)
        self._touched(paper.pid)

    def _pick_item(self, data: st.DataObject, live: bool | None) -> Held:
        held = [h for h in self.sides.held().values() if live is None or h.live == live]
        return data.draw(st.sampled_from(sorted(held, key=lambda h: h.key)), label="item")

    def _any_item(self, live: bool | None) -> bool:
        return any(live is None or h.live == live for h in self.sides.held().values())

    @precondition(lambda self: self._any_item(live=False))
    @rule(data=st.data())
    def zotero_add_to_collection(self, data: st.DataObject) -> None:
        """The user puts a library item (maybe from the trash) into the collection."""
        item = self._pick_item(data, live=False)
        self.sides.put_in_collection(item.key)
        self._touched(item.pid)

    @precondition(lambda self: self._any_item(live=True))
    @rule(data=st.data(), trash=st.booleans())
    def zotero_remove(self, data: st.DataObject, trash: bool) -> None:
        """The user takes an item out of the collection, or moves it to the trash."""
        item = self._pick_item(data, live=True)
        self.sides.take_out(item.key, trash)
        self._touched(item.pid)

    @precondition(lambda self: self._any_item(live=None))
    @rule(data=st.data())
    def zotero_delete(self, data: st.DataObject) -> None:
        """The user deletes an item for good (emptying the trash)."""
        item = self._pick_item(data, live=None)
        self.sandbox.delete_item(item.key)
        self._touched(item.pid)

    @precondition(lambda self: self._any_item(live=True))
    @rule(data=st.data(), tag=st.sampled_from([*STATUS, "relevant"]))
    def zotero_toggle_tag(self, data: st.DataObject, tag: str) -> None:
        """The user adds or removes a status tag (an item may carry several) or the relevant
        tag (a coloured-tag keystroke)."""
        item = self._pick_item(data, live=True)
        self.sides.toggle_tag(item.key, tag)
        self._touched(item.pid)

    @precondition(lambda self: self._any_item(live=True))
    @rule(data=st.data(), cosmetic=st.booleans())
    def zotero_retitle(self, data: st.DataObject, cosmetic: bool) -> None:
        """The user retitles an item."""
        item = self._pick_item(data, live=True)
        self.sides.retitle_item(item.key, cosmetic)
        self._touched(item.pid)

    @precondition(lambda self: self._any_item(live=None))
    @rule(data=st.data())
    def zotero_touch(self, data: st.DataObject) -> None:
        """Another client saves an item without changing it (its version moves)."""
        self.sandbox.touch_item(self._pick_item(data, live=None).key)

    # -- a hostile world ---------------------------------------------------------------------------

    @rule(
        kind=st.sampled_from(["429=0", "503", "drop", "concurrent"]),
        times=st.integers(1, 3),
        after=st.integers(0, 4),
        only=st.sampled_from(["", ",method=write", ",method=GET", ",method=POST,path=/items"]),
    )
    def fault(self, kind: str, times: int, after: int, only: str) -> None:
        """The server will misbehave during the next run."""
        self.sandbox.add_faults(f"{kind},times={times},after={after}{only}")

    @rule()
    def lose_state(self) -> None:
        """The state file is deleted (DESIGN §4 invariant 3)."""
        self.store.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        self.store = SqliteStateStore(self.db)
        self.oracle.forget(state_lost=True)  # the next run judges by current values

    # -- runs --------------------------------------------------------------------------------------

    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        """``zotmark sync`` (faults added before it fire now)."""
        report = self._run(data)
        if report is not None:
            self._check_converged(report)

    @precondition(lambda self: self._work_to_do())
    @rule(
        data=st.data(),
        where=st.one_of(MOMENTS, st.sampled_from(["file", "state"])),
        applied=st.booleans(),
    )
    def sync_killed(self, data: st.DataObject, where: Moment | str, applied: bool) -> None:
        """A run killed before a request (or after the server applied it), before the file
        write, or after it but before the state commit (DESIGN §4 invariant 2)."""
        report = self._run(
            data,
            tap=Tap(crash_at=where, applied=applied) if isinstance(where, tuple) else None,
            crash_file=where == "file",
            crash_state=where == "state",
        )
        if report is not None:
            event("the kill came after the run had finished")
            self._check_converged(report)

    @precondition(lambda self: self._work_to_do())
    @rule(data=st.data(), at=MOMENTS, after=st.booleans(), side=st.sampled_from(["file", "zotero"]))
    def sync_while_editing(self, data: st.DataObject, at: Moment, after: bool, side: str) -> None:
        """The user saves the list (or edits the library) while a run is in flight
        (DESIGN §4 invariant 5; a concurrent writer with real changes)."""
        meddle = self._draw_meddle(data, side)
        if meddle is None:
            return
        report = self._run(data, tap=Tap(meddle_at=at, meddle=meddle.apply, meddle_after=after))
        if not meddle.done:
            event("the edit came after the run had finished")
        if report is None:
            if meddle.done:  # an edit made while a run died or stopped: like one after it
                self.oracle.touched(meddle.pid)
            return
        if meddle.done:
            if self.oracle.fold(meddle) and side == "file":
                check_kept(self.sides.rows(), meddle)
            report = self._run(data)  # the next run (the daemon's, after the save)
            if report is None:
                return
        self._check_converged(report)

    # -- the run -----------------------------------------------------------------------------------

    def _run(
        self,
        data: st.DataObject | None,
        *,
        tap: Tap | None = None,
        crash_file: bool = False,
        crash_state: bool = False,
        force: bool = False,
    ) -> RunReport | None:
        """One zotmark process running one sync; its report, or ``None`` when it was killed,
        stopped by a guard, or gave up on a failing server."""
        if self.oracle.dirty:  # a run died: foresee from what it left, as zotmark will see it
            self.oracle.forget()
        self.oracle.foresee(self.sides.rows(), self.sides.held())
        before = self.sides.text()
        policy = self.policy._replace(force_delete=True) if force else self.policy
        client = self._client(tap)
        document = KilledDocument(self.path, FLAGS, self.policy.anchors, crash=crash_file)
        store: Any = KilledStore(self.store) if crash_state else self.store
        report: RunReport | None = None
        try:
            keys = self.keys.randrange
            report = ListRunner(
                LIST, policy, ZoteroLibrary(client), store, document, randbelow=keys
            ).run()
        except Crash as crash:
            event(f"killed {crash.where}")
            self.oracle.dirty = True
        except GuardError:
            event("stopped by the mass-delete guard")
            self.oracle.forget()  # nothing was written: the next run is foreseen afresh
            if data is not None and data.draw(st.booleans(), label="force_delete"):
                return self._run(data, force=True)
        except ZoteroError as error:
            assert type(error) in (ZoteroError, NetworkError), error
            assert any(words in error.message for words in GIVE_UP), error
            event("gave up on a failing server")
            self.oracle.dirty = True
        finally:
            client.close()
            self.sandbox.clear_faults()
            self.sandbox.check_errors()
        self._check_intact(before)
        if report is not None and report.failed:  # transient: retried by the next run
            event("a run left failed writes")
            self._refusals_stand(report)  # (it committed what it did)
            self.oracle.dirty = True
            return None
        if report is not None:
            self.oracle.dirty = False  # zotmark's state holds what any killed run left
            self.settled_policy, self.last_version = policy, report.library_version
            self.synced_text = self.path.read_bytes()
        return report

    def _work_to_do(self) -> bool:
        """Whether either side moved since the last successful run (so a run does work)."""
        moved = self.sandbox.library_version() != self.last_version
        return moved or self.path.read_bytes() != self.synced_text

    def _client(self, tap: Tap | None = None) -> ZoteroClient:
        """A new zotmark process's client: no time spent in back-off, few retries."""
        sandbox = self.sandbox
        return ZoteroClient(
            "user", sandbox.user_id, sandbox.api_key, sandbox.url,
            sleep=no_sleep, retry=RetryPolicy(max_retries=2), randbelow=self.keys.randrange,
            transport=tap or Tap(),
        )  # fmt: skip

    # -- edits while a run is in flight ------------------------------------------------------------

    def _draw_meddle(self, data: st.DataObject, side: str) -> Meddle | None:
        """An edit to make during the next run: of a live item's tag or title in Zotero, or
        of an entry's box or title, or a new entry, in the file (``None``: nothing to edit)."""
        if side == "zotero":
            if not self._any_item(live=True):
                return None
            item = self._pick_item(data, live=True)
            if data.draw(st.booleans(), label="retitle"):
                cosmetic = data.draw(st.booleans(), label="cosmetic")
                meddle = Meddle("zotero", item.pid, "title", None, lambda: None)
                meddle.apply = lambda: self._meddled(
                    meddle, self.sides.retitle_item(item.key, cosmetic)
                )
                return meddle
            tag = data.draw(st.sampled_from([*STATUS, "relevant"]), label="tag")
            field = "read" if tag in STATUS else tag  # (a status tag moves the reading state)
            meddle = Meddle("zotero", item.pid, field, None, lambda: None)
            meddle.apply = lambda: self._meddled(meddle, self.sides.toggle_tag(item.key, tag))
            return meddle
        return self._draw_file_meddle(data)

    def _draw_file_meddle(self, data: st.DataObject) -> Meddle | None:
        """A file edit: a box or a title, or a paper neither side has seen yet."""
        rows, held = self.sides.rows(), self.sides.held()
        new = [p for p in PAPERS if p.pid not in rows and p.pid not in held]
        new = [p for p in new if p.pid not in self.oracle.agreed]
        kinds = ["add"] if new else []
        kinds += ["read", "title"] if rows else []
        kinds += ["relevant"] if any(r.relevant is not None for r in rows.values()) else []
        if not kinds:
            return None
        kind = data.draw(st.sampled_from(kinds), label="file edit")
        if kind == "add":
            paper = data.draw(st.sampled_from(new), label="paper")
            read, relevant = data.draw(STATES), data.draw(BOXES)
            meddle = Meddle("file", paper.pid, "add", (read, relevant), lambda: None)
            meddle.apply = lambda: self._meddled(
                meddle, self.sides.add_entry(paper, read, relevant)
            )
            return meddle
        pid = self._pick_row(data, boxed=kind == "relevant").pid
        meddle = Meddle("file", pid, kind, None, lambda: None)
        if kind == "title":
            cosmetic = data.draw(st.booleans(), label="cosmetic")
            meddle.apply = lambda: self._meddled(meddle, self.sides.retitle_entry(pid, cosmetic))
        else:
            marker = data.draw(MARKERS, label="marker")
            meddle.apply = lambda: self._meddled(meddle, self.sides.flip_box(pid, kind, marker))
        return meddle

    def _meddled(self, meddle: Meddle, value: Any) -> None:
        event(f"edited the {meddle.side} while a run was in flight")
        meddle.done = True
        if meddle.field != "add":
            meddle.value = value

    # -- invariants --------------------------------------------------------------------------------

    def _check_intact(self, before: ListText) -> None:
        """After every run, killed or not: invariants 2 and 4 (file intact, no duplicate)."""
        check_intact(before, self.sides.text(), self.frame)
        if self.sides.collection:
            self.sides.held()  # raises on two items of one paper

    def _check_converged(self, report: RunReport) -> None:
        """Invariants 0–5 after a successful run, then the new agreed state."""
        rows, held = self.sides.rows(), self.sides.held()
        refused = self._check_refused(report)
        synced_rows = {pid: row for pid, row in rows.items() if pid not in refused}
        synced_held = {pid: item for pid, item in held.items() if pid not in refused}
        check_agree(synced_rows, synced_held, self.policy.anchors)
        self.oracle.check(rows, held, refused)
        self._check_idle(report)
        self.oracle.agree(rows, held, refused)
        self._refusals_stand(report)

    def _check_refused(self, report: RunReport) -> dict[str, Refusal]:
        """Invariant 0, as far as the report and the state show it: each refusal names an
        active entry by its current line and title, a title Zotero refuses; the state holds
        the refusals, and a refused create's key as a pending create; the run did not go
        well while a refusal stands (``zotmark status`` says so). Returns them by paper."""
        by_line = {row.start + 1: row for row in self.sides.text().active()}
        refused: dict[str, Refusal] = {}
        for refusal in report.refused:
            row = by_line.get(refusal.line)
            shown = (refusal.item_key, refusal.line, short(refusal.title), refusal.message)
            assert row is not None, f"a refusal of no entry's line: {shown}"
            assert row.title == refusal.title, f"a refusal under another title: {shown}, {row}"
            assert oversized(row.title), f"Zotero refused a sane title: {shown}"
            assert "too long" in refusal.message and "(413)" in refusal.message, shown
            assert row.pid not in refused, f"two refusals of one paper: {shown}"
            refused[row.pid] = refusal
        state = self.store.load(LIST)
        assert set(state.refused) == {r.item_key for r in report.refused}
        assert state.last_run is not None and state.last_run.ok == report.complete
        items = self.sandbox.items()
        for refusal in report.refused:
            if refusal.item_key not in items:  # a create: retried under its key once fixed
                assert refusal.item_key in state.pending, f"{refusal.item_key} not pending"
        return refused

    def _refusals_stand(self, report: RunReport) -> None:
        """A run committed its refusals: the oracle notes which creates keep their keys."""
        rows = {row.start + 1: row.pid for row in self.sides.text().active()}
        refused = {rows.get(r.line, ""): r for r in report.refused}
        self.oracle.refusals_stand(refused, set(self.sandbox.items()))

    def _check_idle(self, run: RunReport) -> None:
        """Invariant 1: an immediate second run plans nothing, writes nothing, sends at most
        one request, and reports the same refusals. So does one that skips nothing (it
        reads the library's changes and plans): the skip hides no work left to do."""
        text, version = self.path.read_bytes(), self.sandbox.library_version()
        report = self._idle_run()
        if report.requests > 1 and self.last_version != version:
            event("a concurrent writer moved the library after the run's last look")
            report = self._idle_run()
        assert report.requests <= 1, f"the second run sent {report.requests} requests"
        fresh = [self._idle_run(UnsettledStore(self.store))]
        for again in (report, *fresh):
            assert self.path.read_bytes() == text
            assert self.sandbox.library_version() == version
            before, now = _refusals(run), _refusals(again)
            assert now == before, f"the second run reported {now}, the first {before}"

    def _idle_run(self, store: Any = None) -> RunReport:
        with self._client() as client:
            document = ListDocument(self.path, FLAGS, self.policy.anchors)
            report = ListRunner(
                LIST, self.settled_policy, ZoteroLibrary(client), store or self.store, document
            ).run()
        assert report.plan.changes_nothing, f"the second run planned {_shown(report.plan)}"
        return report


def _shown(value: object) -> str:
    """A value for a failure message, cut short (titles Zotero refuses are 30,000 long)."""
    text = repr(value)
    return text if len(text) <= 3000 else f"{text[:3000]}…"


def _refusals(report: RunReport) -> list[tuple[str, int, str, int]]:
    """A report's refusals, comparable and short to show: item key, line and title."""
    return sorted((r.item_key, r.line, short(r.title), hash(r.title)) for r in report.refused)


@pytest.mark.timeout(900)  # passing takes well under a minute; shrinking a failure takes longer
def test_sync_machine(sandbox: Sandbox, tmp_path: Path) -> None:
    """Random edits on both sides, faults, kills and state loss never break DESIGN §4."""
    run_state_machine_as_test(
        lambda: SyncMachine(sandbox, tmp_path),
        settings=settings(
            # 30 of the profile's 60 (CI, dev): the engine's rules are checked by
            # tests/sync/test_engine_machine.py on the twin (which catches the mutants this one
            # catches, tests/sync/mutants.py); this one stays the end-to-end check over HTTP,
            # real SQLite, kills and dropped answers. The long profile keeps all its examples.
            max_examples=min(settings.default.max_examples, 30)
            if settings.default.max_examples <= EXAMPLES
            else settings.default.max_examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
