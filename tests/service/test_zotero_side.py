"""service.zotero_side: the state's JSON texts of mirrored items and pending creates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.errors import StateError
from zotmark.service.zotero_side import json_text, load_mirror, mirror_texts
from zotmark.state.schema import RECOVERY_HINT

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=8))
def test_json_text_is_json_dumps_with_sorted_keys(value: dict[str, Any]) -> None:
    """The shared encoder writes exactly what ``json.dumps(value, sort_keys=True)`` writes."""
    assert json_text(value) == json.dumps(value, sort_keys=True)


def test_mirror_texts_hold_each_items_data_with_sorted_keys() -> None:
    obj = {"key": "AAAA2222", "version": 3, "data": {"title": "T", "key": "AAAA2222", "version": 3}}
    assert mirror_texts({"AAAA2222": obj}) == {
        "AAAA2222": '{"key": "AAAA2222", "title": "T", "version": 3}'
    }


def test_a_mirror_text_read_back_is_the_items_data() -> None:
    text = '{"key": "AAAA2222", "title": "T", "version": 3}'
    mirror = load_mirror({"AAAA2222": text}, 9)
    assert mirror.items["AAAA2222"] == {"key": "AAAA2222", "version": 3, "data": json.loads(text)}
    assert mirror.library_version == 9


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
        load_mirror({"AAAA2222": text}, 9)
    assert caught.value.message.startswith(
        "the sync state's copy of Zotero item AAAA2222 is damaged"
    )
    assert caught.value.message.endswith(f"to recover, {RECOVERY_HINT}")
