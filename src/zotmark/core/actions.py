"""What a plan (:mod:`zotmark.core.plan`) holds: frozen actions, one per change, conflicts and
guard findings.

The planner returns these; the engine (``sync/``) carries them out. Nothing here does
anything. Zotero actions name items by key; file actions name entries by the 1-based line of
their task box in the text the plan was made from. Conflicts and guard findings are values,
never raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from zotmark.core.model import Entry

# --- Zotero side -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateItem:
    """Create a new item with the client-chosen ``key`` for ``entry``, in the collection, with
    ``tags`` (and ``status``, a Reading List plugin status name, when the list keeps its
    states there: ``core.states``)."""

    key: str
    entry: Entry
    tags: frozenset[str]
    status: str | None = None


@dataclass(frozen=True, slots=True)
class AdoptItem:
    """Put an existing library item into the collection (restoring it from the trash)."""

    key: str
    entry: Entry


@dataclass(frozen=True, slots=True)
class UpdateItem:
    """Change an item: add and remove tags, optionally set its title or URL, or its Reading
    List plugin status (``status``, a status name: ``core.states``)."""

    key: str
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    title: str | None = None
    url: str | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class RemoveItem:
    """Take an item out of the collection, or move it to the trash (``trash=True``).
    ``twin_of`` names the item a twin is trashed for (:mod:`zotmark.core.twins`): no entry
    is deleted by it."""

    key: str
    trash: bool = False
    twin_of: str | None = None


ZoteroAction = CreateItem | AdoptItem | UpdateItem | RemoveItem


def fingerprint(action: CreateItem | UpdateItem) -> str:
    """What a create or an update asks of Zotero, as a short stable text: equal exactly when
    the same write would be sent again (a refused one is held back until this changes).
    A create's entry counts by its title, URL and tags, not by its line."""
    if isinstance(action, CreateItem):
        status = () if action.status is None else (f"status:{action.status}",)
        entry = action.entry
        parts = ("create", entry.title, entry.url or "", *sorted(action.tags), *status)
    else:
        tags = [f"+{t}" for t in sorted(action.add_tags)] + [
            f"-{t}" for t in sorted(action.remove_tags)
        ]
        status = () if action.status is None else (f"status:{action.status}",)
        parts = ("update", action.title or "", action.url or "", *tags, *status)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- File side ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetBox:
    """Write ``marker`` into the entry's own box (``flag is None``: a reading state of
    ``core.states``) or into one of its flag boxes (``"x"`` ticked, ``" "`` cleared)."""

    line: int
    marker: str
    flag: str | None = None


@dataclass(frozen=True, slots=True)
class SetAnchor:
    """Write or replace the ``<!-- zotero:KEY -->`` anchor on the entry line."""

    line: int
    key: str


@dataclass(frozen=True, slots=True)
class SetTitle:
    """Replace the entry's title text."""

    line: int
    title: str


@dataclass(frozen=True, slots=True)
class InsertEntry:
    """Append an entry block for an item that appeared in the collection."""

    key: str
    title: str
    url: str | None
    state: str
    flags: Mapping[str, bool]
    heading: str = ""


@dataclass(frozen=True, slots=True)
class StrikeEntry:
    """Strike the entry through (``~~title~~``): its item left the collection."""

    line: int


@dataclass(frozen=True, slots=True)
class RemoveEntry:
    """Remove the entry block from the file."""

    line: int


FileAction = SetBox | SetAnchor | SetTitle | InsertEntry | StrikeEntry | RemoveEntry


# --- Findings ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field changed differently on both sides; ``winner`` is what the policy chose.

    ``winner`` is ``None`` when the policy is ``fail``: the runner must stop before applying.
    """

    key: str
    field: str
    markdown: object
    zotero: object
    winner: Literal["markdown", "zotero"] | None


@dataclass(frozen=True, slots=True)
class GuardFinding:
    """A safety guard that stops the run unless ``--force-delete`` is given."""

    message: str
