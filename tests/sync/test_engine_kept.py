"""A kept runner (the daemon's) plans what a fresh runner plans, run after run.

A hypothesis state machine on the Zotero twin: the user edits the list (ticks boxes, adds,
retitles and removes entries) and the library (tags, retitles, trashes, takes items out of the
collection, deletes them for good, adds papers); Zotero refuses writes, fails them for a while,
or moves under a run; another process syncs the list now and then. Before each run of the one
kept runner, a fresh runner (what ``zotmark sync`` makes: it reads the state and plans every
pair) makes a dry run of the same list: the kept runner, which reads only what changed in the
library and plans only the pairs that moved (``sync.kept``, ``core.replan``), must plan the
same, field for field, and fail the same way.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
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
)
from tests.helpers import NoWallClock, Ticking

from zotmark.core.plan import Plan, Policy
from zotmark.errors import ZotmarkError
from zotmark.sandbox import Sandbox
from zotmark.state import ListState, MemoryStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary
from zotmark.zotero.twin import TwinLibrary
from zotmark.zotero.twin import library as twin_library

FLAGS = {"Relevant?": "relevant"}
PAPERS = (
    ("Attention Is All You Need", "https://arxiv.org/abs/1706.03762"),
    ("Vision Transformers are Robust Learners", "https://arxiv.org/abs/2105.07581"),
    ("Deep Residual Learning for Image Recognition", "https://doi.org/10.1109/CVPR.2016.90"),
    ("WaveNet: A Generative Model for Raw Audio", "https://arxiv.org/abs/1609.03499"),
    ("A Blog Post About Transformers", "https://example.org/blog/transformers"),
    ("Notes on Syncing Reading Lists", "https://example.org/notes"),
)
SUFFIX = ": Revisited"
BOX = re.compile(r"^ *- \[[ xX]\] ", re.M)
ENTRY = re.compile(
    r"^- \[[ xX]\] \*\*(?P<title>[^*]+)\*\*.*\n(?: +- \[[ xX]\] Relevant\?\n)?", re.M
)
ANCHOR = re.compile(r"<!-- zotero:([A-Z0-9]{8}) -->")


class KeptRunnerMachine(RuleBasedStateMachine):
    """One list synced by a kept runner; a fresh runner's dry run before each of its runs."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.path = self.dir / "list.md"
        self.twin = TwinLibrary(seed=5, clock=Ticking())
        self.keys = random.Random(1005)  # the runners' item keys (not the twin's: its seed is 5)
        self.store = MemoryStateStore()
        self.policy = Policy(collection="Reading List")
        self.kept = self._runner(keep=True)
        self.runs = 0
        self.added: list[str] = []  # keys of the items the app added
        self.touching = False  # whether the next write will find the library moved

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _runner(self, *, keep: bool = False) -> ListRunner:
        document = ListDocument(self.path, FLAGS, self.policy.anchors, kept=keep)
        return ListRunner(
            "list", self.policy, self.twin, self.store, document, keep=keep,
            randbelow=self.keys.randrange,
        )  # fmt: skip

    @initialize(
        start=st.lists(st.sampled_from(PAPERS), min_size=1, max_size=4, unique=True),
        anchors=st.sampled_from([True, True, True, False]),
        on_zotero_delete=st.sampled_from(["strike", "remove", "keep"]),
    )
    def first_sync(self, start: Any, anchors: bool, on_zotero_delete: Any) -> None:
        """A list of a few papers, its policy, and the kept runner's first run."""
        self.policy = Policy("Reading List", anchors=anchors, on_zotero_delete=on_zotero_delete)
        self.kept = self._runner(keep=True)
        self.path.write_text("# Reading list\n\n" + "".join(_block(*paper) for paper in start))
        self.kept.run()

    # -- the file ------------------------------------------------------------------------------

    def _text(self) -> str:
        return self.path.read_text()

    @precondition(lambda self: BOX.search(self._text()))
    @rule(data=st.data())
    def tick(self, data: st.DataObject) -> None:
        """The user ticks or clears a box (an entry's own, or its Relevant? box)."""
        text = self._text()
        at = data.draw(st.sampled_from([m.end() - 3 for m in BOX.finditer(text)]), label="box")
        self.path.write_text(text[:at] + ("x" if text[at] == " " else " ") + text[at + 1 :])

    def _entries(self) -> list[re.Match[str]]:
        return list(ENTRY.finditer(self._text()))

    def _addable(self) -> list[tuple[str, str]]:
        text = self._text()
        return [paper for paper in PAPERS if paper[1] not in text]

    @precondition(lambda self: self._addable())
    @rule(data=st.data())
    def add_entry(self, data: st.DataObject) -> None:
        """The user adds a paper the list does not have."""
        paper = data.draw(st.sampled_from(self._addable()), label="add")
        self.path.write_text(self._text() + _block(*paper))

    @precondition(lambda self: self._entries())
    @rule(data=st.data(), retitle=st.booleans())
    def edit_entry(self, data: st.DataObject, retitle: bool) -> None:
        """The user retitles an entry, or removes it."""
        found = data.draw(st.sampled_from(self._entries()), label="entry")
        text, title = self._text(), found["title"]
        new = title.removesuffix(SUFFIX) if title.endswith(SUFFIX) else title + SUFFIX
        block = found[0].replace(f"**{title}**", f"**{new}**") if retitle else ""
        self.path.write_text(text[: found.start()] + block + text[found.end() :])

    # -- the library ---------------------------------------------------------------------------

    def _keys(self) -> list[str]:
        keys = dict.fromkeys([*ANCHOR.findall(self._text()), *self.added])
        return [key for key in keys if self.twin.item_data(key) is not None]

    @precondition(lambda self: self._keys())
    @rule(data=st.data(), how=st.sampled_from(["read", "relevant", "title", "trash", "leave"]))
    def app_edit(self, data: st.DataObject, how: str) -> None:
        """In the Zotero app, a tag is added or removed, the title changed, the item trashed
        or taken out of the collection."""
        key = data.draw(st.sampled_from(self._keys()), label="item")
        item = self.twin.item_data(key)
        assert item is not None
        if how in ("read", "relevant"):
            tags = [t for t in item["tags"] if t["tag"] != how]
            changes: dict[str, Any] = {"tags": tags if len(tags) < len(item["tags"]) else
                                       [*tags, {"tag": how}]}  # fmt: skip
        elif how == "title":
            changes = {"title": item["title"] + SUFFIX}
        else:
            changes = {"deleted": 1} if how == "trash" else {"collections": []}
        self.twin.app_edit(key, changes)

    @precondition(lambda self: self._keys())
    @rule(data=st.data())
    def app_delete(self, data: st.DataObject) -> None:
        """In the Zotero app, an item is deleted for good."""
        self.twin.app_delete(data.draw(st.sampled_from(self._keys()), label="item"))

    @rule(paper=st.sampled_from(PAPERS), in_collection=st.booleans())
    def app_add(self, paper: tuple[str, str], in_collection: bool) -> None:
        """In the Zotero app, a paper is added (to the collection, or elsewhere)."""
        collection = self.twin.collection_key("Reading List", create=False)
        where = [collection] if in_collection and collection else []
        data = {"itemType": "webpage", "title": paper[0], "url": paper[1], "collections": where}
        self.added.append(self.twin.app_add(data))

    # -- faults and other processes ------------------------------------------------------------

    @precondition(lambda self: self._keys())
    @rule(data=st.data(), code=st.sampled_from([413, 429]))
    def refuse_next_write(self, data: st.DataObject, code: int) -> None:
        """Zotero will refuse (413) or fail for a while (429) the next write of an item."""
        self.twin.refuse_next(data.draw(st.sampled_from(self._keys()), label="item"), code)

    @rule()
    def another_process_syncs(self) -> None:
        """``zotmark sync`` runs the list in another process (the state's generation moves)."""
        try:
            self._runner().run()
        except ZotmarkError:
            event("another process's run failed")

    # -- the kept runner's run -----------------------------------------------------------------

    @rule(concurrent=st.sampled_from([False, False, False, True]))
    def sync(self, concurrent: bool) -> None:
        """A fresh runner's dry run, then the kept runner's run, from the same random keys;
        with ``concurrent``, the library moves under the kept run (it plans again, whole)."""
        self.runs += 1
        fresh = self._runner(keep=True)  # (its first run plans every pair; as a runner that
        # keeps, its plan holds the unsettled keys a kept runner's next plan reads)
        fresh.randbelow = random.Random(2000 + self.runs).randrange
        self.kept.randbelow = random.Random(2000 + self.runs).randrange
        expected = _outcome(lambda: fresh.run(dry_run=True).plan)
        if concurrent and not self.touching and self._keys():
            self.touching = True
            self.twin.before_next_apply(self._touch)
        touching = self.touching
        got = _outcome(lambda: self.kept.run().plan)
        if touching and not self.touching:
            event("the kept run planned again after the library moved")
            return
        event("the kept run failed" if isinstance(got, str) else "the kept run planned")
        assert got == expected, f"kept runner: {got}\nfresh runner: {expected}"

    def _touch(self) -> None:
        """Another client edits an item of the list (while a run is about to write)."""
        self.touching = False
        if keys := self._keys():
            self.twin.app_edit(keys[0], {"extra": f"touched before run {self.runs}"})


