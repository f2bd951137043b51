"""Warnings that compare entries with each other: duplicates and shared identifiers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from zotmark.core.model import Entry
from zotmark.markdown.document import ParseWarning


def cross_warnings(entries: Iterable[Entry]) -> list[ParseWarning]:
    """``duplicate`` for an entry that repeats an earlier one (same identifier and title),
    ``same-identifier`` for one whose identifier an earlier entry with another title has.

    An entry is compared by its strongest identifier (:meth:`~zotmark.core.model.Ident.
    strongest`): by its title only when it has no other. Struck entries are traces of deleted
    items and are not compared.
    """
    warnings = []
    firsts: defaultdict[str, dict[str, Entry]] = defaultdict(dict)  # kind → value → entry
    for entry in entries:
        if entry.struck:
            continue
        kind, value = entry.ident.strongest() or ("title", "")
        seen = firsts[kind]
        first = seen.get(value)
        if first is not None and first.ident.title == entry.ident.title:
            warnings.append(
                ParseWarning(
                    entry.line,
                    "duplicate",
                    f"{entry.title!r} repeats the entry on line {first.line}",
                )
            )
        elif first is not None and kind != "title":
            warnings.append(
                ParseWarning(
                    entry.line,
                    "same-identifier",
                    f"{kind}:{value} is also the identifier of {first.title!r} (line "
                    f"{first.line}) but the titles differ: {entry.title!r}",
                )
            )
        if value:
            seen.setdefault(value, entry)
    return warnings
