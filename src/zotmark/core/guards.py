"""What a plan holds back: the mass-delete guard, and writes Zotero refused before.

Pure. :func:`guard_findings` says when a run would empty a side or delete too much at once (the
planner then plans nothing but the findings); :func:`hold_refused` takes out the creates and
updates Zotero refused before and that did not change since, so they are not sent again.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

from zotmark.core.actions import (
    AdoptItem,
    CreateItem,
    FileAction,
    GuardFinding,
    RemoveEntry,
    RemoveItem,
    SetAnchor,
    StrikeEntry,
    UpdateItem,
    ZoteroAction,
    fingerprint,
)
from zotmark.core.model import BaseRecord, Refusal
from zotmark.core.plan import Policy


def guard_findings(
    policy: Policy,
    base_size: int,
    active_entries: int,
    collection_live: bool,
    zotero_actions: list[ZoteroAction],
    file_actions: list[FileAction],
) -> list[GuardFinding]:
    """Mass-delete guard: a side that suddenly looks empty (the list has no ``active_entries``,
    or the collection no live item while ``base_size`` pairs were synced), or too many
    deletions at once. Nothing trips with ``force_delete`` or fewer than three synced pairs."""
    if policy.force_delete or base_size < 3:
        return []
    found: list[GuardFinding] = []
    if active_entries == 0 and policy.on_markdown_delete != "keep":
        found.append(GuardFinding(f"the list has no entries, but {base_size} were synced"))
    if not collection_live and policy.on_zotero_delete != "keep":
        found.append(GuardFinding(f"the collection is empty, but {base_size} items were synced"))
    # (a twin trashed for the item it merged into deletes no entry)
    removing = sum(isinstance(a, RemoveItem) and a.twin_of is None for a in zotero_actions)
    deleting = removing + sum(isinstance(a, StrikeEntry | RemoveEntry) for a in file_actions)
    limit = max(policy.max_delete_fraction * base_size, 2)
    if deleting > limit and not found:
        found.append(
            GuardFinding(
                f"the run would delete {deleting} of {base_size} synced entries "
                f"(more than {policy.max_delete_fraction:.0%})"
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Held:
    """The actions left once refused writes are held, and the refusals held."""

    zotero: list[ZoteroAction]
    file: list[FileAction]
    held: tuple[Refusal, ...]


def hold_refused(
    zotero_actions: list[ZoteroAction],
    file_actions: list[FileAction],
    records: MutableMapping[str, BaseRecord],
    lines: Mapping[str, int],
    refused: Mapping[str, Refusal],
    base: Mapping[str, BaseRecord],
) -> Held:
    """Take out the creates and updates Zotero refused before, unchanged since: nothing of
    them is sent or recorded (a held create's anchor is not written, a held update's pair keeps
    its base row in ``records``; one that was to move to another item of the paper stays where
    it was, as :attr:`~zotmark.core.plan.Plan.replaces` tells the runner). An item's return
    to the collection goes into the same write as its update (one patch per item), so it is held
    with it, as Zotero refused them together. The refusals held are as of this run's ``lines``
    and titles."""
    if not refused:  # (most runs: nothing to hold, nor to walk every action for)
        return Held(zotero_actions, file_actions, ())
    held: list[Refusal] = []
    kept: list[ZoteroAction] = []
    for action in zotero_actions:
        refusal = refused.get(action.key)
        unchanged = (
            refusal is not None
            and isinstance(action, CreateItem | UpdateItem)
            and fingerprint(action) == refusal.fingerprint
        )
        if refusal is None or not unchanged:
            kept.append(action)
            continue
        line = lines.get(action.key, refusal.line)
        title = records[action.key].title if action.key in records else ""
        held.append(refusal._replace(line=line, title=title or refusal.title))
        records.pop(action.key, None)
        if isinstance(action, UpdateItem) and action.key in base:
            records[action.key] = base[action.key]
    keys = {refusal.item_key for refusal in held}
    return Held(
        [a for a in kept if not (isinstance(a, AdoptItem) and a.key in keys)],
        [a for a in file_actions if not (isinstance(a, SetAnchor) and a.key in keys)],
        tuple(held),
    )
