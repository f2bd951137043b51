"""Library settings on the Zotero server: the coloured tags (setting ``tagColors``).

In Zotero, the first nine coloured tags are bound to the number keys 1–9 (element *i* of the
``tagColors`` array to key *i+1*), so a tag toggles with one keystroke. :func:`with_keys` puts
given tags on the first keys and keeps every other coloured tag with its colour, in order;
:class:`LibrarySettings` reads the setting with its version and writes it back conditionally
(``If-Unmodified-Since-Version``), re-reading when someone changed it in between.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx2

from zotmark.errors import PreconditionFailed, ZoteroError
from zotmark.zotero import answers
from zotmark.zotero.connection import Connection, env_proxy
from zotmark.zotero.transport import RetryTransport, TlsOnDemandTransport

MAX_COLORED_TAGS = 9
PALETTE = (
    "#FF6666", "#FF8C19", "#999999", "#5FB236", "#009980",
    "#2EA8E5", "#576DD9", "#A28AE5", "#A6507B",
)  # fmt: skip
"""Zotero's own colour palette (the desktop's colour picker)."""
PREFERRED = {"read": "#5FB236", "relevant": "#FF8C19"}
ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class TagColors:
    """The ``tagColors`` setting: its entries (``{"name", "color"}``, position = index) and
    its version (0 when the library has no coloured tags yet)."""

    entries: tuple[dict[str, Any], ...]
    version: int

    @property
    def names(self) -> list[str]:
        """The coloured tags, key 1 first."""
        return [str(entry.get("name", "")) for entry in self.entries]


def with_keys(entries: Sequence[dict[str, Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    """``entries`` with ``names`` on the first keys (in that order): a tag that already has a
    colour keeps it, a new one gets its preferred colour or the first palette colour nobody
    uses; every other coloured tag follows with its own colour, in its old order."""
    by_name = {str(entry.get("name")): dict(entry) for entry in entries}
    used = {str(entry.get("color", "")).upper() for entry in entries}
    first: list[dict[str, Any]] = []
    for name in names:
        entry = by_name.get(name)
        if entry is None:
            entry = {"name": name, "color": _free_colour(name, used)}
            used.add(entry["color"])
        first.append(entry)
    rest = [dict(entry) for entry in entries if entry.get("name") not in set(names)]
    return first + rest


def _free_colour(name: str, used: set[str]) -> str:
    preferred = PREFERRED.get(name)
    if preferred and preferred not in used:
        return preferred
    return next((colour for colour in PALETTE if colour not in used), PALETTE[0])


class LibrarySettings:
    """The settings of one library (``library_type``/``library_id``, which must be known) on
    the server at ``base_url``. Requests go through the same retrying transport and error
    translation as :class:`~zotmark.zotero.client.ZoteroClient`; failures raise
    ``zotmark.errors.ZoteroError`` subclasses."""

    def __init__(
        self,
        library_type: str,
        library_id: str | int,
        api_key: str,
        base_url: str,
        *,
        transport: httpx2.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        base_url = base_url.rstrip("/")
        inner = transport or TlsOnDemandTransport(proxy=env_proxy(base_url))
        retrying = RetryTransport(inner, sleep=time.sleep, clock=time.monotonic)
        self._conn = Connection(
            library_type, str(library_id), api_key, base_url, transport=retrying, timeout=timeout
        )

    def __enter__(self) -> LibrarySettings:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._conn.close()

    def tag_colors(self) -> TagColors:
        """The current ``tagColors`` setting (empty, version 0, when there is none)."""
        response = self._conn.request(
            "GET",
            self._conn.path("/settings/tagColors"),
            what=f"the tag colours of {self._conn.library}",
            ok=(200, 404),
        )
        if response.status_code == 404:
            return TagColors((), 0)
        entries, version = self._conn.answer(response, answers.tag_colors)
        if not version:
            version = self._conn.version(response)
        return TagColors(tuple(dict(entry) for entry in entries), version)

    def put_tag_colors(self, entries: Sequence[dict[str, Any]], version: int) -> int:
        """Write the setting if it is still at ``version``; its new version. A setting
        changed meanwhile raises :class:`~zotmark.errors.PreconditionFailed`."""
        response = self._conn.request(
            "PUT",
            self._conn.path("/settings/tagColors"),
            what=f"the tag colours of {self._conn.library}",
            json={"value": list(entries)},
            headers={"If-Unmodified-Since-Version": str(version)},
        )
        return self._conn.version(response)

    def assign_keys(self, names: Sequence[str]) -> TagColors:
        """Put ``names`` on the number keys 1, 2, … (see :func:`with_keys`); the setting as
        written, or as it was when it already had them there (then nothing is sent). Raises
        ``ZoteroError`` when that would push other coloured tags past key 9."""
        for _attempt in range(ATTEMPTS):
            current = self.tag_colors()
            if current.names[: len(names)] == list(names):
                return current
            wanted = with_keys(current.entries, names)
            if len(wanted) > MAX_COLORED_TAGS:
                raise ZoteroError(
                    f"{self._conn.library} already has {len(current.entries)} coloured tags; "
                    f"adding {', '.join(names)} would push some past key {MAX_COLORED_TAGS}. "
                    "Remove a colour in Zotero (tag selector → Assign Color) and run again."
                )
            try:
                version = self.put_tag_colors(wanted, current.version)
            except PreconditionFailed:
                continue  # changed by another client meanwhile: read it again
            return TagColors(tuple(wanted), version)
        raise ZoteroError("The tag colours kept changing on the server; run zotmark init again.")
