"""sync.status: the working status that records outcomes as they land, and the state's JSON
texts of the library's items, read into a snapshot."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.core.actions import CreateItem, RemoveItem, UpdateItem
from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import Plan, Policy
from zotmark.core.port import Outcome, Snapshot
from zotmark.errors import StateError
from zotmark.state.schema import RECOVERY_HINT
from zotmark.sync.status import WorkingStatus, stored_snapshot
from zotmark.zotero.mapping import item_text, json_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=8))
def test_json_text_is_json_dumps_with_sorted_keys(value: dict[str, Any]) -> None:
    """The shared encoder writes exactly what ``json.dumps(value, sort_keys=True)`` writes."""
    assert json_text(value) == json.dumps(value, sort_keys=True)


def test_an_items_text_holds_its_data_with_sorted_keys() -> None:
    obj = {"key": "AAAA2222", "version": 3, "data": {"title": "T", "key": "AAAA2222", "version": 3}}
    assert item_text(obj) == '{"key": "AAAA2222", "title": "T", "version": 3}'


def test_a_stored_text_read_back_is_the_typed_item() -> None:
    text = '{"itemType": "book", "key": "AAAA2222", "title": "T", "version": 3}'
    snapshot = stored_snapshot([("AAAA2222", text)], 9)
    item = snapshot.items["AAAA2222"]
    assert (item.key, item.version, item.title, snapshot.version) == ("AAAA2222", 3, "T", 9)


def test_a_stored_note_or_child_item_is_no_part_of_the_snapshot() -> None:
    texts = {
        "NOTE2222": '{"itemType": "note", "key": "NOTE2222", "version": 1}',
        "CHLD2222": '{"itemType": "book", "key": "CHLD2222", "parentItem": "X", "version": 1}',
    }
    assert stored_snapshot(texts.items(), 9).items == {}


@pytest.mark.parametrize(
    "text",
    [
        '{"key": "AAAA2222", "title": "T", "version": 3',  # a torn text
        '{"key": "AAAA2A22", "title": "T", "version": 3}',  # a flipped bit in the key
        '["AAAA2222"]',
    ],
)
def test_a_damaged_mirror_text_is_a_state_error_saying_how_to_recover(text: str) -> None:
    with pytest.raises(StateError) as caught:
        stored_snapshot([("AAAA2222", text)], 9)
    assert caught.value.message.startswith(
        "the sync state's copy of Zotero item AAAA2222 is damaged"
    )
    assert caught.value.message.endswith(f"to recover, {RECOVERY_HINT}")


# --- the working status: each outcome recorded as it lands ---------------------------------------

ENTRY = Entry(1, "T", None, identify("T", None))


def _row(key: str, **fields: Any) -> BaseRecord:
    values: dict[str, Any] = {"ident_key": "title:t", "title": "T", "url": None, "state": " "}
    values |= {"flags": {"relevant": False}, "item_version": 1, "item_title": "T"}
    return BaseRecord(key, **{**values, **fields})


def _item(key: str, version: int, title: str = "T") -> Item:
    return Item(key, version, "book", title, None, identify(title, None))


def test_a_landed_create_records_the_planned_row_at_the_created_version() -> None:
    status = WorkingStatus({})
    plan = Plan(zotero=(CreateItem("NEW22222", ENTRY, frozenset()),),
                records={"NEW22222": _row("NEW22222", item_version=0)})  # fmt: skip
    status.zotero_landed(plan, {"NEW22222": _item("NEW22222", 7)}, Policy("C"))
    assert status.records["NEW22222"] == _row("NEW22222", item_version=7)


def test_a_landed_update_records_exactly_the_fields_it_wrote() -> None:
    base = _row("AAAA2222")
    planned = _row("AAAA2222", state="x", title="New", flags={"relevant": True}, item_version=5)
    status = WorkingStatus({"AAAA2222": base})
    update = UpdateItem("AAAA2222", add_tags=frozenset({"read"}))
    plan = Plan(zotero=(update,), records={"AAAA2222": planned})
    status.zotero_landed(plan, {"AAAA2222": _item("AAAA2222", 5)}, Policy("C"))
    assert status.records["AAAA2222"] == base._replace(state="x")


def test_a_refused_write_keeps_the_old_row_even_once_the_file_landed() -> None:
    base = _row("AAAA2222")
    status = WorkingStatus({"AAAA2222": base})
    plan = Plan(
        zotero=(UpdateItem("AAAA2222", add_tags=frozenset({"read"})),),
        records={"AAAA2222": base._replace(state="x")},
    )
    refused = {"AAAA2222": Outcome("AAAA2222", code=413, message="too long")}
    status.zotero_landed(plan, {}, Policy("C"))
    status.file_landed(plan, Snapshot(9, {"AAAA2222": _item("AAAA2222", 1)}), refused)
    assert status.records == {"AAAA2222": base}
    assert status.changes() == ({}, frozenset())


def test_a_landed_removal_drops_the_row() -> None:
    status = WorkingStatus({"AAAA2222": _row("AAAA2222")})
    plan = Plan(zotero=(RemoveItem("AAAA2222"),), forget=("AAAA2222",))
    status.zotero_landed(plan, {"AAAA2222": _item("AAAA2222", 2)}, Policy("C"))
    assert status.changes() == ({}, frozenset({"AAAA2222"}))


def test_a_pair_moves_to_another_item_only_when_the_write_to_it_lands() -> None:
    old = _row("OLDD2222")
    plan = Plan(
        zotero=(UpdateItem("NEWW2222", add_tags=frozenset({"read"})),),
        records={"NEWW2222": _row("NEWW2222")},
        forget=("OLDD2222",),
        replaces={"NEWW2222": "OLDD2222"},
    )
    snapshot = Snapshot(9, {"NEWW2222": _item("NEWW2222", 3)})
    failed = WorkingStatus({"OLDD2222": old})
    failed.file_landed(plan, snapshot, {"NEWW2222": Outcome("NEWW2222", code=500)})
    assert failed.records == {"OLDD2222": old}
    landed = WorkingStatus({"OLDD2222": old})
    landed.file_landed(plan, snapshot, {})
    assert landed.records == {"NEWW2222": _row("NEWW2222", item_version=3)}


def test_only_rows_that_differ_from_the_stored_ones_are_written() -> None:
    kept, moved = _row("AAAA2222"), _row("BBBB2222")
    status = WorkingStatus({"AAAA2222": kept, "BBBB2222": moved})
    plan = Plan(records={"AAAA2222": kept, "BBBB2222": moved})
    items = {"AAAA2222": _item("AAAA2222", 1), "BBBB2222": _item("BBBB2222", 4, "Other")}
    status.file_landed(plan, Snapshot(9, items), {})
    upserts, deletes = status.changes()
    assert upserts == {"BBBB2222": moved._replace(item_version=4, item_title="Other")}
    assert deletes == frozenset()


def test_a_landed_write_is_among_the_rows_to_write_before_the_file_lands() -> None:
    base = _row("AAAA2222")
    status = WorkingStatus({"AAAA2222": base})
    plan = Plan(
        zotero=(UpdateItem("AAAA2222", add_tags=frozenset({"read"})),),
        records={"AAAA2222": base._replace(state="x")},
    )
    status.zotero_landed(plan, {"AAAA2222": _item("AAAA2222", 1)}, Policy("C"))
    assert status.changes() == ({"AAAA2222": base._replace(state="x")}, frozenset())


def test_the_status_reads_the_stored_rows_until_one_changes() -> None:
    stored = {"AAAA2222": _row("AAAA2222")}
    status = WorkingStatus(stored)
    assert status.records is stored  # (not copied: a run plans from them as they are)
    status.file_landed(Plan(forget=("AAAA2222",)), Snapshot(9, {}), ())
    assert status.records == {} and stored == {"AAAA2222": _row("AAAA2222")}
