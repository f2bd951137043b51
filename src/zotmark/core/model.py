"""The values zotmark reasons about, the ident of a paper, and Zotero item keys.

Pure: no I/O. An :class:`Entry` is one paper as the reading list states it (one Zotero item
is an :class:`~zotmark.core.item.Item`), a :class:`BaseRecord` the last values both agreed on;
an :class:`Ident` is what identifies a paper across the list and Zotero (arXiv id, DOI,
OpenReview id, normalised URL, normalised title), which
:func:`zotmark.core.identifiers.identify` builds. A run that plans
nothing (a no-op sync) uses these values without the identifiers' patterns (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import NamedTuple

NO_FLAGS: Mapping[str, bool] = MappingProxyType({})
"""The flags of an entry with no flag box (shared, so read-only)."""


class Ident(NamedTuple):
    """The identifiers of one paper, each already normalised (``None`` when unknown).

    ``title`` is the normalised title (see :func:`normalize_title`), ``url`` the normalised URL
    (see :func:`normalize_url`); both are only fallbacks for matching when no stronger
    identifier exists.

    An immutable value, equal and hashed by its fields (a named tuple, as :class:`Entry`).
    """

    arxiv: str | None = None
    doi: str | None = None
    openreview: str | None = None
    url: str | None = None
    title: str = ""

    # Each identifier's kind is its field's name, and the field order the order of strength.
    # (``strongest`` and ``primary`` unpack the fields and test them in that order: a plan asks
    # for ``primary`` once or twice per entry, and a parse for ``strongest`` once; a loop over
    # the fields with their names made each ~1,000 instructions dearer, 2,800 against 1,900.)

    def strongest(self) -> tuple[str, str] | None:
        """The kind and value of the strongest identifier: the first of ``arxiv``, ``doi``,
        ``openreview``, ``url`` and ``title`` that is known (``None`` for an empty ident)."""
        arxiv, doi, openreview, url, title = self
        if arxiv:
            return "arxiv", arxiv
        if doi:
            return "doi", doi
        if openreview:
            return "openreview", openreview
        if url:
            return "url", url
        return ("title", title) if title else None

    def match_keys(self) -> tuple[str, ...]:
        """The match keys, strongest first.

        ``arxiv:…``, ``doi:…``, ``openreview:…``, ``url:…``, ``title:…``.
        """
        return tuple(f"{self._fields[k]}:{value}" for k, value in enumerate(self) if value)

    @property
    def primary(self) -> str | None:
        """The strongest identifier as a key string (the first of :meth:`match_keys`), or
        ``None`` for an empty ident."""
        arxiv, doi, openreview, url, title = self
        if arxiv:
            return f"arxiv:{arxiv}"
        if doi:
            return f"doi:{doi}"
        if openreview:
            return f"openreview:{openreview}"
        if url:
            return f"url:{url}"
        return f"title:{title}" if title else None


class Entry(NamedTuple):
    """One paper as the reading list states it.

    ``line`` is the 1-based line of the entry's own task box; ``state`` the marker in it, as
    written (``" "``, ``"/"``, ``"x"``, ``"X"``, ``"-"`` or one zotmark does not know: see
    :mod:`zotmark.core.states`). ``flags`` maps a flag's *tag name*
    (e.g. ``relevant``) to its box state; a flag the entry has no box for is absent.
    ``section`` is the heading path above the entry. ``anchor`` is the Zotero item key from a
    ``<!-- zotero:KEY -->`` comment on the entry line. ``struck`` is true for an entry whose
    title is struck through (``~~…~~``): it was deleted in Zotero and is kept only as a trace.

    An immutable value, equal and hashed by its fields (``flags`` is read-only by contract).
    """

    line: int
    title: str
    url: str | None
    ident: Ident
    state: str = " "
    flags: Mapping[str, bool] = NO_FLAGS
    section: tuple[str, ...] = ()
    anchor: str | None = None
    struck: bool = False


class BaseRecord(NamedTuple):
    """The last values both sides agreed on for one entry/item pair (a row of the sync state).

    ``title`` is the entry's title as the file had it; ``item_title`` the item's title as Zotero
    had it (they differ once enrichment supplied the canonical title). ``state`` is the agreed
    reading state (a marker of :mod:`zotmark.core.states`, ``"x"`` for done). ``flags`` maps
    flag tag names to their agreed state, as in :class:`Entry`. ``item_version`` is the item's
    version after the last run that touched it.

        An immutable value, equal by its fields (``flags`` is read-only by contract).
    """

    item_key: str
    ident_key: str
    title: str
    url: str | None
    state: str
    flags: Mapping[str, bool] = NO_FLAGS
    item_version: int = 0
    item_title: str = ""


class Refusal(NamedTuple):
    """A write of one entry's item that Zotero refused (an over-long title, an invalid field):
    kept in the state and shown until the entry changes, and not sent again before it does.

    ``item_key`` is the item the write was for (for a create, the key it is retried under);
    ``fingerprint`` identifies the refused change (:func:`~zotmark.core.actions.fingerprint`);
    ``line`` and ``title`` say which entry it was (as of the latest run); ``message`` is what
    the server said, with its status code.
    """

    item_key: str
    fingerprint: str
    line: int
    title: str
    message: str


# --- Zotero item keys ---------------------------------------------------------------------------

ITEM_KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


_KEY_BASE = len(ITEM_KEY_ALPHABET)


def new_item_key(randbelow: Callable[[int], int]) -> str:
    """A new 8-character Zotero object key; ``randbelow(n)`` returns a random int in [0, n)
    (e.g. :func:`secrets.randbelow`). One draw below 33⁸, spelt in the key alphabet (most
    significant digit first): every key equally likely, one call to the random source (a
    system call for ``secrets``) per key rather than eight."""
    number, digits = randbelow(_KEY_BASE**8), []
    for _ in range(8):
        number, digit = divmod(number, _KEY_BASE)
        digits.append(ITEM_KEY_ALPHABET[digit])
    return "".join(reversed(digits))


def is_item_key(s: str) -> bool:
    """Whether ``s`` is a well-formed Zotero object key (8 characters of the key alphabet)."""
    return len(s) == 8 and not s.strip(ITEM_KEY_ALPHABET)
