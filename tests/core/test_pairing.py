"""core.pairing.pair_entries: which entries take part, and how the pairing was made."""

from __future__ import annotations

from tests.core.test_planner import entry, item, record, snapshot

from zotmark.core.pairing import pair_entries

A = entry("Attention Is All You Need", "https://arxiv.org/abs/1706.03762", anchor="AAAA2345")
B = entry("Deep Residual Learning", "https://doi.org/10.1109/CVPR.2016.90", line=2)
ITEMS = snapshot(item("AAAA2345", A.title, A.url), item("BBBB2345", B.title, B.url))


def test_struck_entries_and_entries_without_identifier_take_no_part() -> None:
    struck, bare = A._replace(struck=True), entry("", None, line=3)
    pairing = pair_entries([struck, B, bare], {}, ITEMS.collection, ITEMS.library)
    assert pairing.active == 1 and pairing.paired == {1: "BBBB2345"}


def test_a_list_anchored_throughout_is_paired_by_anchors() -> None:
    anchored = [A, B._replace(anchor="BBBB2345")]
    pairing = pair_entries(anchored, {}, ITEMS.collection, ITEMS.library)
    assert pairing.by_anchors and pairing.claimed == {"AAAA2345": 0, "BBBB2345": 1}


def test_an_entry_paired_by_its_identifier_is_not_by_anchors() -> None:
    base = {"BBBB2345": record(B, "BBBB2345")}
    pairing = pair_entries([A, B], base, ITEMS.collection, ITEMS.library)
    assert pairing.paired == {0: "AAAA2345", 1: "BBBB2345"} and not pairing.by_anchors


def test_an_entry_repeating_an_anchor_names_the_entry_holding_it() -> None:
    pairing = pair_entries([A, B, A._replace(line=3)], {}, ITEMS.collection, ITEMS.library)
    assert pairing.duplicates == {2: 0}


# --- two papers behind one arXiv link (found by the planner machine, arXiv 2004.09476) -----

LINK = "https://ar5iv.labs.arxiv.org/html/2004.09476"
VISUAL = entry("Visual and Audio-Based Emotion Recognition", LINK)
SKELETON = entry("Skeleton-Based Audio-Visual Learning", LINK)


def test_an_entry_takes_the_unrecorded_collection_item_of_its_title_over_a_row_of_another() -> None:
    """The row is the other paper's, whose entry left the list: not a retitle of this one."""
    items = snapshot(item("SKEL2345", SKELETON.title, LINK), item("VISU2345", VISUAL.title, LINK))
    base = {"SKEL2345": record(SKELETON, "SKEL2345")}
    pairing = pair_entries([VISUAL], base, items.collection, items.library)
    assert pairing.paired == {0: "VISU2345"}


def test_a_retitled_entry_keeps_its_row_over_a_trashed_item_of_its_new_title() -> None:
    trashed = item("VISU2345", VISUAL.title, LINK, deleted=True)
    items = snapshot(item("SKEL2345", SKELETON.title, LINK), trashed)
    base = {"SKEL2345": record(SKELETON, "SKEL2345")}
    pairing = pair_entries([VISUAL], base, items.collection, items.library)
    assert pairing.paired == {0: "SKEL2345"}


# --- a paper listed twice: pairing defers the repeat to the planner ------------------------


def test_a_repeat_as_written_is_deferred_with_the_library_item_of_its_paper() -> None:
    """Whether it repeats a paper is the planner's judgement, on the titles after the run:
    pairing leaves the entry new and names the item outside the collection it found."""
    items = snapshot(
        item("VISU2345", VISUAL.title, LINK),
        item("OUTS2345", VISUAL.title, LINK, in_collection=False),
    )
    again = VISUAL._replace(line=2)
    pairing = pair_entries([VISUAL, again], {}, items.collection, items.library)
    assert pairing.paired == {0: "VISU2345"}
    assert pairing.new == [1] and pairing.deferred == {1: "OUTS2345"}


def test_a_repeat_as_written_is_deferred_with_a_trashed_collection_item_of_its_paper() -> None:
    trashed = item("TRSH2345", VISUAL.title, LINK, deleted=True)
    items = snapshot(item("VISU2345", VISUAL.title, LINK), trashed)
    base = {"VISU2345": record(VISUAL, "VISU2345")}
    pairing = pair_entries([VISUAL, VISUAL._replace(line=2)], base, items.collection, items.library)
    assert pairing.new == [1] and pairing.deferred == {1: "TRSH2345"}


def test_a_repeat_as_written_pairs_with_a_live_collection_item_of_its_paper() -> None:
    """An item live in the collection is brought in by nothing: the repeat takes it."""
    items = snapshot(item("VISU2345", VISUAL.title, LINK), item("TWIN2345", VISUAL.title, LINK))
    base = {"VISU2345": record(VISUAL, "VISU2345")}
    pairing = pair_entries([VISUAL, VISUAL._replace(line=2)], base, items.collection, items.library)
    assert pairing.paired == {0: "VISU2345", 1: "TWIN2345"} and pairing.deferred == {}
