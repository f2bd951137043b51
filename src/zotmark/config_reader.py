"""Reading a TOML table into a section of the configuration: one reader for every section.

A section is a frozen dataclass whose keys are the fields declared with :func:`setting`; the
reader takes each key's value by the field's type (``str``, ``bool``, ``float``, ``Path``, a
``Literal`` of strings, ``dict[str, str]``, another section, or a ``tuple`` of sections: an
array of tables) and the field's :class:`Key` rules, and reports every problem it meets to a
:class:`~zotmark.config_errors.Problems` instead of stopping at the first. Checks that involve
several keys are the section's ``__post_init__``, run once its keys are all valid (a
``ValueError`` there is the section's problem). Relative paths are resolved against the config
file's directory. A field's type is read as declared: a section's module does without ``from
__future__ import annotations`` (resolving string annotations cost a no-op sync ~2.6M
instructions; issue 16).
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from zotmark.config_errors import Loc, Problems

__all__ = ["Key", "bound_words", "keys", "read_section", "setting"]

T = TypeVar("T")


class Key(NamedTuple):
    """What one key needs beyond its type.

    ``pattern``: what a string must match whole, with ``hint`` the reason given when it does
    not; ``min_length`` of a string (an array of tables is never empty); ``at_least`` and
    ``at_most`` bound a number (which must be finite); ``secret``: the value is never repeated
    in a message; ``integer_as_text``: a TOML integer stands for its digits;
    ``empty_is_default``: ``""`` means the default; ``derive``: when the key is absent, its
    value comes from the table's other keys (``None``: they are wrong themselves, and that is
    what is reported); ``then``: a last check or normalisation of the typed value, raising
    ``ValueError`` with the reason.
    """

    pattern: str | None = None
    hint: str = ""
    min_length: int = 0
    at_least: float | None = None
    at_most: float | None = None
    secret: bool = False
    integer_as_text: bool = False
    empty_is_default: bool = False
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    then: Callable[[Any], Any] | None = None


def setting(
    default: Any = dataclasses.MISSING,
    *,
    factory: Callable[[], Any] | Any = dataclasses.MISSING,
    **rules: Any,
) -> Any:
    """A field of a section that is a key of its table: its ``default`` (or ``factory``;
    neither: the key is required) and its :class:`Key` rules."""
    return dataclasses.field(
        default=default, default_factory=factory, metadata={"key": Key(**rules)}
    )


def keys(section: type) -> list[dataclasses.Field[Any]]:
    """The fields of ``section`` that are keys of its table, in their order."""
    return [field for field in dataclasses.fields(section) if "key" in field.metadata]


def is_required(field: dataclasses.Field[Any]) -> bool:
    """Whether the key must be written (no default, not derived from other keys)."""
    key: Key = field.metadata["key"]
    no_default = field.default is dataclasses.MISSING
    return no_default and field.default_factory is dataclasses.MISSING and key.derive is None


def bound_words(key: Key) -> list[str]:
    """A key's numeric bounds as words: ``["≥ 1", "≤ 86400"]`` (empty: unbounded)."""
    words = [] if key.at_least is None else [f"≥ {key.at_least}"]
    return words if key.at_most is None else [*words, f"≤ {key.at_most}"]


def read_section(
    section: type[T], table: Any, loc: Loc, problems: Problems, base_dir: Path, **given: Any
) -> T | None:
    """The ``section`` that ``table`` spells (``given``: its fields that are not keys), or
    ``None`` with its problems reported: each key's, in the section's order, then the unknown
    keys, then (when there was none) the section's own."""
    if not isinstance(table, dict):
        problems.bad(loc, "it should be a table", table)
        return None
    found = len(problems)
    values: dict[str, Any] = {}
    fields = keys(section)
    for field in fields:
        key: Key = field.metadata["key"]
        if field.name in table:
            value = table[field.name]
        else:
            value = key.derive(table) if key.derive is not None else None
            if value is None:
                if is_required(field):
                    problems.missing((*loc, field.name))
                continue
        if value == "" and key.empty_is_default:
            continue
        where = (*loc, field.name)
        typed = _typed(field.type, key, value, where, problems, base_dir)
        if typed is not _WRONG:
            values[field.name] = typed
    names = [field.name for field in fields]
    for name in table:
        if name not in names:
            problems.unknown((*loc, name), names)
    if len(problems) > found:
        return None
    try:
        return section(**values, **given)
    except ValueError as error:
        problems.bad(loc, str(error), shown=False)
        return None


