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

KEY = "ABCD2345"
COLL = "COLL2345"

policies = st.builds(
    Policy,
    collection=st.just(COLL),
    read_tag=st.sampled_from(["read", "done"]),
    flag_tags=st.sampled_from([("relevant",), ("relevant", "todo"), ("done",), ()]),
    conflict=st.sampled_from(["markdown-wins", "zotero-wins", "fail"]),
    anchors=st.booleans(),
)


def agreeing(
    title: str, url: str | None, read: bool, flags: dict[str, bool], read_tag: str, frozen: bool
) -> tuple[Entry, Item, BaseRecord]:
    """An entry anchored to its item, and their base row, all stating the same values."""
    ident = identify(title, url)
    entry = Entry(1, title, url, ident, read, flags, (), KEY)
    tags = ({read_tag} if read else set()) | {tag for tag, on in flags.items() if on}
    item = Item(KEY, 5, "preprint", title, url, ident, frozenset(tags), frozenset({COLL}))
    row_flags = MappingProxyType(dict(flags)) if frozen else dict(flags)
    record = BaseRecord(KEY, ident.primary or "", title, url, read, row_flags, 5, title)
    return entry, item, record


@given(
    policies,
    st.sampled_from(["Deep Learning", "Deep  learning", "Attention", "**"]),
    st.sampled_from([None, "https://arxiv.org/abs/2105.07581", "https://example.org/a"]),
    st.booleans(),
    st.dictionaries(st.sampled_from(["relevant", "todo", "done"]), st.booleans(), max_size=3),
    st.booleans(),
)
def test_a_pair_that_agrees_with_its_base_merges_to_nothing_and_its_base_row(
    policy: Policy,
    title: str,
    url: str | None,
    read: bool,
    flags: dict[str, bool],
    frozen: bool,
) -> None:
    """Entry, item and base row agreeing on every field the policy syncs: no action, no
    conflict, and the row recorded is the base row."""
    flags = {tag: on for tag, on in flags.items() if tag in policy.flag_tags}
    if policy.read_tag in flags:
        flags[policy.read_tag] = read  # the read tag as a flag is one box state in Zotero
    entry, item, record = agreeing(title, url, read, flags, policy.read_tag, frozen)
    assert merge_pair(entry, item, record, policy) == PairMerge(record)


def test_an_item_at_a_new_version_that_agrees_records_its_new_version() -> None:
    """Entry, item and base row agreeing on every field, the item written since (its version
    moved): no action, and the row recorded holds the item's new version."""
    entry, item, record = agreeing("Deep Learning", None, True, {"relevant": True}, "read", False)
    merged = merge_pair(entry, replace(item, version=9), record, Policy(COLL))
    assert merged == PairMerge(record._replace(item_version=9))


def test_a_base_row_whose_ident_key_is_stale_records_the_entrys() -> None:
    """Entry, item and base row agreeing on every field but the row's ident key (a row of an
    older zotmark): no action, and the row recorded holds the entry's ident key."""
    url = "https://arxiv.org/abs/2105.07581"
    entry, item, record = agreeing("Deep Learning", url, False, {}, "read", False)
    merged = merge_pair(entry, item, record._replace(ident_key="url:old"), Policy(COLL))
    assert merged == PairMerge(record)


def test_an_entry_flag_the_policy_does_not_sync_is_left_out_of_the_row() -> None:
    """A flag box whose tag the policy does not sync (in the row too): no action, and the row
    recorded holds only the flags the policy syncs."""
    entry, item, record = agreeing("Deep Learning", None, False, {"todo": True}, "read", False)
    merged = merge_pair(entry, item, record, Policy(COLL, flag_tags=("relevant",)))
    assert merged == PairMerge(record._replace(flags={}))


def test_a_box_ticked_in_the_file_is_written_to_the_item() -> None:
    """The read box ticked since the base: the item gets the read tag, the file keeps its box."""
    entry, item, record = agreeing("Deep Learning", None, False, {}, "read", False)
    merged = merge_pair(entry._replace(read=True), item, record, Policy(COLL))
    assert (merged.update, merged.file) == (UpdateItem(KEY, frozenset({"read"})), ())
    assert merged.record.read


def test_a_tag_added_in_zotero_ticks_the_box_in_the_file() -> None:
    """A flag tag added in Zotero since the base ticks the entry's flag box."""
    entry, item, record = agreeing("Deep Learning", None, False, {"relevant": False}, "read", False)
    merged = merge_pair(entry, replace(item, tags=frozenset({"relevant"})), record, Policy(COLL))
    assert (merged.update, merged.file) == (None, (SetBox(1, True, "relevant"),))


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
