"""What a daemon's runner keeps of its list between runs, to plan only what moved.

A runner that keeps (``ListRunner.keep``) holds, once a run is recorded, the list's state (its
base rows and the rest, without the items' JSON texts), the library's snapshot (typed items),
the collection and which items are in it, and what the run's plan left for the next one
(:class:`~zotmark.core.replan.Planned`). The next run uses them while the state's generation
says no other process changed the state: it reads only what changed in the library since the
snapshot, and plans only the pairs that moved (:func:`~zotmark.core.replan.replan`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from zotmark.core.item import Item
from zotmark.core.plan import Plan
from zotmark.core.port import Snapshot
from zotmark.core.replan import Planned
from zotmark.state.model import ListState

__all__ = ["Kept", "Planning", "members_after"]


@dataclass(frozen=True, slots=True)
class Kept:
    """A list as its last recorded run left it: the ``state`` (no item texts), the library's
    ``snapshot``, the key of the list's ``collection`` and the keys of its ``members`` in the
    snapshot, and what the run's plan left for the next (``planned``)."""

    state: ListState
    snapshot: Snapshot
    collection: str
    members: frozenset[str]
    planned: Planned


class Planning(NamedTuple):
    """What one attempt of a run planned: the ``plan``, what it leaves for the list's next
    plan (``planned``), and the collection's ``members`` it was made with. For a runner that
    does not keep, whose next run plans every pair, ``planned`` is ``None`` and the plan has
    no ``unsettled`` keys (only a next plan reads them)."""

    plan: Plan
    planned: Planned | None
    members: frozenset[str]


def members_after(
    members: frozenset[str], items: Mapping[str, Item], collection: str, moved: Collection[str]
) -> frozenset[str]:
    """The keys of the items in ``collection`` once the items ``moved`` changed (or went):
    ``members`` as they were, with each moved item in or out as ``items`` now has it (the
    same set when none came or went)."""
    inside = {key for key in moved if key in items and collection in items[key].collections}
    came = inside - members
    went = {key for key in moved if key in members and key not in inside}
    return (members - went) | came if came or went else members
