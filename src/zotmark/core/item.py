"""One Zotero item as zotmark sees it: an :class:`Item`.

Pure: no I/O. Apart from the other values (:mod:`zotmark.core.model`): a run that finds nothing
changed reads no item, and defining this dataclass cost such a run ~5.5M instructions (issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass

from zotmark.core.model import Ident

__all__ = ["Item"]


@dataclass(frozen=True, slots=True)
class Item:
    """One Zotero item as zotmark sees it (mapped from the item JSON by ``zotero.mapping``).

    ``tags`` are the item's tag names, ``auto_tags`` those of them of type 1 (automatic tags a
    write must keep as such); ``collections`` the keys of the collections it is in;
    ``deleted`` is true while it sits in the trash; ``extra`` is its ``extra`` field (the
    Reading List plugin keeps its status there: :mod:`zotmark.core.states`). ``version`` is
    the item's object version.
    ``added`` is when it was added, its ``dateAdded`` (``YYYY-MM-DDThh:mm:ssZ``, UTC) as the
    number ``YYYYMMDDhhmmss`` (0 when unknown): with the key, it orders an item's twins
    (:mod:`zotmark.core.twins`). (A number, not the text: 32 bytes an item where the text
    took 72: 37 B an entry of a first sync's peak at 10,000 and at 50,000 entries,
    ``benchmarks/bench_sync.py --latency-ms 0 --memory``.)
    Everything a write to the item needs (``zotero.mapping.item_patch``) is here: no JSON of
    the item is kept beside it.
    """

    key: str
    version: int
    item_type: str
    title: str
    url: str | None
    ident: Ident
    tags: frozenset[str] = frozenset()
    collections: frozenset[str] = frozenset()
    deleted: bool = False
    auto_tags: frozenset[str] = frozenset()
    extra: str = ""
    added: int = 0
