"""The planner under random edits on both sides, checked against DESIGN §4 after every run.

A hypothesis state machine in the spirit of vdirsyncer's sync tests: users edit the reading
list and the Zotero library at random, sometimes the state is lost, and every ``sync`` plans
and applies the plan to a model world (``plan_simulation``). After every successful run
(no guard left standing, no unresolved conflict) the oracle (``plan_oracle``) checks that both
sides agree, a second plan changes nothing and records the same base, no item is ever
duplicated (also after the state was lost), no edit made since the last run is lost, and only
unedited pairs whose other side was deleted go, as the deletion policy says.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from tests.core.plan_oracle import (
    MARKERS,
    STATUS_TAGS,
    check_both_sides_agree,
    check_forecast,
    check_no_duplicate_create,
    forecast,
    look_alike_records,
    same_paper,
)
from tests.core.plan_simulation import Row, World

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import Entry
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import plan

COLL = "COLL2345"
OTHER = "OTHR2345"
FLAG = "relevant"
SUFFIX = ": Revisited"
PAPERS = (
    ("Attention Is All You Need", "https://arxiv.org/abs/1706.03762"),
    ("Vision Transformers are Robust Learners", "https://arxiv.org/abs/2105.07581"),
    (
        "Visual and Audio-Based Emotion Recognition in Music Performances",
        "https://ar5iv.labs.arxiv.org/html/2004.09476",
    ),
    (
        "Skeleton-Based Audio-Visual Learning for Source Separation",
        "https://arxiv.org/abs/2004.09476v2",
    ),
    ("Deep Residual Learning for Image Recognition", "https://doi.org/10.1109/CVPR.2016.90"),
    ("A Blog Post About Transformers", "https://example.org/blog/transformers"),
    ("Notes on Syncing Reading Lists", None),
)
FLAG_BOXES: tuple[dict[str, bool], ...] = ({}, {FLAG: False}, {FLAG: True})
START = st.lists(
    st.tuples(st.sampled_from(PAPERS), st.sampled_from(MARKERS), st.sampled_from(FLAG_BOXES)),
    max_size=4,
    unique_by=lambda paper: paper[0],
)
"""The entries a list starts with: a few papers, each in a reading state (or with a marker
zotmark does not know), with or without a flag."""


# --- the machine ----------------------------------------------------------------------------


class PlannerMachine(RuleBasedStateMachine):
    """Random edits on both sides, random runs; DESIGN §4 invariants after each success."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World(COLL)
        self.policy = Policy(collection=COLL)
        self.keys = 0
        self.state_lost = False

    def _key(self, prefix: str) -> str:
        self.keys += 1
        return f"{prefix}{self.keys:07d}"

    @initialize(
        anchors=st.booleans(),
        on_md=st.sampled_from(["remove-from-collection", "trash", "keep"]),
        on_zot=st.sampled_from(["strike", "remove", "keep"]),
        start=START,
    )
    def configure(self, anchors: bool, on_md: Any, on_zot: Any, start: Any) -> None:
        """One list's configuration (the conflict policy varies per run), and a first run
        over a few entries, so that most steps edit an already synced list."""
        self.policy = self.policy._replace(
            anchors=anchors, on_markdown_delete=on_md, on_zotero_delete=on_zot
        )
        for (title, url), marker, boxes in start:
            self.world.add_row(Entry(0, title, url, identify(title, url), marker, dict(boxes)))
        self._run(self.policy)

    # -- edits in the file -------------------------------------------------------------------

    def _addable(self) -> list[tuple[str, str | None]]:
        papers = list(PAPERS)
        papers += [(i.title, i.url) for i in self.world.library.values() if not self._live(i)]
        active = [r.entry for r in self.world.active_rows()]
        return [p for p in papers if not any(same_paper(e, *p) for e in active)]

    def _live(self, item: Item) -> bool:
        return self.world.live(item.key) is not None

    @precondition(lambda self: self._addable())
    @rule(data=st.data(), marker=st.sampled_from(MARKERS), boxes=st.sampled_from(FLAG_BOXES))
    def add_entry(self, data: st.DataObject, marker: str, boxes: dict[str, bool]) -> None:
        """The user adds a paper to the list (maybe one the library already has)."""
        title, url = data.draw(st.sampled_from(self._addable()), label="paper")
        self.world.add_row(Entry(0, title, url, identify(title, url), marker, dict(boxes)))

    @precondition(lambda self: self.world.rows)
    @rule(data=st.data())
    def remove_entry(self, data: st.DataObject) -> None:
        """The user deletes an entry (struck ones included)."""
        row = data.draw(st.sampled_from(self.world.rows), label="row")
        self.world.remove_row(row.uid)

    def _pick_entry(self, data: st.DataObject, with_flag: bool = False) -> Row:
        rows = [r for r in self.world.active_rows() if FLAG in r.entry.flags or not with_flag]
        return data.draw(st.sampled_from(rows), label="row")

    @precondition(lambda self: self.world.active_rows())
    @rule(data=st.data(), cosmetic=st.booleans())
    def retitle_entry(self, data: st.DataObject, cosmetic: bool) -> None:
        """The user retitles an entry (a cosmetic change only changes case)."""
        row = self._pick_entry(data)
        title = _retitled(row.entry.title, cosmetic)
        changed = row.entry._replace(title=title, ident=identify(title, row.entry.url))
        self.world.replace_row(row.uid, changed)

    @precondition(lambda self: self.world.active_rows())
    @rule(data=st.data(), marker=st.sampled_from(MARKERS))
    def mark_entry(self, data: st.DataObject, marker: str) -> None:
        """The user types a marker into an entry's own box (a state, or one zotmark does not
        know)."""
        row = self._pick_entry(data)
        self.world.replace_row(row.uid, row.entry._replace(state=marker))

    @precondition(lambda self: any(FLAG in r.entry.flags for r in self.world.active_rows()))
    @rule(data=st.data())
    def toggle_flag(self, data: st.DataObject) -> None:
        """The user ticks or unticks an entry's Relevant? box."""
        row = self._pick_entry(data, with_flag=True)
        flags = {**row.entry.flags, FLAG: not row.entry.flags[FLAG]}
        self.world.replace_row(row.uid, row.entry._replace(flags=flags))

    # -- edits in Zotero ---------------------------------------------------------------------

    def _new_papers(self) -> list[tuple[str, str | None]]:
        items = self.world.library.values()
        return [p for p in PAPERS if not any(same_paper(i, *p) for i in items)]

    @precondition(lambda self: self._new_papers())
    @rule(
        data=st.data(),
        in_collection=st.booleans(),
        tags=st.frozensets(st.sampled_from([*STATUS_TAGS, FLAG, "mine"])),
    )
    def zotero_new_item(self, data: st.DataObject, in_collection: bool, tags: Any) -> None:
        """The user creates an item in Zotero, in the collection or elsewhere in the library."""
        title, url = data.draw(st.sampled_from(self._new_papers()), label="paper")
        where = frozenset({COLL if in_collection else OTHER})
        item = Item(self._key("Z"), 0, "preprint", title, url, identify(title, url), tags, where)
        self.world.write_item(item)

    def _pick_item(self, data: st.DataObject, live: bool) -> Item:
        keys = [k for k in sorted(self.world.library) if (self.world.live(k) is not None) == live]
        return self.world.library[data.draw(st.sampled_from(keys), label="item")]

    @precondition(lambda self: len(self.world.live_keys()) < len(self.world.library))
    @rule(data=st.data())
    def zotero_add_to_collection(self, data: st.DataObject) -> None:
        """The user puts a library item (maybe from the trash) into the collection."""
        item = self._pick_item(data, live=False)
        self.world.write_item(replace(item, collections=item.collections | {COLL}, deleted=False))

    @precondition(lambda self: self.world.live_keys())
    @rule(data=st.data(), trash=st.booleans())
    def zotero_remove(self, data: st.DataObject, trash: bool) -> None:
        """The user takes an item out of the collection, or trashes it."""
        item = self._pick_item(data, live=True)
        removed = replace(item, collections=item.collections - {COLL})
        self.world.write_item(replace(item, deleted=True) if trash else removed)

    @precondition(lambda self: self.world.live_keys())
    @rule(data=st.data(), tag=st.sampled_from([*STATUS_TAGS, FLAG]))
    def zotero_toggle_tag(self, data: st.DataObject, tag: str) -> None:
        """The user adds or removes a status tag (read, reading, not-reading: an item may
        carry several) or the relevant tag."""
        item = self._pick_item(data, live=True)
        self.world.write_item(replace(item, tags=item.tags ^ {tag}))

    @precondition(lambda self: self.world.live_keys())
    @rule(data=st.data(), cosmetic=st.booleans())
    def zotero_retitle(self, data: st.DataObject, cosmetic: bool) -> None:
        """The user (or enrichment) retitles an item."""
        item = self._pick_item(data, live=True)
        self.world.write_item(replace(item, title=_retitled(item.title, cosmetic)))

    @rule()
    def lose_state(self) -> None:
        """The state file is deleted (DESIGN §4 invariant 3)."""
        self.world.base = {}
        self.state_lost = bool(self.world.rows or self.world.library)

    # -- the run -------------------------------------------------------------------------------

    def _plan(self, policy: Policy) -> Plan:
        new_key = lambda: self._key("N")  # noqa: E731
        entries, snapshot = self.world.entries(), self.world.snapshot()
        return plan(entries, snapshot, dict(self.world.base), policy, new_key=new_key)

    @rule(data=st.data(), conflict=st.sampled_from(["markdown-wins", "zotero-wins", "fail"]))
    def sync(self, data: st.DataObject, conflict: Any) -> None:
        """Plan and apply one run (forcing past a tripped guard, or not)."""
        policy = self.policy._replace(conflict=conflict)
        if self._plan(policy).guards:
            if not data.draw(st.booleans(), label="force_delete"):
                event("run stopped by a guard")
                return
            policy = policy._replace(force_delete=True)
        self._run(policy)

    def _run(self, policy: Policy) -> None:
        """Plan and apply one run; check the invariants when it succeeds."""
        result = self._plan(policy)
        assert not result.guards or not policy.force_delete
        if result.guards or any(c.winner is None for c in result.conflicts):
            event("run stopped by a guard or an unresolved conflict")
            return  # the runner stops before anything is written
        event("run applied" + (" after state loss" if self.state_lost else ""))
        check_no_duplicate_create(self.world, result)
        told = forecast(self.world, policy)
        for expect in told.expected:
            event(f"checked: {expect.why}")
        self.world.apply(result, policy)
        self.state_lost = False
        pairs = check_both_sides_agree(self.world, policy)
        check_forecast(self.world, pairs, told, policy)
        again = self._plan(policy)
        assert again.changes_nothing, f"second plan is not empty: {again}"
        assert not again.conflicts and not again.guards, again
        if not look_alike_records(self.world):
            assert again.records == {} and not again.unsettled, "the base is not a fixpoint"


def _retitled(title: str, cosmetic: bool) -> str:
    if cosmetic:
        return title.upper() if title != title.upper() else title.lower()
    return title.removesuffix(SUFFIX) if title.endswith(SUFFIX) else title + SUFFIX


TestPlannerMachine = PlannerMachine.TestCase
TestPlannerMachine.settings = settings(stateful_step_count=30)
# Passing runs take a few seconds; shrinking a failure can take minutes (hypothesis stops after
# five), and the minimal example is worth more than the suite's default 120 s timeout.
TestPlannerMachine.pytestmark = [pytest.mark.timeout(420)]
