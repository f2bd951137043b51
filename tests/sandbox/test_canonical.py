"""sandbox.canonical: stored items keep the server's field order and text forms."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from zotmark.sandbox.canonical import (
    _as_text,
    canonical_creators,
    canonical_item,
)
from zotmark.sandbox.schema import NOTE_TYPES, load_schema

SCHEMA = load_schema()
REGULAR_TYPES = sorted(set(SCHEMA.types) - NOTE_TYPES)
ALL_FIELDS = sorted(SCHEMA.all_fields)
field_values = st.one_of(
    st.text(max_size=5), st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()
)


def reference_typed_fields(type_name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The type's fields as the sandbox first laid them out: every field in schema order, each
    as text, with ``creators`` right after the first one."""
    item_type = SCHEMA.types[type_name]
    out: dict[str, Any] = {}
    for index, field in enumerate(item_type.fields):
        out[field] = _as_text(values.get(field, ""))
        if index == 0:
            out["creators"] = canonical_creators(values.get("creators", []))
    if not item_type.fields:
        out["creators"] = canonical_creators(values.get("creators", []))
    return out


@given(
    st.sampled_from(REGULAR_TYPES),
    st.dictionaries(st.sampled_from(ALL_FIELDS), field_values, max_size=12),
)
def test_typed_fields_match_the_reference_layout(type_name: str, fields: dict[str, Any]) -> None:
    """Keys in the same order and values equal to the field-by-field layout, whatever fields
    (of this type or others) and value types the upload holds."""
    values = {"itemType": type_name, **fields, "creators": [{"name": "N"}]}
    item = canonical_item(values, SCHEMA)
    expected = reference_typed_fields(type_name, values)
    typed = {k: v for k, v in item.items() if k in expected}
    assert list(typed.items()) == list(expected.items())
    assert list(item)[: len(expected) + 1] == ["itemType", *expected]
