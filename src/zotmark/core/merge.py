"""Per-field three-way merge against the last-synced base.

Pure. A field that changed on one side only takes that side's value; a field that changed on
both sides to the same value is simply recorded; a field that changed on both sides to
different values (or differs with no base at all) is a conflict, settled by the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from zotmark.core.actions import ConflictPolicy

T = TypeVar("T")
Winner = Literal["markdown", "zotero"]


@dataclass(frozen=True, slots=True)
class FieldMerge(Generic[T]):
    """The merged value of one field, and whether it was a conflict.

    ``winner`` says which side's value was taken when both differed (``None`` if they agree or
    only one side changed). ``unresolved`` is true when the policy is ``fail``: ``value`` is then
    the markdown value, and the run must stop before applying anything.
    """

    value: T
    conflict: bool = False
    winner: Winner | None = None
    unresolved: bool = False


class _Missing:
    """Marks a field with no base value (the state was lost or the pair is new)."""


MISSING = _Missing()


def merge_field(
    base: T | _Missing,
    markdown: T,
    zotero: T,
    policy: ConflictPolicy,
    same: Callable[[T, T], bool] = lambda a, b: a == b,
) -> FieldMerge[T]:
    """Merge one field three ways; ``same`` decides equality (e.g. normalised titles)."""
    if same(markdown, zotero):
        return FieldMerge(markdown)
    if not isinstance(base, _Missing):
        if same(markdown, base):
            return FieldMerge(zotero)
        if same(zotero, base):
            return FieldMerge(markdown)
    if policy == "zotero-wins":
        return FieldMerge(zotero, conflict=True, winner="zotero")
    if policy == "fail":
        return FieldMerge(markdown, conflict=True, unresolved=True)
    return FieldMerge(markdown, conflict=True, winner="markdown")
