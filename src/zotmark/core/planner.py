"""The planner: the decision table of DESIGN §4 as one pure, total function.

``plan(entries, zotero, base, policy)`` compares the reading list, the Zotero collection and
the last-synced base and returns a :class:`~zotmark.core.plan.Plan`. It never raises on
data: conflicts and guard findings are values in the plan. Entries are paired with items by
:mod:`zotmark.core.pairing`; this module walks the pairs, the new entries, the rows whose entry
is gone and the items new to the collection in order, and :mod:`zotmark.core.builder` decides
what each adds to the plan (its merges, twins and delete policies, then the guards).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from zotmark.core.builder import PlanBuilder, ZoteroSnapshot
from zotmark.core.creates import CreateKeys, PendingKey, paper, papers_after
from zotmark.core.model import BaseRecord, Entry, Refusal
from zotmark.core.pairing import Pairing, ambiguous_idents, pair_entries
from zotmark.core.plan import Plan, Policy
from zotmark.core.twins import titled_apart, twins_in_play

__all__ = ["Plan", "ZoteroSnapshot", "plan"]


def plan(
    entries: Sequence[Entry],
    zotero: ZoteroSnapshot,
    base: Mapping[str, BaseRecord],
    policy: Policy,
    *,
    new_key: Callable[[], str],
    pending: Mapping[PendingKey, str] | None = None,
    flag_boxes: bool = True,
    refused: Mapping[str, Refusal] | None = None,
    pairing: Pairing | None = None,
    moved: Collection[str] | None = None,
) -> Plan:
    """Decide one run (see module doc). ``new_key`` supplies fresh item keys; ``pending`` maps
    :func:`pending_key` of entries whose create may already have reached the server to the key
    it was sent with, so a retry reuses the key and can never duplicate the item (a create
    Zotero refused is retried under its key even after its entry was retitled). ``flag_boxes``
    says whether an entry appended to the file gets flag boxes (the file's own style): without
    them the new pair agrees on no flag. ``refused`` maps item keys to writes Zotero refused
    before: the same write is not planned again (it is ``held``) until the entry changes.

    ``pairing`` is the pairing of ``entries`` when the caller has it (default: paired here);
    ``moved`` the item keys of the pairs to plan (default ``None``: every pair). The caller
    vouches that every other pair is settled (not in an earlier plan's
    :attr:`~Plan.unsettled`, and neither its entry, nor its item, nor its base row moved
    since): such a pair needs nothing, so planning it would add nothing to the plan. Entries
    left new or repeating another are planned whatever ``moved`` says (``core.replan``)."""
    if pairing is None:
        pairing = pair_entries(entries, base, zotero.collection, zotero.library)
    claimed = pairing.claimed
    keys = None if moved is None else set(moved)  # (None: every pair, no set of them made)
    ambiguous = lambda: ambiguous_idents(entries) | titled_apart(base.values())  # noqa: E731
    title_of = lambda key: entries[claimed[key]].ident.title  # noqa: E731
    twins = twins_in_play(zotero.library, zotero.collection, claimed, ambiguous, title_of)
    if keys is not None:  # (every line holding a twin is planned: a held one says so each run)
        keys |= twins.related(keys) | twins.survivor.keys()
    build = PlanBuilder(
        policy, zotero, base, claimed, twins, flag_boxes, refused or {}, ambiguous=ambiguous
    )
    for index in sorted(claimed[key] for key in _within(claimed.keys(), keys)):
        key = pairing.paired[index]
        build.pair(entries[index], key, base.get(key))
    for index, twin in sorted(pairing.duplicates.items()):
        build.notes.append(_repeat_note(entries[index], entries[twin], "anchor"))
    if pairing.new:
        listed = papers_after(build.row_after, entries, pairing.paired)
        create_keys = CreateKeys(pending or {}, refused or {}, new_key)
        for index in pairing.new:
            entry = entries[index]
            first = listed.setdefault(paper(entry), entry)
            if first is not entry:  # the same paper listed twice is one item
                build.notes.append(_repeat_note(entry, first, "paper"))
            elif (found := pairing.deferred.get(index)) is not None and not build.claims(found):
                build.adopt(entry, found, base.get(found))  # (a repeat as written, not after)
            else:
                build.create(entry, create_keys.for_entry(entry))
    # (the items that edited entries took instead of theirs are claimed too)
    held = (claimed, build.taken)
    for key in sorted(set(_within(base.keys(), keys)).difference(*held)):
        build.markdown_removed(base[key])
    for key in sorted(set(_within(zotero.collection, keys)).difference(base, *held)):
        item = zotero.live(key)
        if item is not None and key in twins.survivor:
            build.trash_twin(key)
        elif item is not None:
            build.zotero_added(item)
    return build.finish(pairing.active)


def _within(candidates: Collection[str], keys: set[str] | None) -> Collection[str]:
    """The ``candidates`` among ``keys`` (``None``: all of them)."""
    return candidates if keys is None else keys.intersection(candidates)


def _repeat_note(entry: Entry, original: Entry, what: str) -> str:
    """Why ``entry`` is left out of the sync: it repeats ``original``'s anchor, or its paper."""
    return (
        f"line {entry.line} repeats the {what} of line {original.line}: left out of the sync "
        f"(delete it{'' if what == 'anchor' else ', or make it a different paper'})"
    )
