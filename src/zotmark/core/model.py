"""The values zotmark reasons about, and the normalisation of identifiers and titles.

Pure: no I/O. An :class:`Entry` is one paper as the reading list states it; an :class:`Ident`
is what identifies that paper across the list and Zotero (arXiv id, DOI, OpenReview id,
normalised URL, normalised title). Every normalisation is one small pure function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Ident:
    """The identifiers of one paper, each already normalised (``None`` when unknown).

    ``title`` is the normalised title (see :func:`normalize_title`), ``url`` the normalised URL
    (see :func:`normalize_url`); both are only fallbacks for matching when no stronger
    identifier exists.
    """

    arxiv: str | None = None
    doi: str | None = None
    openreview: str | None = None
    url: str | None = None
    title: str = ""

    def keys(self) -> tuple[str, ...]:
        """The match keys, strongest first: ``arxiv:…``, ``doi:…``, ``openreview:…``, ``url:…``, ``title:…``."""
        pairs = (
            ("arxiv", self.arxiv),
            ("doi", self.doi),
            ("openreview", self.openreview),
            ("url", self.url),
            ("title", self.title or None),
        )
        return tuple(f"{kind}:{value}" for kind, value in pairs if value)

    @property
    def primary(self) -> str | None:
        """The strongest identifier as a key string, or ``None`` for an empty ident."""
        keys = self.keys()
        return keys[0] if keys else None


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as the reading list states it.

    ``line`` is the 1-based line of the entry's own task box. ``flags`` maps a flag's *tag name*
    (e.g. ``relevant``) to its box state; a flag the entry has no box for is absent.
    ``section`` is the heading path above the entry. ``anchor`` is the Zotero item key from a
    ``<!-- zotero:KEY -->`` comment on the entry line. ``struck`` is true for an entry whose
    title is struck through (``~~…~~``): it was deleted in Zotero and is kept only as a trace.
    """

    line: int
    title: str
    url: str | None
    ident: Ident
    read: bool = False
    flags: Mapping[str, bool] = field(default_factory=dict)
    section: tuple[str, ...] = ()
    anchor: str | None = None
    struck: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One Zotero item as zotmark sees it (mapped from the item JSON by ``zotero.mapping``).

    ``tags`` are the item's tag names; ``collections`` the keys of the collections it is in;
    ``deleted`` is true while it sits in the trash. ``version`` is the item's object version.
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


@dataclass(frozen=True, slots=True)
class BaseRecord:
    """The last values both sides agreed on for one entry/item pair (a row of the sync state).

    ``title`` is the entry's title as the file had it; ``item_title`` the item's title as Zotero
    had it (they differ once enrichment supplied the canonical title). ``flags`` maps flag tag
    names to their agreed state, as in :class:`Entry`. ``item_version`` is the item's version
    after the last run that touched it.
    """

    item_key: str
    ident_key: str
    title: str
    url: str | None
    read: bool
    flags: Mapping[str, bool] = field(default_factory=dict)
    item_version: int = 0
    item_title: str = ""
