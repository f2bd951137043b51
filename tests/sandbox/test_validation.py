"""sandbox.validation: the plain-field fast path skips only properties the full checks pass."""

from __future__ import annotations

import pytest

from zotmark.sandbox.errors import ObjectError
from zotmark.sandbox.model import Library
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.validation import MAX_FIELD_LENGTH, _check_property, _is_plain_value

SCHEMA = load_schema()
VALUES = ("", "text", "x" * MAX_FIELD_LENGTH, "x" * (MAX_FIELD_LENGTH + 1), 3, None, [], {})
NAMES = sorted(SCHEMA.all_fields | {"key", "version", "tags", "note", "deleted", "md5"})


@pytest.mark.parametrize("type_name", sorted(SCHEMA.types))
def test_fast_path_skips_only_properties_the_full_check_accepts(type_name: str) -> None:
    """For every type, every schema field (and special properties) and values of every kind:
    where the fast path skips a property, the general check raises nothing for it."""
    known = SCHEMA.types[type_name]
    library = Library("user", 1, "u")
    for name in NAMES:
        for value in VALUES:
            if not _is_plain_value(name, value, known.field_set):
                continue
            body = {"itemType": type_name, name: value}
            try:
                _check_property(name, value, body, library, type_name, False, SCHEMA, None)
            except ObjectError as refused:  # pragma: no cover - the failure being tested for
                pytest.fail(f"fast path skipped {name}={value!r} for {type_name}: {refused}")


def test_fast_path_leaves_checked_fields_to_their_checks() -> None:
    """``accessDate`` is a field of ``webpage`` with a format rule: it never takes the fast path."""
    fields = SCHEMA.types["webpage"].field_set
    assert "accessDate" in fields
    assert not _is_plain_value("accessDate", "yesterday", fields)
    assert _is_plain_value("title", "A title", fields)
