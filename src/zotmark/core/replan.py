"""Planning again only what moved: a list's next plan from what its last plan left.

Pure. A daemon plans one list again and again while little changes in it. :class:`Planned` is
what one plan leaves for the next: the entries it was made from, their pairing, the policy, and
the keys of the pairs it did not leave settled (:attr:`~zotmark.core.plan.Plan.unsettled`).
:func:`replan` plans the entries the caller read now, merging only the pairs that moved since
then: the pairs the last plan was about, those whose entry changed (entries are compared with
the last ones, by identity first), and those whose item or base row the caller says moved.
Every other pair was settled and still is, so planning it would add nothing
(:func:`~zotmark.core.planner.plan` with ``moved``). The last pairing is kept when it still stands:
every active entry was paired by its anchor or left new, no entry's anchor or activity changed
(nor their number) but for the new ones, which each hold an anchor of their own now (the item
made for them: they are paired by it), and every anchor still names a base row or an item;
else the entries are paired again and every pair is planned, which is
:func:`~zotmark.core.planner.plan`.

The result is the plan :func:`~zotmark.core.planner.plan` makes of the same inputs, field for
field (``tests/core/test_replan.py`` checks it under random edits on both sides).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from zotmark.core.creates import PendingKey
from zotmark.core.model import BaseRecord, Entry, Refusal
from zotmark.core.pairing import Pairing, is_active, pair_entries
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import ZoteroSnapshot, plan

__all__ = ["Planned", "replan"]


@dataclass(frozen=True, slots=True)
class Planned:
    """What a plan leaves for the next plan of its list: the ``entries`` it was made from,
    their ``pairing``, the ``policy``, and the keys of the pairs it did not leave settled."""

    entries: Sequence[Entry]
    pairing: Pairing
    policy: Policy
    unsettled: frozenset[str]


def replan(
    last: Planned | None,
    moved: Collection[str],
    entries: Sequence[Entry],
    zotero: ZoteroSnapshot,
    base: Mapping[str, BaseRecord],
    policy: Policy,
    *,
    new_key: Callable[[], str],
    pending: Mapping[PendingKey, str] | None = None,
    flag_boxes: bool = True,
    refused: Mapping[str, Refusal] | None = None,
) -> tuple[Plan, Planned]:
    """The plan of ``entries`` (see module doc) and what it leaves for the next one.

    ``last`` is what the list's last plan left (``None``: plan every pair); ``moved`` the item
    keys whose item or base row may have changed since it was made (the caller's promise: a
    key left out must name the same item, in or out of the collection as it was, and the same
    base row). The options are :func:`~zotmark.core.planner.plan`'s."""
    kept = _standing(last, moved, entries, zotero, base, policy) if last is not None else None
    if kept is None:
        pairing, keys = pair_entries(entries, base, zotero.collection, zotero.library), None
    else:
        pairing, keys = kept
    the_plan = plan(
        entries, zotero, base, policy, new_key=new_key, pending=pending,
        flag_boxes=flag_boxes, refused=refused, pairing=pairing, moved=keys,
    )  # fmt: skip
    return the_plan, Planned(entries, pairing, policy, the_plan.unsettled)


def _standing(
    last: Planned,
    moved: Collection[str],
    entries: Sequence[Entry],
    zotero: ZoteroSnapshot,
    base: Mapping[str, BaseRecord],
    policy: Policy,
) -> tuple[Pairing, set[str]] | None:
    """The last pairing, and the keys of the pairs that moved, when that pairing still stands
    for ``entries`` (see module doc), with the entries it left new paired by the anchors they
    hold now (the items made for them); else ``None``."""
    pairing, before = last.pairing, last.entries
    if policy != last.policy or pairing.by_identifiers or len(entries) != len(before):
        return None
    keys = set(moved) | last.unsettled
    new, anchored = set(pairing.new), {}
    claimed = pairing.claimed
    for index in itertools.compress(range(len(entries)), map(operator.is_not, entries, before)):
        entry, was = entries[index], before[index]
        if entry == was:  # the same entry read again
            continue
        if index in new:  # a new entry now holds an anchor: paired by it, if alone to hold it
            if entry.anchor is None or not is_active(entry) or entry.anchor in claimed:
                return None
            anchored[index] = entry.anchor
        elif not _paired_alike(entry, was):
            return None
        key = pairing.paired.get(index) or anchored.get(index)
        if key is not None:
            keys.add(key)
    if len(anchored) < len(new) or len(set(anchored.values())) < len(anchored):
        return None  # an entry left new (or two holding one anchor): paired again
    named = [key for key in keys if key in claimed]
    if any(key not in base and key not in zotero.library for key in [*named, *anchored.values()]):
        return None  # an anchor that names nothing (any more): its entry is new
    return (pairing.with_anchored(anchored) if anchored else pairing), keys


def _paired_alike(entry: Entry, was: Entry) -> bool:
    """Whether ``entry`` pairs by its anchor as ``was`` did, in its place: the same anchor,
    and active (taking part in the sync) or not alike."""
    return entry.anchor == was.anchor and is_active(entry) == is_active(was)
