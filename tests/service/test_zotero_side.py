"""service.zotero_side: the state's JSON texts of mirrored items and pending creates."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from zotmark.service.zotero_side import json_text, mirror_texts

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
