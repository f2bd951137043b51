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
    ``date_added`` is its ``dateAdded`` as the server gives it (``YYYY-MM-DDThh:mm:ssZ``: the
    texts sort as the times do; empty when unknown): with the key, it orders an item's twins
    (:mod:`zotmark.core.twins`).
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
    date_added: str = ""
