"""The plan of one run, which holds its actions, conflicts and guard findings
(:mod:`zotmark.core.actions`), and the policy it is made under.

The planner returns a :class:`Plan`; the engine (``sync/``) carries it out. A run that plans
nothing (a no-op sync) reports an empty plan without loading what a plan holds (issue 16:
twelve frozen dataclasses, ~8 ms of its start-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from zotmark.core.model import BaseRecord, Refusal

if TYPE_CHECKING:
    from zotmark.core.actions import Conflict, FileAction, GuardFinding, ZoteroAction

ConflictPolicy = Literal["markdown-wins", "zotero-wins", "fail"]
MarkdownDeletePolicy = Literal["remove-from-collection", "trash", "keep"]
ZoteroDeletePolicy = Literal["strike", "remove", "keep"]
StatusStore = Literal["tags", "reading-list-plugin"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
"""The maps a plan omits: one shared read-only empty mapping."""


class Policy(NamedTuple):
    """How one list syncs: tag names, where Zotero keeps reading states (``status_store``,
    its tags and plugin status names: :mod:`zotmark.core.states`), conflict and deletion
    policies, the mass-delete guard."""

    collection: str
    read_tag: str = "read"
    in_progress_tag: str = "reading"
    cancelled_tag: str = "not-reading"
    status_store: StatusStore = "tags"
    plugin_statuses: tuple[tuple[str, str], ...] = (
        ("To Read", " "), ("New", " "), ("In Progress", "/"), ("Read", "x"), ("Not Reading", "-"),
    )  # fmt: skip
    flag_tags: tuple[str, ...] = ("relevant",)
    conflict: ConflictPolicy = "markdown-wins"
    on_markdown_delete: MarkdownDeletePolicy = "remove-from-collection"
    on_zotero_delete: ZoteroDeletePolicy = "strike"
    anchors: bool = True
    max_delete_fraction: float = 0.25
    force_delete: bool = False
    new_items_heading: str = ""


class Plan(NamedTuple):
    """Everything one run will do, and the base it will record as its writes land.

    ``records`` are the new base rows by item key (the engine records each as the write that
    settles it lands, at the item's version then: ``sync.status``); a pair that is settled
    (nothing planned for it, and its entry, item and base row agreeing) has none and keeps its
    base row. ``forget`` are item keys whose base rows are dropped. ``lines`` gives the entry
    line of each item the plan writes to in Zotero. ``held`` are the refusals still standing:
    writes Zotero refused before, not sent again because their entries did not change.
    ``replaces`` maps the key of an item a pair moves to (another item of the paper, its own
    deleted for good) to the key it leaves, whose base row ``forget`` drops: the pair has
    moved only once the write to the new item lands. ``unsettled`` are the keys of the pairs
    the plan is about (every key of its actions, conflicts, rows, forgotten rows and refusals
    held): every other pair was settled, and stays settled while neither its entry, nor its
    item, nor its base row moves, so the next plan may leave it out (``core.replan``). Only
    a runner that keeps reads them: the plan in the report of one that does not has them
    empty (``sync.engine``).
    """

    zotero: tuple[ZoteroAction, ...] = ()
    file: tuple[FileAction, ...] = ()
    records: Mapping[str, BaseRecord] = _EMPTY
    forget: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    guards: tuple[GuardFinding, ...] = ()
    notes: tuple[str, ...] = ()
    lines: Mapping[str, int] = _EMPTY
    held: tuple[Refusal, ...] = ()
    replaces: Mapping[str, str] = _EMPTY
    unsettled: frozenset[str] = frozenset()

    @property
    def changes_nothing(self) -> bool:
        """True when the run would write nothing on either side."""
        return not (self.zotero or self.file)
