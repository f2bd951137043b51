"""Warnings that compare entries with each other: duplicates and shared identifiers."""

from __future__ import annotations

from collections.abc import Iterable

from zotmark.core.model import Entry, Ident
from zotmark.markdown.document import ParseWarning


def _strong_key(ident: Ident) -> str | None:
    """The strongest match key of an ident other than its title: its primary key, unless that
    is the title's (the title's key comes last in :meth:`Ident.match_keys`)."""
    primary = ident.primary
    return primary if primary is not None and not primary.startswith("title:") else None


def cross_warnings(entries: Iterable[Entry]) -> list[ParseWarning]:
    """``duplicate`` for an entry that repeats an earlier one (same identifier and title),
    ``same-identifier`` for one whose identifier an earlier entry with another title has.

    Struck entries are traces of deleted items and are not compared.
    """
    warnings = []
    by_key: dict[str, Entry] = {}
    by_title: dict[str, Entry] = {}
    for entry in entries:
        if entry.struck:
            continue
        key = _strong_key(entry.ident)
        first = by_key.get(key) if key else by_title.get(entry.ident.title)
        if first is not None and first.ident.title == entry.ident.title:
            warnings.append(
                ParseWarning(
                    entry.line,
                    "duplicate",
                    f"{entry.title!r} repeats the entry on line {first.line}",
                )
            )
        elif first is not None and key is not None:
            warnings.append(
                ParseWarning(
                    entry.line,
                    "same-identifier",
                    f"{key} is also the identifier of {first.title!r} (line {first.line})"
                    f" but the titles differ: {entry.title!r}",
                )
            )
        if key is not None:
            by_key.setdefault(key, entry)
        elif entry.ident.title:
            by_title.setdefault(entry.ident.title, entry)
    return warnings