def _block(title: str, url: str) -> str:
    return f"- [ ] **{title}** ([Link]({url}))\n    - [ ] Relevant?\n"


def _outcome(run: Any) -> Plan | str:
    """The plan of a run, or the kind of error it stopped with."""
    try:
        plan: Plan = run()
    except ZotmarkError as error:
        return type(error).__name__
    return plan


TestKeptRunner = KeptRunnerMachine.TestCase
TestKeptRunner.settings = settings(
    settings.default, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)  # fmt: skip
TestKeptRunner.pytestmark = [pytest.mark.timeout(600)]


def test_the_kept_runner_machine_never_reads_the_wall_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The machine's twin adds items at the machine's clock: a replay of an example (a twin
    made in the app, merged into the item added first) adds them at the same times as its
    first run, whether or not a second ticked in between."""
    monkeypatch.setattr(twin_library, "datetime", NoWallClock)
    monkeypatch.setattr(sys.modules[__name__], "event", lambda _: None)  # (outside a test run)
    machine = KeptRunnerMachine()
    try:
        machine.first_sync(start=[PAPERS[0]], anchors=True, on_zotero_delete="strike")
        machine.app_add(PAPERS[0], in_collection=True)
        machine.sync(concurrent=False)
    finally:
        machine.teardown()


def test_a_run_the_library_moved_under_plans_every_pair_again(tmp_path: Path) -> None:
    """The library moved between a kept run's plan and its write: the run plans again, every
    pair (what its first attempt read of the library is no longer what moved since)."""
    path, twin = tmp_path / "list.md", TwinLibrary(seed=3)
    path.write_text("".join(_block(*paper) for paper in PAPERS[:2]))
    document = ListDocument(path, FLAGS, kept=True)
    store = MemoryStateStore()
    runner = ListRunner("list", Policy("Reading List"), twin, store, document, keep=True)
    runner.run()
    first, second = ANCHOR.findall(path.read_text())
    _flip(path, "Vision")
    runner.run()  # every pair settled but the one just written
    twin.app_edit(first, {"tags": [{"tag": "read"}]})  # read by the first attempt
    _flip(path, "Vision")
    twin.before_next_apply(lambda: twin.app_edit(second, {"extra": "moved"}))
    report = runner.run()
    assert report.attempts == 2
    assert "- [x] **Attention" in path.read_text()


def _flip(path: Path, title: str) -> None:
    """Tick or clear the box of the entry whose title begins with ``title``."""
    text = path.read_text()
    at = text.index(f"] **{title}") - 1
    path.write_text(text[:at] + ("x" if text[at] == " " else " ") + text[at + 1 :])


class CountingStore(MemoryStateStore):
    """A store that counts the loads of a list's state."""

    loads = 0

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        self.loads += 1
        return super().load(list_name, texts=texts)


