"""sync.status: the state's JSON texts of the library's items, read into a snapshot."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.errors import StateError
from zotmark.state.schema import RECOVERY_HINT
from zotmark.sync.status import stored_snapshot
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
    snapshot = stored_snapshot({"AAAA2222": text}, 9)
    item = snapshot.items["AAAA2222"]
    assert (item.key, item.version, item.title, snapshot.version) == ("AAAA2222", 3, "T", 9)


def test_a_stored_note_or_child_item_is_no_part_of_the_snapshot() -> None:
    texts = {
        "NOTE2222": '{"itemType": "note", "key": "NOTE2222", "version": 1}',
        "CHLD2222": '{"itemType": "book", "key": "CHLD2222", "parentItem": "X", "version": 1}',
    }
    assert stored_snapshot(texts, 9).items == {}


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
        stored_snapshot({"AAAA2222": text}, 9)
    assert caught.value.message.startswith(
        "the sync state's copy of Zotero item AAAA2222 is damaged"
    )
    assert caught.value.message.endswith(f"to recover, {RECOVERY_HINT}")
