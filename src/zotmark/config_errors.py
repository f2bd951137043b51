"""Turning pydantic's validation errors on the config into one paragraph a user can act on.

Each problem becomes one sentence naming the key path as it is written in TOML
(``lists[0].conflict``, ``zotero.library_id``), the value given, and what is allowed. Values
that may be secrets (unknown keys, ``api_key_env``) are never repeated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

__all__ = ["bound_words", "describe_validation_error", "key_path"]

_SHOWN_PROBLEMS = 3
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SUBJECT = re.compile(r"^(Input|String|Value|Tuple|List|Dictionary) should ")
_NEVER_SHOWN = frozenset({"api_key_env"})
_OUT_OF_RANGE = frozenset(
    {"finite_number", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}
)
_PATTERN_HINTS = {
    "library_id": "it must be the library's number (digits only)",
    "api_key_env": "it must be the name of an environment variable, such as ZOTERO_API_KEY",
    "base_url": "it must be an http:// or https:// URL",
    "stream_url": 'it must be a ws:// or wss:// URL, or "" to turn streaming off',
}


def bound_words(field: FieldInfo) -> list[str]:
    """A model field's numeric bounds as words: ``["≥ 1", "≤ 86400"]`` (empty: unbounded)."""
    words = []
    for meta in field.metadata:
        if isinstance(meta, Gt):
            words.append(f"> {meta.gt}")
        elif isinstance(meta, Ge):
            words.append(f"≥ {meta.ge}")
        elif isinstance(meta, Lt):
            words.append(f"< {meta.lt}")
        elif isinstance(meta, Le):
            words.append(f"≤ {meta.le}")
    return words


def key_path(loc: Sequence[int | str]) -> str:
    """The TOML key path of an error location: ``('lists', 0, 'file')`` → ``lists[0].file``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            text += f".{name}" if text else name
    return text or "the top level"


def _show(value: Any) -> str:
    """A value as TOML would spell it, shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:60] + "…", ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _reason(error: ErrorDetails, allowed: str | None) -> str:
    """pydantic's message as the tail of our sentence; ``allowed`` is the key's range in words."""
    kind, msg = error["type"], error["msg"]
    field = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
    if kind in _OUT_OF_RANGE and allowed:
        return f"it should be a number {allowed}"
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", "")).replace("'", '"')
        return f"the allowed values are {expected}"
    if kind == "string_pattern_mismatch" and field in _PATTERN_HINTS:
        return _PATTERN_HINTS[field]
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "path_type":
        return "it should be a path (a string)"
    subject = _SUBJECT.match(msg)
    if subject:
        return "it should " + msg[subject.end() :]
    return msg[0].lower() + msg[1:] if msg else kind


def _sentence(
    error: ErrorDetails,
    sections: Mapping[str, Sequence[str]],
    ranges: Mapping[tuple[str, str], str],
) -> str:
    loc = error["loc"]
    key = key_path(loc)
    kind = error["type"]
    if kind == "missing":
        return f"{key} is required but missing"
    if kind == "extra_forbidden":
        section = str(loc[0]) if len(loc) > 1 else ""
        allowed = ", ".join(sections.get(section, ()))
        return f"{key} is not a known key (the keys allowed there are: {allowed})"
    if key == "lists" and kind == "too_short":
        return "at least one [[lists]] table (with file and collection) is required"
    if key == "lists" and kind == "tuple_type":
        return "lists must be an array of tables: write [[lists]], not [lists]"
    value = error.get("input")
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    hidden = field in _NEVER_SHOWN or isinstance(value, dict | list)
    prefix = key if hidden else f"{key} = {_show(value)}"
    section = str(loc[0]) if len(loc) > 1 else ""
    return f"{prefix}: {_reason(error, ranges.get((section, field)))}"


def _relevant(details: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop the errors that only follow from another one.

    A list whose ``file`` is wrong also lacks the ``name`` derived from it; a ``lists`` array
    with a bad table is also reported as too short.
    """
    bad_files = {
        d["loc"][1] for d in details if d["loc"][:1] == ("lists",) and d["loc"][2:] == ("file",)
    }
    bad_tables = any(d["loc"][:1] == ("lists",) and len(d["loc"]) > 1 for d in details)

    def follows(detail: ErrorDetails) -> bool:
        loc = detail["loc"]
        if loc == ("lists",) and detail["type"] == "too_short":
            return bad_tables
        return len(loc) == 3 and loc[2] == "name" and loc[1] in bad_files

    return [detail for detail in details if not follows(detail)]


def describe_validation_error(
    path: Path,
    error: ValidationError,
    sections: Mapping[str, Sequence[str]],
    ranges: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """One paragraph for a config file's validation errors (the first few, and a count).

    ``sections`` maps a section name (``""`` for the top level) to its allowed keys, listed
    when an unknown key is met; ``ranges`` maps ``(section, key)`` to the key's allowed range
    in words (``"≥ 1 and ≤ 86400"``), given whole when a value is outside it or not finite.
    """
    details = _relevant(error.errors(include_url=False))
    problems = [_sentence(detail, sections, ranges or {}) for detail in details]
    text = "; ".join(problems[:_SHOWN_PROBLEMS])
    more = len(problems) - _SHOWN_PROBLEMS
    if more > 0:
        text += f"; and {more} more problem{'s' if more > 1 else ''}"
    return f"invalid config file {path}: {text}."
