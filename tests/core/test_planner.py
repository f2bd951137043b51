"""The planner's decision table (DESIGN §4), one row per test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from itertools import count

from zotmark.core.actions import (
    AdoptItem,
    Conflict,
    CreateItem,
    InsertEntry,
    RemoveEntry,
    RemoveItem,
    SetAnchor,
    SetBox,
    SetTitle,
    StrikeEntry,
    UpdateItem,
)
from zotmark.core.creates import pending_key
from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry, Refusal
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import ZoteroSnapshot, plan

COLL = "COLL2345"
POLICY = Policy(collection=COLL)


def entry(
    title: str,
    url: str | None = None,
    *,
    line: int = 1,
    state: str = " ",
    relevant: bool | None = False,
    anchor: str | None = None,
) -> Entry:
    flags = {} if relevant is None else {"relevant": relevant}
    ident = identify(title, url)
    return Entry(line, title, url, ident, state, flags, (), anchor)


def item(
    key: str,
    title: str,
    url: str | None = None,
    *,
    tags: Iterable[str] = (),
    in_collection: bool = True,
    deleted: bool = False,
    version: int = 5,
) -> Item:
    collections = frozenset({COLL}) if in_collection else frozenset()
    ident = identify(title, url)
    return Item(key, version, "preprint", title, url, ident, frozenset(tags), collections, deleted)


def snapshot(*items: Item) -> ZoteroSnapshot:
    library = {i.key: i for i in items}
    return ZoteroSnapshot(library, frozenset(i.key for i in items if COLL in i.collections))


def record(e: Entry, key: str, *, version: int = 5, **changes: object) -> BaseRecord:
    base = BaseRecord(
        key, e.ident.primary or "", e.title, e.url, e.state, dict(e.flags), version, e.title
    )
    return base._replace(**changes)  # type: ignore[arg-type]


def run(
    entries: list[Entry],
    zotero: ZoteroSnapshot,
    base: Mapping[str, BaseRecord] | None = None,
    policy: Policy = POLICY,
    pending: Mapping[tuple[str, str], str] | None = None,
    refused: Mapping[str, Refusal] | None = None,
) -> Plan:
    numbers = count(1)
    return plan(
        entries,
        zotero,
        base or {},
        policy,
        new_key=lambda: f"NEW{next(numbers):05d}",
        pending=pending,
        refused=refused,
    )


ARXIV = "https://arxiv.org/abs/2105.07581"
PAPER = entry("Vision Transformers are Robust Learners", ARXIV, anchor="ABCD2345")
SYNCED = item("ABCD2345", "Vision Transformers are Robust Learners", ARXIV)
BASE = {"ABCD2345": record(PAPER, "ABCD2345")}


def test_new_entry_creates_an_item_and_anchors_the_line() -> None:
    new = PAPER._replace(anchor=None, state="x")
    result = run([new], snapshot())
    assert result.zotero == (CreateItem("NEW00001", new, frozenset({"read"})),)
    assert result.file == (SetAnchor(1, "NEW00001"),)
    assert result.records["NEW00001"].state == "x"


def test_new_entry_reuses_the_key_of_its_pending_create() -> None:
    new = PAPER._replace(anchor=None)
    result = run([new], snapshot(), pending={pending_key(new): "PEND2345"})
    assert [a.key for a in result.zotero if isinstance(a, CreateItem)] == ["PEND2345"]


def test_new_entry_already_in_the_library_is_adopted_not_created() -> None:
    outside = replace(SYNCED, collections=frozenset())
    result = run([PAPER._replace(anchor=None)], snapshot(outside))
    assert result.zotero[0] == AdoptItem("ABCD2345", PAPER._replace(anchor=None))
    assert not any(isinstance(a, CreateItem) for a in result.zotero)


def test_new_entry_matching_a_collection_item_pairs_without_writes_to_zotero() -> None:
    result = run([PAPER._replace(anchor=None)], snapshot(SYNCED))
    assert result.zotero == ()
    assert result.file == (SetAnchor(1, "ABCD2345"),)


def test_two_titles_sharing_one_arxiv_id_get_two_items() -> None:
    url = "https://ar5iv.labs.arxiv.org/html/2004.09476"
    first = entry("Visual and Audio-Based Emotion Recognition in Music Performances", url)
    second = entry("Skeleton-Based Audio-Visual Learning for Source Separation", url, line=3)
    result = run([first, second], snapshot())
    assert [a.key for a in result.zotero if isinstance(a, CreateItem)] == ["NEW00001", "NEW00002"]


def test_shared_arxiv_id_pairs_each_entry_with_its_own_titled_item() -> None:
    url = "https://ar5iv.labs.arxiv.org/html/2004.09476"
    first = entry("Visual and Audio-Based Emotion Recognition", url)
    second = entry("Skeleton-Based Audio-Visual Learning", url, line=3)
    items = (item("AAAA2345", second.title, url), item("BBBB2345", first.title, url))
    result = run([first, second], snapshot(*items))
    assert result.file == (SetAnchor(1, "BBBB2345"), SetAnchor(3, "AAAA2345"))


def test_tag_added_in_zotero_ticks_the_box_and_nothing_else() -> None:
    result = run([PAPER], snapshot(replace(SYNCED, tags=frozenset({"read"}))), BASE)
    assert result.file == (SetBox(1, "x"),)
    assert result.zotero == ()


def test_box_ticked_in_the_file_adds_the_tag() -> None:
    result = run([PAPER._replace(state="x")], snapshot(SYNCED), BASE)
    assert result.zotero == (UpdateItem("ABCD2345", add_tags=frozenset({"read"})),)
    assert result.file == ()


def test_flag_unticked_in_the_file_removes_only_that_tag() -> None:
    tagged = replace(SYNCED, tags=frozenset({"relevant", "mine"}))
    base = {"ABCD2345": record(PAPER, "ABCD2345", flags={"relevant": True})}
    result = run([PAPER], snapshot(tagged), base)
    assert result.zotero == (UpdateItem("ABCD2345", remove_tags=frozenset({"relevant"})),)


def test_box_ticked_in_file_and_flag_tagged_in_zotero_both_survive() -> None:
    tagged = replace(SYNCED, tags=frozenset({"relevant"}))
    result = run([PAPER._replace(state="x")], snapshot(tagged), BASE)
    assert result.zotero == (UpdateItem("ABCD2345", add_tags=frozenset({"read"})),)
    assert result.file == (SetBox(1, "x", "relevant"),)
    assert result.records["ABCD2345"].flags == {"relevant": True}


def test_same_change_on_both_sides_only_records_it() -> None:
    result = run([PAPER._replace(state="x")], snapshot(replace(SYNCED, tags={"read"})), BASE)
    assert result.changes_nothing
    assert result.records["ABCD2345"].state == "x"


def test_difference_without_base_follows_markdown_wins() -> None:
    result = run([PAPER], snapshot(replace(SYNCED, tags=frozenset({"read"}))))
    assert result.zotero == (UpdateItem("ABCD2345", remove_tags=frozenset({"read"})),)
    assert [c.winner for c in result.conflicts] == ["markdown"]


def test_difference_without_base_follows_zotero_wins() -> None:
    policy = POLICY._replace(conflict="zotero-wins")
    result = run([PAPER], snapshot(replace(SYNCED, tags=frozenset({"read"}))), policy=policy)
    assert result.file == (SetBox(1, "x"),)
    assert result.zotero == ()


def test_difference_without_base_under_fail_is_an_unresolved_conflict() -> None:
    policy = POLICY._replace(conflict="fail")
    result = run([PAPER], snapshot(replace(SYNCED, tags=frozenset({"read"}))), policy=policy)
    assert [(c.field, c.winner) for c in result.conflicts] == [("state", None)]


def test_retitle_in_the_file_is_pushed_to_zotero() -> None:
    renamed = PAPER._replace(title="ViTs are robust")
    result = run([renamed], snapshot(SYNCED), BASE)
    assert result.zotero == (UpdateItem("ABCD2345", title="ViTs are robust"),)


def test_retitle_in_zotero_is_written_into_the_file() -> None:
    result = run([PAPER], snapshot(replace(SYNCED, title="ViTs are robust")), BASE)
    assert result.file == (SetTitle(1, "ViTs are robust"),)


def test_canonical_title_from_enrichment_is_not_a_retitle() -> None:
    canonical = replace(SYNCED, title="Vision Transformers Are Robust Learners (AAAI)")
    base = {"ABCD2345": record(PAPER, "ABCD2345", item_title=canonical.title)}
    assert run([PAPER], snapshot(canonical), base).changes_nothing


def test_entry_removed_from_file_removes_item_from_collection() -> None:
    result = run([], snapshot(SYNCED), BASE, policy=POLICY._replace(force_delete=True))
    assert result.zotero == (RemoveItem("ABCD2345"),)
    assert result.forget == ("ABCD2345",)


def test_entry_removed_from_file_trashes_item_under_trash_policy() -> None:
    policy = POLICY._replace(on_markdown_delete="trash")
    result = run([], snapshot(SYNCED), BASE, policy=policy)
    assert result.zotero == (RemoveItem("ABCD2345", trash=True),)


def test_entry_removed_from_file_keeps_item_under_keep_policy() -> None:
    policy = POLICY._replace(on_markdown_delete="keep")
    result = run([], snapshot(SYNCED), BASE, policy=policy)
    assert result.changes_nothing
    assert result.forget == () and result.records == {}  # settled: its base row stands


def test_entry_removed_but_item_edited_in_zotero_comes_back() -> None:
    result = run([], snapshot(replace(SYNCED, tags=frozenset({"read"}))), BASE)
    assert [type(a) for a in result.file] == [InsertEntry]
    assert result.zotero == ()


def test_item_removed_from_collection_strikes_the_entry() -> None:
    outside = replace(SYNCED, collections=frozenset())
    result = run([PAPER], snapshot(outside), BASE)
    assert result.file == (StrikeEntry(1),)
    assert result.forget == ("ABCD2345",)


def test_item_trashed_removes_the_entry_under_remove_policy() -> None:
    policy = POLICY._replace(on_zotero_delete="remove")
    result = run([PAPER], snapshot(replace(SYNCED, deleted=True)), BASE, policy=policy)
    assert result.file == (RemoveEntry(1),)


def test_item_removed_but_entry_edited_is_brought_back() -> None:
    outside = replace(SYNCED, collections=frozenset())
    result = run([PAPER._replace(state="x")], snapshot(outside), BASE)
    assert AdoptItem("ABCD2345", PAPER._replace(state="x")) in result.zotero


def test_entry_whose_item_is_gone_for_good_and_was_edited_is_created_again() -> None:
    result = run([PAPER._replace(state="x")], snapshot(), BASE)
    assert [type(a) for a in result.zotero] == [CreateItem]


def test_new_item_in_collection_is_appended_with_its_flags() -> None:
    new = item("NEWK2345", "Attention Is All You Need", tags={"relevant"})
    result = run([PAPER], snapshot(SYNCED, new), BASE)
    assert result.file == (
        InsertEntry("NEWK2345", "Attention Is All You Need", None, " ", {"relevant": True}),
    )


def test_trashed_item_in_collection_is_not_appended() -> None:
    new = item("NEWK2345", "Attention Is All You Need", deleted=True)
    assert run([PAPER], snapshot(SYNCED, new), BASE).changes_nothing


def test_synced_pair_plans_nothing() -> None:
    result = run([PAPER], snapshot(SYNCED), BASE)
    assert result.changes_nothing
    assert result.conflicts == ()


def test_duplicate_anchor_is_noted_and_skipped() -> None:
    copy = PAPER._replace(line=5)
    result = run([PAPER, copy], snapshot(SYNCED), BASE)
    assert result.changes_nothing
    assert result.notes == (
        "line 5 repeats the anchor of line 1: left out of the sync (delete it)",
    )


def test_the_same_paper_listed_twice_creates_one_item() -> None:
    first = PAPER._replace(anchor=None)
    again = first._replace(line=7)
    result = run([first, again], snapshot())
    assert [a.key for a in result.zotero] == ["NEW00001"]
    assert result.file == (SetAnchor(1, "NEW00001"),)
    assert result.notes == (
        "line 7 repeats the paper of line 1: left out of the sync (delete it, or make it a "
        "different paper)",
    )


def test_the_same_paper_added_again_after_it_was_synced_is_left_out() -> None:
    again = PAPER._replace(line=9, anchor=None, state="x")
    result = run([PAPER, again], snapshot(SYNCED), BASE)
    assert result.changes_nothing
    assert result.notes[0].startswith("line 9 repeats the paper of line 1")


def test_two_titles_behind_one_arxiv_id_stay_two_items() -> None:
    """The original list links two different papers to 2004.09476: not a duplicate."""
    url = "https://arxiv.org/abs/2004.09476"
    one, other = entry("Paper one", url), entry("Paper two", url, line=3)
    result = run([one, other], snapshot())
    assert [a.key for a in result.zotero] == ["NEW00001", "NEW00002"]
    assert result.notes == ()


def _many(n: int) -> tuple[list[Entry], ZoteroSnapshot, dict[str, BaseRecord]]:
    entries = [entry(f"Paper number {i}", line=i + 1, anchor=f"KEY{i:05d}") for i in range(n)]
    items = [item(f"KEY{i:05d}", f"Paper number {i}") for i in range(n)]
    base = {f"KEY{i:05d}": record(e, f"KEY{i:05d}") for i, e in enumerate(entries)}
    return entries, snapshot(*items), base


# --- regressions found by the state machine (test_planner_machine.py) -------------------------


def test_entry_ticked_while_its_item_left_the_collection_keeps_the_tick_under_zotero_wins() -> None:
    outside = replace(SYNCED, collections=frozenset())
    policy = POLICY._replace(conflict="zotero-wins")
    result = run([PAPER._replace(state="x")], snapshot(outside), BASE, policy=policy)
    assert UpdateItem("ABCD2345", add_tags=frozenset({"read"})) in result.zotero
    assert result.file == ()
    assert result.conflicts == ()


def test_entry_retitled_while_its_item_left_the_collection_pushes_the_title() -> None:
    outside = replace(SYNCED, collections=frozenset())
    result = run([PAPER._replace(title="ViTs are robust")], snapshot(outside), BASE)
    assert UpdateItem("ABCD2345", title="ViTs are robust") in result.zotero


def test_zotero_retitle_of_a_title_only_entry_records_the_new_title_as_its_identity() -> None:
    notes = entry("Notes on syncing")
    retitled = item("ABCD2345", "Notes on syncing, revisited")
    result = run([notes], snapshot(retitled), {"ABCD2345": record(notes, "ABCD2345")})
    assert SetTitle(1, "Notes on syncing, revisited") in result.file
    assert result.records["ABCD2345"].ident_key == "title:notes on syncing revisited"


def test_identical_entries_without_anchors_keep_their_own_items() -> None:
    unread, read = entry(PAPER.title, ARXIV), entry(PAPER.title, ARXIV, line=3, state="x")
    items = (item("AAAA2345", PAPER.title, ARXIV), item("BBBB2345", PAPER.title, ARXIV))
    items = (items[0], replace(items[1], tags=frozenset({"read"})))
    base = {"AAAA2345": record(unread, "AAAA2345"), "BBBB2345": record(read, "BBBB2345")}
    policy = POLICY._replace(anchors=False)
    assert run([read, unread], snapshot(*items), base, policy=policy).changes_nothing


def test_entry_kept_after_its_item_left_the_collection_is_still_anchored() -> None:
    outside = replace(SYNCED, collections=frozenset())
    policy = POLICY._replace(on_zotero_delete="keep")
    result = run([PAPER._replace(anchor=None)], snapshot(outside), BASE, policy=policy)
    assert result.file == (SetAnchor(1, "ABCD2345"),)
    assert result.zotero == ()


def test_entry_kept_after_its_item_left_the_collection_records_only_its_own_boxes() -> None:
    outside = replace(SYNCED, collections=frozenset())
    policy = POLICY._replace(on_zotero_delete="keep")
    no_flag_box = PAPER._replace(flags={})
    result = run([no_flag_box], snapshot(outside), BASE, policy=policy)
    assert result.records["ABCD2345"].flags == {}


def test_entry_edited_after_its_item_went_for_good_takes_no_item_of_another_linked_paper() -> None:
    """Two papers behind one arXiv link were synced; the first's item was deleted for good
    and its entry edited, the second's entry removed. The edit brings the first paper back as
    a new item: the second paper's item, of the link but not of the title, is no item of it
    (the entry took it, retitled to it, and kept it in the collection: pf1, replan machine)."""
    url = "https://arxiv.org/abs/2004.09476"
    visual = entry("Visual and Audio-Based Emotion Recognition", url, anchor="AAAA2345")
    skeleton = entry("Skeleton-Based Audio-Visual Learning", url, line=2, anchor="BBBB2345")
    base = {"AAAA2345": record(visual, "AAAA2345"), "BBBB2345": record(skeleton, "BBBB2345")}
    other = item("BBBB2345", skeleton.title, url)
    result = run([visual._replace(state="x")], snapshot(other), base)
    assert [type(a) for a in result.zotero] == [CreateItem, RemoveItem]
    assert not any(isinstance(a, SetTitle) for a in result.file)


def test_new_entry_adopts_its_titled_library_item_over_a_collection_item_sharing_its_id() -> None:
    url = "https://ar5iv.labs.arxiv.org/html/2004.09476"
    visual = entry("Visual and Audio-Based Emotion Recognition", url)
    other = item("AAAA2345", "Skeleton-Based Audio-Visual Learning", url)
    own = item("BBBB2345", visual.title, url, in_collection=False)
    result = run([visual], snapshot(other, own))
    assert result.zotero[0] == AdoptItem("BBBB2345", visual)
    assert [type(a) for a in result.file] == [SetAnchor, InsertEntry]


def test_look_alike_entries_without_anchors_keep_their_own_items() -> None:
    lower, upper = entry(PAPER.title, ARXIV), entry(PAPER.title.upper(), ARXIV, line=3)
    items = (item("AAAA2345", PAPER.title, ARXIV), item("BBBB2345", PAPER.title, ARXIV))
    base = {
        "AAAA2345": record(upper, "AAAA2345", item_title=PAPER.title),
        "BBBB2345": record(lower, "BBBB2345"),
    }
    result = run([lower, upper], snapshot(*items), base, policy=POLICY._replace(anchors=False))
    assert result.records == {} and result.unsettled == frozenset()  # both rows stand


def test_entry_kept_after_its_item_left_records_the_boxes_it_has() -> None:
    """on_zotero_delete = keep: an entry with a flag box the base did not know yet records
    that box as the file has it (found by the planner machine, seed 3)."""
    boxed = PAPER._replace(flags={"relevant": False})
    base = {"ABCD2345": record(PAPER, "ABCD2345", flags={})}
    outside = replace(SYNCED, collections=frozenset())
    result = run([boxed], snapshot(outside), base, policy=POLICY._replace(on_zotero_delete="keep"))
    assert result.changes_nothing
    assert dict(result.records["ABCD2345"].flags) == {"relevant": False}


def test_a_repeat_is_judged_by_the_title_the_run_leaves() -> None:
    """An entry repeats a paired entry's paper as it stands after the run: retitled from
    Zotero, the paired entry no longer repeats the unpaired one's old title, and the other way
    round (found by the planner machine, seeds 3 and 4)."""
    retitled = replace(SYNCED, title="Vision Transformers are Robust Learners: Revisited")
    old_title = PAPER._replace(line=4, anchor=None)
    result = run([PAPER, old_title], snapshot(retitled), BASE)
    assert SetTitle(1, retitled.title) in result.file
    assert [type(a) for a in result.zotero] == [CreateItem]
    assert result.notes == ()
    new_title = entry(retitled.title, ARXIV, line=4)
    result = run([PAPER, new_title], snapshot(retitled), BASE)
    assert not any(isinstance(a, CreateItem) for a in result.zotero)
    assert result.notes[0].startswith("line 4 repeats the paper of line 1")


RETITLED = replace(SYNCED, title="Vision Transformers Are Robust: A Study")


def test_lost_state_with_titles_that_differ_is_a_conflict_the_file_wins_by_default() -> None:
    result = run([PAPER], snapshot(RETITLED))  # anchored, but no base row: the state was lost
    assert result.conflicts == (
        Conflict("ABCD2345", "title", PAPER.title, RETITLED.title, "markdown"),
    )
    assert result.zotero == (UpdateItem("ABCD2345", title=PAPER.title),)


def test_lost_state_with_titles_that_differ_follows_zotero_wins() -> None:
    result = run([PAPER], snapshot(RETITLED), policy=POLICY._replace(conflict="zotero-wins"))
    assert [c.winner for c in result.conflicts] == ["zotero"]
    assert result.file == (SetTitle(1, RETITLED.title),)
    assert result.zotero == ()


def test_new_entry_paired_with_a_library_item_keeps_both_titles() -> None:
    """Not a lost state: a short title in the list for a paper the library has in full."""
    short = PAPER._replace(anchor=None, title="ViT robustness")
    result = run([short], snapshot(RETITLED))
    assert result.conflicts == ()
    assert not any(isinstance(a, UpdateItem) and a.title for a in result.zotero)


def test_lost_state_with_an_abbreviated_list_title_is_no_conflict() -> None:
    abbreviated = PAPER._replace(title="Vision Transformers Are Robust: A ...")
    result = run([abbreviated], snapshot(RETITLED))
    assert result.conflicts == ()
    assert result.changes_nothing


def test_a_repeat_never_takes_another_item_of_its_identifier() -> None:
    """Two papers behind one arXiv id, each with its item; the list now holds the second paper
    twice and the first no more: the repeat must not be paired with the first paper's item
    (it pushed its title over it; found by the planner machine, seed 23)."""
    url = "https://arxiv.org/abs/2004.09476"
    visual, skeleton = entry("Visual Emotion Recognition", url), entry("Skeleton Learning", url)
    base = {"VISU2345": record(visual, "VISU2345"), "SKEL2345": record(skeleton, "SKEL2345")}
    items = [item("VISU2345", visual.title, url), item("SKEL2345", skeleton.title, url)]
    again = skeleton._replace(line=3)
    result = run([skeleton, again], snapshot(*items), base, policy=POLICY._replace(anchors=False))
    assert result.zotero == (RemoveItem("VISU2345"),)  # its entry left the list; no retitle
    assert result.notes[0].startswith("line 3 repeats the paper of line 1")


def test_a_repeat_never_adopts_a_library_item_of_its_paper() -> None:
    """The list holds one paper twice; the first entry has its item in the collection and the
    library has another item of the paper (same identifier and title) outside it: the repeat
    is noted, not paired with that item and brought into the collection (a run after one that
    released the item adopted it, so the run was not idempotent; found by the planner
    machine's long profile)."""
    url = "https://arxiv.org/abs/2004.09476"
    visual = entry("Visual Emotion Recognition", url)
    base = {"VISU2345": record(visual, "VISU2345")}
    items = [
        item("VISU2345", visual.title, url),
        item("OUTS2345", visual.title, url, in_collection=False),
    ]
    again = visual._replace(line=3)
    result = run([visual, again], snapshot(*items), base, policy=POLICY._replace(anchors=False))
    assert result.zotero == ()
    assert result.notes[0].startswith("line 3 repeats the paper of line 1")


def test_a_repeat_never_restores_a_trashed_collection_item_of_its_paper() -> None:
    """Without anchors, the list holds one paper twice, the first entry with its item; a
    trashed item of the paper is still in the collection (the line that held it was struck):
    the repeat is noted, not paired with it and brought back (the run after the one that
    struck its line did; found by the planner machine's long profile)."""
    visual = PAPER._replace(anchor=None)
    trashed = item("TRSH2345", visual.title, ARXIV, deleted=True)
    items = snapshot(item("NEWI2345", visual.title, ARXIV), trashed)
    again = visual._replace(line=3)
    base = {"NEWI2345": record(visual, "NEWI2345")}
    result = run([visual, again], items, base, policy=POLICY._replace(anchors=False))
    assert result.changes_nothing
    assert result.notes[0].startswith("line 3 repeats the paper of line 1")


def test_a_repeat_as_written_but_not_after_the_run_adopts_the_library_item_of_its_paper() -> None:
    """The state was lost and the first entry's item retitled in Zotero, which wins: the
    second entry, of the first's old title, repeats nothing once the run has retitled the
    first; the library has an item of its paper outside the collection, which it adopts
    rather than creating a duplicate (found by the planner machine's long profile)."""
    retitled = replace(SYNCED, title=f"{SYNCED.title}: Revisited")
    outside = item("OUTS2345", PAPER.title, ARXIV, in_collection=False)
    again = PAPER._replace(line=3, anchor=None)
    zotero_wins = POLICY._replace(conflict="zotero-wins")
    result = run([PAPER, again], snapshot(retitled, outside), policy=zotero_wins)
    assert SetTitle(1, retitled.title) in result.file
    assert AdoptItem("OUTS2345", again) in result.zotero
    assert not any(isinstance(a, CreateItem) for a in result.zotero) and result.notes == ()


# -- twins: items of one paper two clients made (core.twins) ---------------------------------


def _added(i: Item, when: int) -> Item:
    return replace(i, added=when)


EARLIER = _added(item("EARL2345", PAPER.title, ARXIV), 20260101000000)
LATER = _added(SYNCED, 20260102000000)


def test_a_twin_no_entry_holds_is_trashed_not_listed() -> None:
    held = PAPER._replace(anchor="EARL2345")
    result = run([held], snapshot(EARLIER, LATER), {"EARL2345": record(held, "EARL2345")})
    assert result.zotero == (RemoveItem("ABCD2345", trash=True, twin_of="EARL2345"),)
    assert result.file == ()


def test_an_entry_holding_a_twin_moves_to_the_earlier_item_with_its_boxes() -> None:
    ticked = PAPER._replace(state="x")
    result = run([ticked], snapshot(EARLIER, LATER), BASE)
    assert set(result.zotero) == {
        RemoveItem("ABCD2345", trash=True, twin_of="EARL2345"),
        UpdateItem("EARL2345", add_tags=frozenset({"read"})),
    }
    assert result.file == (SetAnchor(1, "EARL2345"),)
    assert set(result.records) == {"EARL2345"} and result.records["EARL2345"].state == "x"
    assert result.forget == ("ABCD2345",) and result.replaces == {"EARL2345": "ABCD2345"}


def test_an_entry_whose_twin_is_in_the_trash_moves_to_the_earlier_item_unstruck() -> None:
    trashed = replace(LATER, deleted=True)
    result = run([PAPER], snapshot(EARLIER, trashed), BASE)
    assert result.zotero == () and result.file == (SetAnchor(1, "EARL2345"),)
    assert set(result.records) == {"EARL2345"}


def test_twins_trashed_count_for_no_deletion_in_the_guard() -> None:
    papers = [entry(f"Paper {n}", f"https://example.org/{n}", line=n) for n in range(1, 5)]
    items = [item(f"KEY{n}2345", p.title, p.url) for n, p in enumerate(papers)]
    anchored = [p._replace(anchor=i.key) for p, i in zip(papers, items, strict=True)]
    twins = [replace(i, key=f"TWN{n}2345", added=20270101000000) for n, i in enumerate(items)]
    base = {i.key: record(e, i.key) for e, i in zip(anchored, items, strict=True)}
    result = run(anchored, snapshot(*items, *twins), base)
    assert not result.guards and len(result.zotero) == 4


def test_an_item_in_the_trash_is_no_twin_of_another_paper_the_base_holds_under_its_link() -> None:
    link = "https://arxiv.org/abs/2004.09476"
    skeleton = entry("Skeleton-Based Audio-Visual Learning", link, anchor="SKEL2345")
    visual = entry("Visual and Audio-Based Emotion Recognition", link, anchor="VISU2345")
    first = _added(item("VISU2345", visual.title, link), 20260101000000)
    later = _added(item("SKEL2345", skeleton.title, link, deleted=True), 20260102000000)
    base = {"VISU2345": record(visual, "VISU2345"), "SKEL2345": record(skeleton, "SKEL2345")}
    result = run([skeleton], snapshot(first, later), base)  # the Visual line was removed
    assert result.replaces == {} and result.file == (StrikeEntry(1),)
    assert result.zotero == (RemoveItem("VISU2345"),)


def test_an_entry_moving_to_its_survivor_keeps_the_state_set_on_its_twin_in_zotero() -> None:
    read = replace(LATER, tags=frozenset({"read"}))
    result = run([PAPER], snapshot(EARLIER, read), BASE)
    assert UpdateItem("EARL2345", add_tags=frozenset({"read"})) in result.zotero
    assert SetBox(1, "x") in result.file and result.records["EARL2345"].state == "x"


def test_an_entry_moving_to_its_survivor_pushes_its_retitle_under_zotero_wins() -> None:
    retitled = PAPER._replace(title=f"{PAPER.title}: Revisited")
    result = run(
        [retitled], snapshot(EARLIER, LATER), BASE, POLICY._replace(conflict="zotero-wins")
    )
    assert UpdateItem("EARL2345", title=retitled.title) in result.zotero
    assert not result.conflicts and result.records["EARL2345"].item_title == retitled.title


def test_a_survivor_whose_line_was_removed_stays_for_the_line_holding_its_twin() -> None:
    held = PAPER._replace(anchor="ABCD2345")
    base = {"EARL2345": record(PAPER, "EARL2345"), "ABCD2345": record(held, "ABCD2345")}
    result = run([held], snapshot(EARLIER, LATER), base)  # EARL2345's own line was removed
    assert result.zotero == (RemoveItem("ABCD2345", trash=True, twin_of="EARL2345"),)
    assert result.file == (SetAnchor(1, "EARL2345"),) and "EARL2345" in result.records


def test_two_lines_holding_look_alike_live_items_are_left_alone_when_another_item_goes() -> None:
    first, second = PAPER._replace(anchor="EARL2345"), PAPER._replace(line=2)
    other = entry("A Blog Post", "https://example.org/post", line=3, anchor="BLOG2345")
    gone = item("BLOG2345", other.title, other.url, deleted=True)
    held = [first, second, other]
    base = {e.anchor or "": record(e, e.anchor or "") for e in held}
    result = run(held, snapshot(EARLIER, LATER, gone), base)
    assert not any(isinstance(a, RemoveItem) and a.twin_of for a in result.zotero)
    assert result.replaces == {} and not any("twin" in note for note in result.notes)


def test_a_line_anchored_to_an_item_without_a_row_stays_off_another_row_of_its_link() -> None:
    link = "https://arxiv.org/abs/2004.09476"
    removed = entry("Skeleton-Based Audio-Visual Learning", link, anchor="SKEL2345")
    created = entry("Visual and Audio-Based Emotion Recognition", link, anchor="VISU2345")
    items = [item("SKEL2345", removed.title, link), item("VISU2345", created.title, link)]
    base = {"SKEL2345": record(removed, "SKEL2345")}  # (the create's row was not recorded)
    result = run([created], snapshot(*items), base)
    assert result.zotero == (RemoveItem("SKEL2345"),) and result.file == ()
    assert set(result.records) == {"VISU2345"} and result.forget == ("SKEL2345",)
