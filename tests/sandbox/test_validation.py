"""sandbox.validation: uploaded items checked as dataserver checks them."""

from __future__ import annotations

import pytest

from zotmark.sandbox.errors import ObjectError
from zotmark.sandbox.model import Library
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.validation import MAX_FIELD_LENGTH, check_item

SCHEMA = load_schema()


def _check(body: dict[str, object]) -> dict[str, object]:
    return check_item(body, Library("user", 1, "u"), None, partial=False, schema=SCHEMA, key="K")


def test_a_field_of_the_item_type_at_the_length_limit_passes() -> None:
    """A string field of the item's type of 65,535 UTF-8 bytes is accepted as it is."""
    body = {"itemType": "book", "title": "x" * MAX_FIELD_LENGTH}
    assert _check(body) is body


def test_a_field_over_the_length_limit_is_refused_naming_the_item() -> None:
    """One byte more is a 413 that names the item ("... for item '1/K'")."""
    with pytest.raises(ObjectError) as refused:
        _check({"itemType": "book", "title": "é" * (MAX_FIELD_LENGTH // 2 + 1)})
    assert refused.value.code == 413
    assert refused.value.message.endswith("for item '1/K'")


def test_a_field_with_a_format_rule_is_checked_by_it() -> None:
    """``accessDate`` of a webpage must be a date: ``yesterday`` is a 400."""
    with pytest.raises(ObjectError) as refused:
        _check({"itemType": "webpage", "accessDate": "yesterday"})
    assert refused.value.code == 400