def test_a_kept_runner_reads_a_synced_list_on_its_first_run_then_only_what_changes(
    tmp_path: Path,
) -> None:
    """A daemon restarted on a synced list: its first run finds nothing changed, and reads
    the state and the list all the same (one request, as a run that skips), so that the
    first change costs what any other does."""
    path, twin, store = tmp_path / "list.md", TwinLibrary(seed=4), CountingStore()
    path.write_text("".join(_block(*paper) for paper in PAPERS[:2]))
    ListRunner("list", Policy("Reading List"), twin, store, ListDocument(path, FLAGS)).run()
    document = ListDocument(path, FLAGS, kept=True)
    runner = ListRunner("list", Policy("Reading List"), twin, store, document, keep=True)
    before, loads = twin.requests, store.loads
    assert runner.run().plan.changes_nothing
    assert (twin.requests - before, store.loads - loads) == (1, 1)
    _flip(path, "Vision")
    assert runner.run().updated == 1
    assert store.loads - loads == 1


def test_a_kept_runner_that_holds_nothing_reports_a_settled_list_with_a_refusal_as_unchanged(
    tmp_path: Path,
) -> None:
    """Another process synced the list (or the daemon just started) and a refused retitle
    stands: neither side moved since, so the kept runner, which holds nothing of the list yet,
    reads and plans it only to keep what it needs; its run plans nothing and records nothing,
    as a fresh runner's (its plan held the refusal and the pair's base row again), and still
    reports the refusal."""
    path, twin, store = tmp_path / "list.md", TwinLibrary(seed=6), MemoryStateStore()
    path.write_text("".join(_block(*paper) for paper in PAPERS[:2]))
    policy = Policy("Reading List")
    ListRunner("list", policy, twin, store, ListDocument(path, FLAGS)).run()
    (key, _) = ANCHOR.findall(path.read_text())
    path.write_text(path.read_text().replace("All You Need**", f"All You Need{SUFFIX}**"))
    twin.refuse_next(key, 413)
    assert ListRunner("list", policy, twin, store, ListDocument(path, FLAGS)).run().refused
    settled = store.load("list", texts=False)
    kept = ListRunner("list", policy, twin, store, ListDocument(path, FLAGS, kept=True), keep=True)
    fresh = ListRunner("list", policy, twin, store, ListDocument(path, FLAGS))
    assert fresh.run(dry_run=True).plan == Plan()
    report = kept.run()
    assert report.plan == Plan()
    assert [(r.item_key, r.title) for r in report.refused] == [(key, f"{PAPERS[0][0]}{SUFFIX}")]
    assert store.load("list", texts=False).generation == settled.generation


def test_a_kept_runner_holds_one_string_for_a_created_key_in_the_list_the_item_and_the_row(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "list.md"
    path.write_text("".join(_block(*paper) for paper in PAPERS[:3]))
    document = ListDocument(path, FLAGS, kept=True)
    with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
        library = ZoteroLibrary(client)
        runner = ListRunner(
            "list", Policy("Reading List"), library, MemoryStateStore(), document, keep=True
        )
        assert runner.run().created == 3
    kept = runner._kept
    assert kept is not None
    anchors = [listed.entry.anchor for listed in document.document.entries]
    assert len(anchors) == 3
    for key in anchors:
        assert key is not None
        assert kept.snapshot.items[key].key is key
        assert kept.state.records[key].item_key is key