_WRONG: Any = object()
"""What :func:`_typed` returns for a value it reported."""


def _typed(kind: Any, key: Key, value: Any, loc: Loc, problems: Problems, base_dir: Path) -> Any:
    """``value`` as a ``kind`` that follows ``key``'s rules, or ``_WRONG`` once reported."""
    if typing.get_origin(kind) in (types.UnionType, typing.Union):
        # an optional key: TOML has no null, the key's absence is its default
        (kind,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple:
        typed = _sections(args[0], value, loc, problems, base_dir)
    elif origin is dict:
        typed = _strings(value, loc, problems)
    elif dataclasses.is_dataclass(kind):
        typed = read_section(kind, value, loc, problems, base_dir)  # type: ignore[arg-type]
        typed = _WRONG if typed is None else typed
    else:
        reason, typed = _scalar(kind, key, value, base_dir)
        if reason:
            problems.bad(loc, reason, value, shown=not key.secret)
            return _WRONG
    if typed is _WRONG or key.then is None:
        return typed
    try:
        return key.then(typed)
    except ValueError as error:
        problems.bad(loc, str(error), value, shown=not key.secret)
        return _WRONG


def _scalar(kind: Any, key: Key, value: Any, base_dir: Path) -> tuple[str, Any]:
    """``(reason, "")`` for a wrong value, else ``("", the value as a kind)``."""
    if typing.get_origin(kind) is Literal:
        allowed = [f'"{choice}"' for choice in typing.get_args(kind)]
        if isinstance(value, str) and value in typing.get_args(kind):
            return "", value
        return f"the allowed values are {', '.join(allowed[:-1])} or {allowed[-1]}", ""
    if kind is bool:
        return ("", value) if isinstance(value, bool) else ("it should be a valid boolean", "")
    if kind is float:
        return _number(key, value)
    if kind is Path:
        if not isinstance(value, str):
            return "it should be a path (a string)", ""
        path = Path(value).expanduser()
        return "", path if not value or path.is_absolute() else base_dir / path
    if key.integer_as_text and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return "it should be a valid string", ""
    if len(value) < key.min_length:
        plural = "" if key.min_length == 1 else "s"
        return f"it should have at least {key.min_length} character{plural}", ""
    if key.pattern is not None and not re.fullmatch(key.pattern, value):
        return key.hint, ""
    return "", value


def _number(key: Key, value: Any) -> tuple[str, Any]:
    """A TOML integer or float as a float, finite and within ``key``'s bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "it should be a valid number", ""
    number = float(value)
    low, high = key.at_least, key.at_most
    if (
        math.isfinite(number)
        and (low is None or low <= number)
        and (high is None or number <= high)
    ):
        return "", number
    bounds = " and ".join(bound_words(key))
    return (f"it should be a number {bounds}" if bounds else "it should be a finite number"), ""


def _strings(value: Any, loc: Loc, problems: Problems) -> Any:
    """A table of strings (``flags``), each value not a string reported under its own key."""
    if not isinstance(value, dict):
        problems.bad(loc, "it should be a table", value)
        return _WRONG
    wrong = [label for label, text in value.items() if not isinstance(text, str)]
    for label in wrong:
        problems.bad((*loc, label), "it should be a valid string", value[label])
    return _WRONG if wrong else dict(value)


def _sections(section: type, value: Any, loc: Loc, problems: Problems, base_dir: Path) -> Any:
    """An array of tables (``[[lists]]``), each read as a ``section``, as a tuple."""
    name = str(loc[-1])
    if not isinstance(value, list):
        problems.add(f"{name} must be an array of tables: write [[{name}]], not [{name}]")
        return _WRONG
    if not value:
        required = " and ".join(field.name for field in keys(section) if is_required(field))
        problems.add(f"at least one [[{name}]] table (with {required}) is required")
        return _WRONG
    found = len(problems)
    read = [
        read_section(section, table, (*loc, i), problems, base_dir) for i, table in enumerate(value)
    ]
    return _WRONG if len(problems) > found else tuple(read)
