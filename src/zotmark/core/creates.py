"""New entries: the key each create goes under, and which entries repeat a paper.

Pure. A create goes under the key of the entry's pending create when it has one (a create
that may already have reached the server, retried under its key so that it is never
duplicated), else the key of a refused create of the same identifier, else a fresh key
(:class:`CreateKeys`). An entry repeats a paper when another entry states the same primary
identifier and normalised title (:func:`paper`): the list holds the paper once, in one item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from zotmark.core.identifiers import normalize_title
from zotmark.core.model import BaseRecord, Entry, Refusal

__all__ = ["CreateKeys", "PendingKey", "paper", "papers_after", "pending_key"]

Paper = tuple[str | None, str]
"""What makes two entries the same paper: their primary identifier and normalised title."""


PendingKey = tuple[str, str]
"""What a pending create is remembered by between runs: the entry's primary identifier and
its normalised title (:func:`pending_key`)."""


def pending_key(entry: Entry) -> PendingKey:
    """The key under which a pending create of ``entry`` is remembered between runs."""
    return entry.ident.primary or "", entry.ident.title


class CreateKeys:
    """The key each new entry's create goes under: its pending create's key when it has one
    (exactly, else a refused create of the same identifier), a fresh one otherwise; never
    one key twice."""

    def __init__(
        self,
        pending: Mapping[PendingKey, str],
        refused: Mapping[str, Refusal],
        new_key: Callable[[], str],
    ) -> None:
        self._pending = pending
        self._refused = {ident: key for (ident, _), key in pending.items() if key in refused}
        self._new_key = new_key
        self._used: set[str] = set()

    def for_entry(self, entry: Entry) -> str:
        """The key of ``entry``'s create. (Without pending creates, which a first sync and most
        runs have, there is nothing to look up: every refused create is a pending one.)"""
        if not self._pending:
            return self._new_key()
        ident_key, title = pending_key(entry)
        for key in (self._pending.get((ident_key, title)), self._refused.get(ident_key)):
            if key is not None and key not in self._used:
                self._used.add(key)
                return key
        return self._new_key()


def paper(entry: Entry) -> Paper:
    """What makes two entries the same paper: their primary identifier and normalised title."""
    return entry.ident.primary, entry.ident.title


def papers_after(
    row_after: Callable[[str], BaseRecord | None],
    entries: Sequence[Entry],
    paired: Mapping[int, str],
) -> dict[Paper, Entry]:
    """The paper each paired entry states once this run has written its title (a title taken
    from Zotero changes which entries repeat it), with the entry; judged on the rows after the
    run (``row_after``), so that the next run judges the same."""
    listed: dict[Paper, Entry] = {}
    for index, key in sorted(paired.items()):
        record = row_after(key)
        if record is not None:
            listed.setdefault((record.ident_key, normalize_title(record.title)), entries[index])
    return listed
