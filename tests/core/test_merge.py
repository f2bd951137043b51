"""``zotmark.core.merge``: one field, and one pair field by field, merged against the base."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.core.actions import SetBox, UpdateItem
from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.merge import MISSING, PairMerge, merge_field, merge_pair
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import ConflictPolicy, Policy
from zotmark.core.states import known, state_tag, status_tags

MARKERS = (" ", "/", "x", "X", "-", ">", "?")
"""Box markers: the four states, ``X`` for done, and two zotmark does not know."""

KEY = "ABCD2345"
COLL = "COLL2345"

policies = st.builds(
    Policy,
    collection=st.just(COLL),
    read_tag=st.sampled_from(["read", "done"]),
    status_store=st.just("tags"),
    in_progress_tag=st.sampled_from(["reading", "doing"]),
    cancelled_tag=st.just("not-reading"),
    plugin_statuses=st.just(Policy(COLL).plugin_statuses),
    flag_tags=st.sampled_from([("relevant",), ("relevant", "todo"), ("done",), ()]),
    conflict=st.sampled_from(["markdown-wins", "zotero-wins", "fail"]),
    anchors=st.booleans(),
)


def agreeing(
    title: str,
    url: str | None,
    state: str,
    flags: dict[str, bool],
    policy: Policy,
    frozen: bool,
    marker: str | None = None,
) -> tuple[Entry, Item, BaseRecord]:
    """An entry anchored to its item, and their base row, all stating the same values (the
    entry's box says ``state`` with ``marker``, by default ``state`` itself)."""
    ident = identify(title, url)
    entry = Entry(1, title, url, ident, marker or state, flags, (), KEY)
    tag = state_tag(state, policy)
    tags = ({tag} if tag else set()) | {tag for tag, on in flags.items() if on}
    item = Item(KEY, 5, "preprint", title, url, ident, frozenset(tags), frozenset({COLL}))
    row_flags = MappingProxyType(dict(flags)) if frozen else dict(flags)
    record = BaseRecord(KEY, ident.primary or "", title, url, state, row_flags, 5, title)
    return entry, item, record


@given(
    policies,
    st.sampled_from(["Deep Learning", "Deep  learning", "Attention", "**"]),
    st.sampled_from([None, "https://arxiv.org/abs/2105.07581", "https://example.org/a"]),
    st.sampled_from(MARKERS),
    st.dictionaries(st.sampled_from(["relevant", "todo", "done"]), st.booleans(), max_size=3),
    st.booleans(),
)
def test_a_pair_that_agrees_with_its_base_merges_to_nothing_and_its_base_row(
    policy: Policy,
    title: str,
    url: str | None,
    marker: str,
    flags: dict[str, bool],
    frozen: bool,
) -> None:
    """Entry, item and base row agreeing on every field the policy syncs: no action, no
    conflict, and the row recorded is the base row."""
    state = known(marker) or " "
    flags = {tag: on for tag, on in flags.items() if tag in policy.flag_tags}
    for tag in status_tags(policy):
        if tag in flags:  # a status tag as a flag is one tag in Zotero
            flags[tag] = tag == state_tag(state, policy)
    entry, item, record = agreeing(title, url, state, flags, policy, frozen, marker)
    if known(marker) is None:
        record = record._replace(state=" ")  # (a box zotmark does not know: the base stands)
    assert merge_pair(entry, item, record, policy) == PairMerge(record)


def test_an_item_at_a_new_version_that_agrees_records_its_new_version() -> None:
    """Entry, item and base row agreeing on every field, the item written since (its version
    moved): no action, and the row recorded holds the item's new version."""
    entry, item, record = agreeing(
        "Deep Learning", None, "x", {"relevant": True}, Policy(COLL), False
    )
    merged = merge_pair(entry, replace(item, version=9), record, Policy(COLL))
    assert merged == PairMerge(record._replace(item_version=9))


def test_a_base_row_whose_ident_key_is_stale_records_the_entrys() -> None:
    """Entry, item and base row agreeing on every field but the row's ident key (a row of an
    older zotmark): no action, and the row recorded holds the entry's ident key."""
    url = "https://arxiv.org/abs/2105.07581"
    entry, item, record = agreeing("Deep Learning", url, " ", {}, Policy(COLL), False)
    merged = merge_pair(entry, item, record._replace(ident_key="url:old"), Policy(COLL))
    assert merged == PairMerge(record)


def test_an_entry_flag_the_policy_does_not_sync_is_left_out_of_the_row() -> None:
    """A flag box whose tag the policy does not sync (in the row too): no action, and the row
    recorded holds only the flags the policy syncs."""
    entry, item, record = agreeing("Deep Learning", None, " ", {"todo": True}, Policy(COLL), False)
    merged = merge_pair(entry, item, record, Policy(COLL, flag_tags=("relevant",)))
    assert merged == PairMerge(record._replace(flags={}))


def test_a_box_ticked_in_the_file_is_written_to_the_item() -> None:
    """The read box ticked since the base: the item gets the read tag, the file keeps its box."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, Policy(COLL), False)
    merged = merge_pair(entry._replace(state="x"), item, record, Policy(COLL))
    assert (merged.update, merged.file) == (UpdateItem(KEY, frozenset({"read"})), ())
    assert merged.record.state == "x"


def test_a_tag_added_in_zotero_ticks_the_box_in_the_file() -> None:
    """A flag tag added in Zotero since the base ticks the entry's flag box."""
    entry, item, record = agreeing(
        "Deep Learning", None, " ", {"relevant": False}, Policy(COLL), False
    )
    merged = merge_pair(entry, replace(item, tags=frozenset({"relevant"})), record, Policy(COLL))
    assert (merged.update, merged.file) == (None, (SetBox(1, "x", "relevant"),))


@pytest.mark.parametrize(
    "policy, winner, value",
    [("markdown-wins", "markdown", True), ("zotero-wins", "zotero", False)],
)
def test_a_field_changed_apart_on_both_sides_is_a_conflict_the_policy_settles(
    policy: ConflictPolicy, winner: str, value: bool
) -> None:
    """Without a base, two different values conflict; the policy names the winner."""
    merged = merge_field(MISSING, True, False, policy)
    assert (merged.conflict, merged.winner, merged.value) == (True, winner, value)


# --- reading states --------------------------------------------------------------------------

PLUGIN = Policy(COLL, status_store="reading-list-plugin")


def _with_extra(item: Item, extra: str) -> Item:
    return replace(item, extra=extra)


def test_a_state_set_in_zotero_tags_writes_its_marker_into_the_box() -> None:
    """The in-progress tag added in Zotero since the base: the box becomes ``[/]``."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, Policy(COLL), False)
    merged = merge_pair(entry, replace(item, tags=frozenset({"reading"})), record, Policy(COLL))
    assert (merged.update, merged.file) == (None, (SetBox(1, "/"),))
    assert merged.record.state == "/"


def test_a_state_set_in_the_file_sets_exactly_one_status_tag() -> None:
    """``[-]`` in the file of an item tagged done: the cancelled tag replaces the read tag."""
    entry, item, record = agreeing("Deep Learning", None, "x", {}, Policy(COLL), False)
    merged = merge_pair(entry._replace(state="-"), item, record, Policy(COLL))
    assert merged.update == UpdateItem(KEY, frozenset({"not-reading"}), frozenset({"read"}))
    assert (merged.file, merged.record.state) == ((), "-")


def test_an_upper_case_x_that_zotero_says_is_done_is_left_as_it_is() -> None:
    """``[X]`` in the file, the read tag added in Zotero: both say done, nothing is written."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, Policy(COLL), False)
    merged = merge_pair(
        entry._replace(state="X"), replace(item, tags={"read"}), record, Policy(COLL)
    )
    assert (merged.update, merged.file, merged.record.state) == (None, (), "x")


def test_a_box_zotmark_does_not_know_is_left_alone_and_pushes_nothing() -> None:
    """``[>]`` in the file while Zotero moved to done: no write on either side, the base
    row keeps its state."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, Policy(COLL), False)
    merged = merge_pair(
        entry._replace(state=">"), replace(item, tags={"read"}), record, Policy(COLL)
    )
    assert (merged.update, merged.file, merged.record.state) == (None, (), " ")


@pytest.mark.parametrize(
    "policy, winner, marker", [("markdown-wins", "markdown", "-"), ("zotero-wins", "zotero", "/")]
)
def test_a_state_changed_apart_on_both_sides_is_one_conflict(
    policy: ConflictPolicy, winner: str, marker: str
) -> None:
    """``[-]`` in the file, in progress in Zotero, since a base of to do: one conflict on the
    state, settled by the policy."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, Policy(COLL), False)
    item = replace(item, tags=frozenset({"reading"}))
    merged = merge_pair(entry._replace(state="-"), item, record, Policy(COLL, conflict=policy))
    assert [(c.field, c.winner) for c in merged.conflicts] == [("state", winner)]
    assert merged.record.state == marker


def test_a_plugin_status_set_in_zotero_writes_its_marker_into_the_box() -> None:
    """``Read_Status: In Progress`` in the item's extra (plugin store): the box becomes ``[/]``."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, PLUGIN, False)
    item = _with_extra(item, "Citation Key: x\nRead_Status: In Progress\nRead_Status_Date: d")
    merged = merge_pair(entry, item, record, PLUGIN)
    assert (merged.update, merged.file, merged.record.state) == (None, (SetBox(1, "/"),), "/")


def test_a_state_set_in_the_file_is_written_as_the_plugin_status() -> None:
    """``[-]`` in the file (plugin store): the item's update sets the status Not Reading and
    no tag."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, PLUGIN, False)
    merged = merge_pair(entry._replace(state="-"), item, record, PLUGIN)
    assert merged.update == UpdateItem(KEY, status="Not Reading")


def test_a_plugin_status_zotmark_does_not_know_leaves_the_box_alone() -> None:
    """A custom status the policy does not map: the box ticked in the file is not pushed and
    the box is not rewritten."""
    entry, item, record = agreeing("Deep Learning", None, " ", {}, PLUGIN, False)
    item = _with_extra(item, "Read_Status: Skimmed")
    merged = merge_pair(entry._replace(state="x"), item, record, PLUGIN)
    assert (merged.update, merged.file, merged.record.state) == (None, (), " ")
