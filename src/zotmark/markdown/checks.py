"""Warnings that compare entries with each other: duplicates and shared identifiers."""

from __future__ import annotations

from collections.abc import Iterable

from zotmark.core.model import Entry, Ident
from zotmark.markdown.document import ParseWarning


def _strong_key(ident: Ident) -> tuple[str, str] | None:
    """The strongest identifier of an ident other than its title, as ``(kind, value)``
    (kinds as in :meth:`Ident.match_keys`). A pair, not a string: no text is built per entry."""
    if ident.arxiv:
        return ("arxiv", ident.arxiv)
    if ident.doi:
        return ("doi", ident.doi)
    if ident.openreview:
        return ("openreview", ident.openreview)
    return ("url", ident.url) if ident.url else None


def cross_warnings(entries: Iterable[Entry]) -> list[ParseWarning]:
    """``duplicate`` for an entry that repeats an earlier one (same identifier and title),
    ``same-identifier`` for one whose identifier an earlier entry with another title has.

    Struck entries are traces of deleted items and are not compared.
    """
    warnings = []
    by_key: dict[tuple[str, str], Entry] = {}
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
            kind, value = key
            warnings.append(
                ParseWarning(
                    entry.line,
                    "same-identifier",
                    f"{kind}:{value} is also the identifier of {first.title!r} (line {first.line})"
                    f" but the titles differ: {entry.title!r}",
                )
            )
        if key is not None:
            by_key.setdefault(key, entry)
        elif entry.ident.title:
            by_title.setdefault(entry.ident.title, entry)
    return warnings
