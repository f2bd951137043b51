"""The run's working status: base rows recorded as each outcome lands (after vdirsyncer's
``sync/status.py``), and the snapshot of the library kept in the state.

A run starts from the stored base rows. Each Zotero write that lands records what it wrote
(:meth:`WorkingStatus.zotero_landed`); the file patch that lands records the rest of the plan
(:meth:`WorkingStatus.file_landed`). A write refused or failed records nothing: its pair keeps
its old row. When the file changed under the run, the next attempt plans from the working rows,
which know what the earlier attempt already wrote to Zotero. At the end only the rows that
differ from the stored ones are written back (:meth:`WorkingStatus.changes`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from zotmark.core.actions import CreateItem, RemoveItem, UpdateItem
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Ident
from zotmark.core.plan import Plan, Policy
from zotmark.core.port import Snapshot
from zotmark.core.states import status_tags
from zotmark.errors import StateError
from zotmark.state.schema import RECOVERY_HINT
from zotmark.zotero.mapping import is_regular_item, item_from_json


class WorkingStatus:
    """The base rows of one list as this run has them so far (by item key): the stored rows,
    and over them the rows this run set or dropped (the stored ones are not copied: a run
    that changes a few rows of 50,000 costs a few)."""

    def __init__(self, stored: Mapping[str, BaseRecord]) -> None:
        self._stored = stored
        self._set: dict[str, BaseRecord | None] = {}  # the rows this run set (None: dropped)
        self._records: Mapping[str, BaseRecord] | None = stored

    @property
    def records(self) -> Mapping[str, BaseRecord]:
        """Every row as this run has it now (the stored mapping itself until a row changes;
        else a new dict, made once per change: read it between changes, not per row)."""
        if self._records is None:
            merged = dict(self._stored)
            for key, row in self._set.items():
                if row is None:
                    merged.pop(key, None)
                else:
                    merged[key] = row
            self._records = merged
        return self._records

    def _row(self, key: str) -> BaseRecord | None:
        return self._set[key] if key in self._set else self._stored.get(key)

    def _put(self, key: str, row: BaseRecord | None) -> None:
        self._set[key] = row
        self._records = None

    def zotero_landed(self, plan: Plan, landed: Mapping[str, Item], policy: Policy) -> None:
        """Record the plan's Zotero writes that landed (``landed``: the item each left, by
        key): a created item's pair takes its planned row at the item's version and title; an
        update sets exactly the fields it wrote; a removal drops the row. Refused and failed
        writes (not in ``landed``) leave their rows as they were."""
        for action in plan.zotero:
            item = landed.get(action.key)
            if item is None:
                continue
            planned, row = plan.records.get(action.key), self._row(action.key)
            if isinstance(action, RemoveItem):
                self._put(action.key, None)
            elif isinstance(action, CreateItem) and planned is not None:
                self._put(action.key, settled(planned, item))
            elif isinstance(action, UpdateItem) and planned and row is not None:
                self._put(action.key, _pushed(row, planned, action, policy))

    def file_landed(self, plan: Plan, snapshot: Snapshot, unwritten: Collection[str]) -> None:
        """Record the plan once its file patch landed: every pair takes its planned row at its
        item's current version and title, and the pairs the plan forgets lose theirs, except
        where a write did not land (``unwritten``: refused or failed). A held pair (a refusal
        still standing) keeps its row as planned; and a pair moves to another item of its
        paper (``Plan.replaces``) only when the write to that item landed."""
        held = {refusal.item_key for refusal in plan.held}
        blocked = held | set(unwritten)
        unmoved = {old for new, old in plan.replaces.items() if new in blocked}
        kept = {key: record for key, record in plan.records.items() if key not in unwritten}
        for key in plan.forget:
            if key not in kept and key not in unmoved:
                self._put(key, None)
        for key, record in kept.items():
            item = None if key in held else snapshot.items.get(key)
            self._put(key, settled(record, item))

    def changes(self) -> tuple[dict[str, BaseRecord], frozenset[str]]:
        """The rows to write (new or different from the stored ones) and the keys to delete
        (only the rows this run set or dropped are looked at)."""
        stored = self._stored
        upserts = {
            key: row
            for key, row in sorted(self._set.items())
            if row is not None and stored.get(key) != row
        }
        deletes = frozenset(k for k, row in self._set.items() if row is None and k in stored)
        return upserts, deletes


def settled(record: BaseRecord, item: Item | None) -> BaseRecord:
    """``record`` at the item's version and with its title as the library has them."""
    if item is None:
        return record
    if record.item_version == item.version and record.item_title == item.title:
        return record
    return record._replace(item_version=item.version, item_title=item.title)


def _pushed(
    base: BaseRecord, planned: BaseRecord, update: UpdateItem, policy: Policy
) -> BaseRecord:
    """``base`` with the fields ``update`` wrote to Zotero taken from the planned record (the
    reading state when it wrote a status tag or a plugin status)."""
    tags = update.add_tags | update.remove_tags
    flags = {**base.flags, **{t: on for t, on in planned.flags.items() if t in tags}}
    pushed = update.status is not None or not tags.isdisjoint(status_tags(policy))
    record = base._replace(flags=flags, state=planned.state if pushed else base.state)
    if update.title is not None:
        record = record._replace(
            title=planned.title, item_title=planned.item_title, ident_key=planned.ident_key
        )
    if update.url is not None:
        record = record._replace(url=planned.url)
    return record


def stored_snapshot(
    texts: Iterable[tuple[str, str]], version: int, idents: Mapping[Ident, Ident] | None = None
) -> Snapshot:
    """The snapshot, at ``version``, of the regular items among the state's JSON texts
    (``(item key, text)`` pairs): each text is read into its item and let go before the next
    (50,000 items' JSON is never all in memory at once); an item whose ident equals one of
    ``idents`` holds that one (see :func:`~zotmark.zotero.mapping.item_from_json`). Raises
    :class:`StateError` as :func:`stored_data` does."""
    items = {}
    for key, text in texts:
        data = _data_of(key, text)
        if is_regular_item(data):
            item = item_from_json(data, idents)
            items[item.key] = item  # (its own key, the same text: one string kept, not two)
    return Snapshot(version, items)


def stored_data(texts: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The item ``data`` of each of the state's JSON texts, by item key.

    Raises :class:`StateError` when a text is not the JSON object of its item (the state file
    was damaged after it was written), saying how to recover.
    """
    return {key: _data_of(key, text) for key, text in texts.items()}


def _data_of(key: str, text: str) -> dict[str, Any]:
    """The item ``data`` of one JSON text of the state (see :func:`stored_data`)."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("key") != key:
        raise StateError(
            f"the sync state's copy of Zotero item {key} is damaged (it is not that item's "
            "JSON), so the state file (state.sqlite3 in the [state] dir) is damaged; to "
            f"recover, {RECOVERY_HINT}"
        )
    return data
