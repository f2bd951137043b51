"""The planner passes a pair by when the entry, its item and their base row agree: it must
plan exactly what the field-by-field merge would (the merge is the reference)."""

from __future__ import annotations

from types import MappingProxyType
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.core.test_planner import COLL, run, snapshot

from zotmark.core.actions import Plan, Policy
from zotmark.core.model import BaseRecord, Entry, Item, identify
from zotmark.core.planner import _Builder

KEY = "ABCD2345"
TITLES = ("Deep Learning", "Deep  learning", "Attention")
URLS = (None, "https://arxiv.org/abs/2105.07581", "https://example.org/a")
T = TypeVar("T")

policies = st.builds(
    Policy,
    collection=st.just(COLL),
    read_tag=st.sampled_from(["read", "done"]),
    flag_tags=st.sampled_from([("relevant",), ("relevant", "todo"), ("done",), ()]),
    conflict=st.sampled_from(["markdown-wins", "zotero-wins", "fail"]),
    anchors=st.booleans(),
)
flag_maps = st.dictionaries(st.sampled_from(["relevant", "todo"]), st.booleans(), max_size=2)


CHANGES = (
    "entry read", "item read", "base read", "entry flag", "item flag", "base flag",
    "entry title", "item title", "base title", "base item title", "entry url", "base url",
    "item version", "anchor", "no anchor", "base key", "base ident",
)  # fmt: skip


def agreeing_then_changed(
    title: str,
    url: str | None,
    read: bool,
    flags: dict[str, bool],
    changes: set[str],
    tag: str,
    read_tag: str = "read",
    frozen_base: bool = False,
    key: str = KEY,
) -> tuple[Entry, Item, BaseRecord]:
    """An entry, its live item and their base row that agree, then changed in ``changes``
    (names from :data:`CHANGES`; a flag change flips ``tag``). ``read_tag`` is the item's tag
    for the read box; ``frozen_base`` gives the base row read-only flags, as stores load them;
    ``key`` is the item's key."""

    def changed(name: str, value: T, other: T) -> T:
        return other if name in changes else value

    entry_flags = {**flags, tag: not flags.get(tag, False)} if "entry flag" in changes else flags
    entry_title = changed("entry title", title, title + " (v2)")
    entry_url = changed("entry url", url, "https://example.org/b")
    anchor = changed("no anchor", changed("anchor", key, "WXYZ2345"), None)
    entry = Entry(
        1, entry_title, entry_url, identify(entry_title, entry_url),
        changed("entry read", read, not read), entry_flags, (), anchor,
    )  # fmt: skip
    tags = ({read_tag} if read else set()) | {t for t, on in flags.items() if on}
    tags ^= {read_tag} if "item read" in changes else set()
    tags ^= {tag} if "item flag" in changes else set()
    item_title = changed("item title", title, title.upper() + "!")
    item = Item(
        key, changed("item version", 5, 6), "preprint", item_title, url,
        identify(item_title, url), frozenset(tags), frozenset({COLL}),
    )  # fmt: skip
    base_flags = {**flags, tag: not flags.get(tag, False)} if "base flag" in changes else flags
    record = BaseRecord(
        changed("base key", key, "WXYZ2345"),
        changed("base ident", identify(title, url).primary or "", "title:other"),
        changed("base title", title, "Other title"),
        changed("base url", url, "https://example.org/c"),
        changed("base read", read, not read),
        MappingProxyType(dict(base_flags)) if frozen_base else dict(base_flags),
        5,
        changed("base item title", title, "Other item title"),
    )
    return entry, item, record


def pairs(read_tag: str, key: str = KEY) -> st.SearchStrategy[tuple[Entry, Item, BaseRecord]]:
    return st.builds(
        agreeing_then_changed,
        st.sampled_from(TITLES),
        st.sampled_from(URLS),
        st.booleans(),
        flag_maps,
        st.sets(st.sampled_from(CHANGES), max_size=3),
        st.sampled_from(["relevant", "todo"]),
        st.just(read_tag),
        st.booleans(),
        st.just(key),
    )


def _plan_all(triples: list[tuple[Entry, Item, BaseRecord]], policy: Policy) -> Plan:
    """The plan of the entries (on lines 1, 2, …) with their items and base rows."""
    entries = [entry._replace(line=line) for line, (entry, _, _) in enumerate(triples, 1)]
    base = {item.key: record for _, item, record in triples}
    return run(entries, snapshot(*(item for _, item, _ in triples)), base, policy)


def _plan(entry: Entry, item: Item, record: BaseRecord, policy: Policy) -> Plan:
    return _plan_all([(entry, item, record)], policy)


def assert_passing_by_plans_as_merging(
    triples: list[tuple[Entry, Item, BaseRecord]], policy: Policy
) -> None:
    passed_by = _plan_all(triples, policy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_Builder, "_unchanged", lambda *_: False)  # always merge
        merged = _plan_all(triples, policy)
    assert passed_by == merged


@given(st.data(), policies)
def test_a_pair_passed_by_plans_what_the_merge_plans(data: st.DataObject, policy: Policy) -> None:
    assert_passing_by_plans_as_merging([data.draw(pairs(policy.read_tag))], policy)


@given(st.data(), policies)
def test_pairs_passed_by_among_others_plan_what_the_merge_plans(
    data: st.DataObject, policy: Policy
) -> None:
    keys = ("ABCD2345", "EFGH2345", "JKLM2345")
    assert_passing_by_plans_as_merging([data.draw(pairs(policy.read_tag, k)) for k in keys], policy)


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("policy", [Policy(COLL), Policy(COLL, anchors=False, flag_tags=())])
def test_a_pair_that_differs_in_one_field_plans_what_the_merge_plans(
    change: str, url: str | None, policy: Policy
) -> None:
    for read, flags in ((False, {}), (True, {"relevant": True}), (False, {"relevant": False})):
        entry, item, record = agreeing_then_changed(
            "Deep Learning", url, read, flags, {change}, "relevant"
        )
        assert_passing_by_plans_as_merging([(entry, item, record)], policy)


def test_an_agreeing_pair_is_passed_by_with_its_base_row_kept() -> None:
    title, url = "Deep Learning", "https://arxiv.org/abs/2105.07581"
    entry = Entry(1, title, url, identify(title, url), True, {"relevant": False}, (), KEY)
    item = Item(
        KEY, 5, "preprint", title, url, entry.ident, frozenset({"read"}), frozenset({COLL})
    )  # fmt: skip
    record = BaseRecord(
        KEY, entry.ident.primary or "", title, url, True, {"relevant": False}, 5, title
    )
    result = _plan(entry, item, record, Policy(collection=COLL))
    assert (result.zotero, result.file, result.conflicts) == ((), (), ())
    assert result.records[KEY] is record
