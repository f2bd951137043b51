"""core.replan: which pairs a list's next plan merges, and when its last pairing stands.

Every test also checks that the plan is the one ``plan`` makes of the same inputs (the
property ``test_replan_machine`` checks under random edits).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from itertools import count

from tests.core.test_planner import ARXIV, PAPER, POLICY, entry, item, record, snapshot

from zotmark.core.actions import SetBox, UpdateItem
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import ZoteroSnapshot, plan
from zotmark.core.replan import Planned, replan

A = entry("Attention Is All You Need", "https://arxiv.org/abs/1706.03762", anchor="AAAA2345")
B = entry("Deep Residual Learning", "https://doi.org/10.1109/CVPR.2016.90", line=2,
          anchor="BBBB2345")  # fmt: skip
ITEMS = (item("AAAA2345", A.title, A.url), item("BBBB2345", B.title, B.url))
BASE = {"AAAA2345": record(A, "AAAA2345"), "BBBB2345": record(B, "BBBB2345")}


def again(
    last: Planned,
    moved: Collection[str],
    entries: list[Entry],
    zotero: ZoteroSnapshot,
    base: Mapping[str, BaseRecord] = BASE,
    policy: Policy = POLICY,
) -> tuple[Plan, Planned]:
    """``replan``, checked to make the plan ``plan`` makes."""
    numbers, more = count(1), count(1)
    result = replan(
        last, moved, entries, zotero, base, policy, new_key=lambda: f"NEW{next(numbers):05d}"
    )
    assert result[0] == plan(entries, zotero, base, policy, new_key=lambda: f"NEW{next(more):05d}")
    return result


def synced(entries: list[Entry], policy: Policy = POLICY) -> Planned:
    """What the plan of the synced list leaves (every pair settled)."""
    the_plan, planned = replan(
        None, (), entries, snapshot(*ITEMS), BASE, policy, new_key=lambda: "UNUSED22"
    )
    assert the_plan.changes_nothing and planned.unsettled == frozenset()
    return planned


def test_a_ticked_box_is_planned_on_the_last_pairing() -> None:
    last = synced([A, B])
    result, planned = again(last, (), [A, B._replace(state="x")], snapshot(*ITEMS))
    assert result.zotero == (UpdateItem("BBBB2345", add_tags=frozenset({"read"})),)
    assert planned.pairing is last.pairing and planned.unsettled == {"BBBB2345"}


def test_an_item_said_to_move_is_planned() -> None:
    tagged = replace(ITEMS[0], tags=frozenset({"read"}), version=6)
    result, _ = again(synced([A, B]), {"AAAA2345"}, [A, B], snapshot(tagged, ITEMS[1]))
    assert result.file == (SetBox(1, "x"),)


def test_a_pair_the_last_plan_left_unsettled_is_planned_again() -> None:
    ticked = [A._replace(state="x"), B]
    _, last = replan(None, (), ticked, snapshot(*ITEMS), BASE, POLICY, new_key=lambda: "")
    assert last.unsettled == {"AAAA2345"}  # its update failed: nothing moved since
    result, _ = again(last, (), ticked, snapshot(*ITEMS))
    assert result.zotero == (UpdateItem("AAAA2345", add_tags=frozenset({"read"})),)


def test_a_pair_nothing_moved_for_is_left_out() -> None:
    tagged = replace(ITEMS[0], tags=frozenset({"read"}), version=6)
    numbers = count(1)
    result, _ = replan(
        synced([A, B]), (), [A, B], snapshot(tagged, ITEMS[1]), BASE, POLICY,
        new_key=lambda: f"NEW{next(numbers):05d}",
    )  # fmt: skip
    assert result.changes_nothing  # (the caller broke its promise: the item had moved)


def test_an_anchor_that_names_nothing_any_more_pairs_the_entries_again() -> None:
    last = synced([A, B])
    gone = {"BBBB2345": BASE["BBBB2345"]}  # the item deleted for good, its row lost
    result, planned = again(last, {"AAAA2345"}, [A, B], snapshot(ITEMS[1]), gone)
    assert planned.pairing is not last.pairing
    assert [a.key for a in result.zotero] == ["NEW00001"]  # a new entry: a new item


def test_a_changed_anchor_pairs_the_entries_again() -> None:
    last = synced([A, B])
    moved = B._replace(anchor="AAAA2345")
    _, planned = again(last, (), [A, moved], snapshot(*ITEMS))
    assert planned.pairing is not last.pairing and planned.pairing.duplicates == {1: 0}


def test_an_entry_added_pairs_the_entries_again() -> None:
    last = synced([A, B])
    new = entry("A New Paper", "https://example.org/new", line=3)
    _, planned = again(last, (), [A, B, new], snapshot(*ITEMS))
    assert planned.pairing is not last.pairing and planned.pairing.new == [2]


def test_a_pairing_not_by_anchors_is_made_again() -> None:
    unanchored = POLICY._replace(anchors=False)
    entries = [A._replace(anchor=None), B._replace(anchor=None)]
    last = synced(entries, unanchored)
    assert not last.pairing.by_anchors
    _, planned = again(last, (), entries, snapshot(*ITEMS), policy=unanchored)
    assert planned.pairing is not last.pairing


def test_another_policy_pairs_the_entries_again() -> None:
    last = synced([A, B])
    _, planned = again(last, (), [A, B], snapshot(*ITEMS), policy=POLICY._replace(anchors=False))
    assert planned.pairing is not last.pairing


def test_an_entry_read_again_equal_is_not_planned() -> None:
    last = synced([A, B])
    result, planned = again(last, (), [A._replace(), B._replace()], snapshot(*ITEMS))
    assert planned.pairing is last.pairing and result.unsettled == frozenset()


NEW = entry("A New Paper", "https://example.org/new", line=3)


def with_new() -> Planned:
    """What the plan of A, B and a new entry leaves (the new entry's create unsettled)."""
    numbers = count(1)
    _, planned = replan(
        None, (), [A, B, NEW], snapshot(*ITEMS), BASE, POLICY,
        new_key=lambda: f"NEW{next(numbers):05d}",
    )  # fmt: skip
    assert planned.pairing.new == [2] and planned.unsettled == {"NEW00001"}
    return planned


def test_a_new_entry_holding_the_anchor_of_its_item_is_paired_by_it() -> None:
    last, made = with_new(), item("NEW00001", NEW.title, NEW.url, version=6)
    base = {**BASE, "NEW00001": record(NEW, "NEW00001", version=6)}
    anchored = NEW._replace(anchor="NEW00001")
    result, planned = again(last, (), [A, B, anchored], snapshot(*ITEMS, made), base)
    assert planned.pairing.claimed["NEW00001"] == 2 and planned.pairing.by_anchors
    assert result.changes_nothing


def test_a_new_entry_holding_another_entrys_anchor_pairs_the_entries_again() -> None:
    last = with_new()
    _, planned = again(last, (), [A, B, NEW._replace(anchor="AAAA2345")], snapshot(*ITEMS))
    assert planned.pairing.duplicates == {2: 0}


def test_a_new_entry_holding_an_anchor_that_names_nothing_pairs_the_entries_again() -> None:
    last = with_new()
    _, planned = again(last, (), [A, B, NEW._replace(anchor="ZZZZ2345")], snapshot(*ITEMS))
    assert planned.pairing.new == [2]


def test_a_new_entry_anchored_to_an_item_out_of_the_collection_brings_it_in() -> None:
    last, other = with_new(), item("CCCC2345", "Some other paper", in_collection=False)
    result, _ = again(last, (), [A, B, NEW._replace(anchor="CCCC2345")], snapshot(*ITEMS, other))
    assert [type(a).__name__ for a in result.zotero] == ["AdoptItem", "UpdateItem"]


def test_a_held_line_is_planned_each_run_so_its_note_is_said_each_time() -> None:
    earlier = replace(item("EARL2345", PAPER.title, ARXIV), added=20260101000000)
    trashed = replace(item("ABCD2345", PAPER.title, ARXIV, deleted=True), added=20260102000000)
    first = entry(PAPER.title, ARXIV, line=1, anchor="EARL2345")
    second = entry(PAPER.title, ARXIV, line=2, anchor="ABCD2345")  # (its item, now a twin)
    base = {"EARL2345": record(first, "EARL2345"), "ABCD2345": record(second, "ABCD2345")}
    zotero = snapshot(earlier, trashed)
    _, last = replan(None, (), [first, second], zotero, base, POLICY, new_key=lambda: "")
    result, _ = again(last, (), [first, second], zotero, base)
    assert any("line 2 holds a twin" in note for note in result.notes)
