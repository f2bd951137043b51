"""``replan`` under random edits on both sides: planning only what moved is the whole plan.

The planner machine's world, edits and runs (``test_planner_machine``), with one more check at
every plan: the plan :func:`~zotmark.core.replan.replan` makes from what the last applied plan
left, told only the keys whose item or base row changed since that plan was applied (as a
daemon's runner knows them: its own writes are not among them), equals the plan
:func:`~zotmark.core.planner.plan` makes of everything, field for field. The conflict policy
is the list's own here (not drawn per run), so that most runs keep the last pairing.
"""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule
from tests.core.test_planner_machine import COLL, START, PlannerMachine

from zotmark.core.item import Item
from zotmark.core.model import BaseRecord
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import plan
from zotmark.core.replan import Planned, replan


class ReplanMachine(PlannerMachine):
    """The planner machine, each of whose plans is also made by ``replan``."""

    def __init__(self) -> None:
        super().__init__()
        self.last: Planned | None = None
        self.made: list[Planned] = []
        self.items_then: dict[str, Item] = {}
        self.base_then: dict[str, BaseRecord] = {}

    @initialize(
        anchors=st.sampled_from([True, True, True, False]),
        on_md=st.sampled_from(["remove-from-collection", "trash", "keep"]),
        on_zot=st.sampled_from(["strike", "remove", "keep"]),
        conflict=st.sampled_from(["markdown-wins", "zotero-wins", "fail"]),
        start=START,
    )
    def configure(  # type: ignore[override]
        self, anchors: bool, on_md: Any, on_zot: Any, conflict: Any, start: Any
    ) -> None:
        """The planner machine's configuration and first run, with the list's own conflict
        policy for every run, and anchors more often than not (a pairing by anchors is the
        one that can stand)."""
        self.policy = Policy(COLL, conflict=conflict)
        PlannerMachine.configure(self, anchors, on_md, on_zot, start)

    @rule(force_delete=st.booleans())
    def sync(self, force_delete: bool) -> None:  # type: ignore[override]
        """Plan and apply one run (forcing past a tripped guard, or not)."""
        policy = self.policy
        if self._plan(policy).guards:
            if not force_delete:
                event("run stopped by a guard")
                return
            policy = policy._replace(force_delete=True)
        self._run(policy)

    @precondition(lambda self: any(item.deleted for item in self.world.library.values()))
    @rule()
    def zotero_empty_trash(self) -> None:
        """The user empties the trash: its items are deleted for good."""
        library = self.world.library
        for key in [key for key, item in library.items() if item.deleted]:
            del library[key]
        self.world.version += 1

    @rule(data=st.data())
    def sync_some_writes_failing(self, data: st.DataObject) -> None:
        """A run some of whose Zotero writes fail (a rate limit, a stale version): the rest
        lands, and the pairs of the failed writes keep their rows (the next run sends them
        again, though neither their entries, nor their items, nor their rows moved)."""
        self.made = []
        result = self._plan(self.policy)
        writes = sorted({action.key for action in result.zotero})
        if result.guards or any(c.winner is None for c in result.conflicts) or not writes:
            return
        failed = data.draw(st.sets(st.sampled_from(writes), min_size=1), label="failed")
        event("run applied with failed writes")
        self.world.apply(result, self.policy, failed)
        self._applied()

    def _moved(self) -> set[str]:
        """The keys whose item or base row changed since the last plan was applied."""
        world = self.world
        items = {k for k in world.library.keys() | self.items_then.keys()
                 if world.library.get(k) != self.items_then.get(k)}  # fmt: skip
        rows = {k for k in world.base.keys() | self.base_then.keys()
                if world.base.get(k) != self.base_then.get(k)}  # fmt: skip
        return items | rows

    def _plan(self, policy: Policy) -> Plan:
        entries, snapshot, base = self.world.entries(), self.world.snapshot(), dict(self.world.base)
        start = self.keys
        whole = plan(entries, snapshot, base, policy, new_key=self._keys_from(start))
        again, planned = replan(
            self.last, self._moved(), entries, snapshot, base, policy,
            new_key=self._keys_from(start),
        )  # fmt: skip
        kept = self.last is not None and planned.pairing is self.last.pairing
        event("the last pairing stands" if kept else "the entries paired again")
        assert again == whole, f"replan differs from plan:\n{again}\n{whole}"
        self.keys += len(whole.zotero)  # (at least as many keys as its creates drew)
        self.made.append(planned)
        return whole

    def _keys_from(self, start: int) -> Any:
        numbers = count(start + 1)
        return lambda: f"N{next(numbers):07d}"

    def _run(self, policy: Policy) -> None:
        """The planner machine's run; when it applied its plan (and planned once more to check
        the fixpoint), what that plan left is the last one's."""
        self.made = []
        super()._run(policy)
        if len(self.made) == 2:
            self._applied()

    def _applied(self) -> None:
        """The plan made first since ``made`` was emptied was applied: keep what it left, and
        the items and rows as they are now."""
        self.last = self.made[0]
        self.items_then, self.base_then = dict(self.world.library), dict(self.world.base)


TestReplanMachine = ReplanMachine.TestCase
TestReplanMachine.settings = settings(
    # at least 150 (CI derandomizes them); the long profile's own count when it is more
    max_examples=max(settings.default.max_examples, 150),
    stateful_step_count=30,
)
TestReplanMachine.pytestmark = [pytest.mark.timeout(420)]
