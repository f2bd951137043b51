"""One run's dealings with Zotero: refresh the local mirror, then carry out the plan's writes.

The mirror (kept in the state) holds the last known JSON of every library item, so a run reads
only what changed since the stored library version (one request when nothing did) and can match
entries against the whole library without searching it. Writes are batched and chained on the
library version: each batch is conditional on the version the previous one returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zotmark.core.actions import AdoptItem, CreateItem, Plan, Policy, RemoveItem, UpdateItem
from zotmark.core.model import Item
from zotmark.core.planner import ZoteroSnapshot
from zotmark.errors import ProtocolError, StateError
from zotmark.service.ports import JsonObject, ZoteroPort
from zotmark.state.schema import RECOVERY_HINT
from zotmark.zotero.mapping import ItemChange, item_from_json, item_patch, new_item_data
from zotmark.zotero.results import WriteFailure

NewItemHook = Callable[[list[tuple[CreateItem, dict[str, Any]]]], list[dict[str, Any]]]
"""Given every create of a run with its item JSON, returns the JSON to send (e.g. enriched)."""


@dataclass(frozen=True, slots=True)
class Mirror:
    """The library as last seen: item JSON by key and the library version it reflects.

    ``upserts``/``deletes`` are the changes to store for it at the end of the run.
    """

    items: Mapping[str, JsonObject]
    library_version: int
    upserts: Mapping[str, JsonObject] = field(default_factory=dict)
    deletes: frozenset[str] = frozenset()

    def snapshot(self, collection: str | None) -> ZoteroSnapshot:
        """The planner's view: every regular item, and those in ``collection``."""
        library: dict[str, Item] = {}
        for key, obj in self.items.items():
            if obj.get("data", {}).get("itemType") in ("attachment", "note", "annotation"):
                continue
            library[key] = item_from_json(obj)
        members = frozenset(
            key for key, item in library.items() if collection and collection in item.collections
        )
        return ZoteroSnapshot(library, members)

    def with_written(self, written: Mapping[str, JsonObject], version: int) -> Mirror:
        """The mirror after our own writes (the write reports carry the full objects), at
        the library version the last of them returned. Every write was conditional on the
        version before it, so no one else's change can hide between them."""
        return Mirror(
            {**self.items, **written},
            version,
            {**self.upserts, **written},
            self.deletes - set(written),
        )


def load_mirror(stored: Mapping[str, str], library_version: int) -> Mirror:
    """The mirror from the state's JSON texts (:class:`StateError` if one is damaged)."""
    items = {key: _wrap(data) for key, data in mirror_data(stored).items()}
    return Mirror(items, library_version)


def mirror_data(stored: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The item ``data`` of each of the state's mirror texts, by item key.

    Raises :class:`StateError` when a text is not the JSON object of its item (the state file
    was damaged after it was written), saying how to recover.
    """
    items = {}
    for key, text in stored.items():
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
        items[key] = data
    return items


def mirror_texts(objects: Mapping[str, JsonObject]) -> dict[str, str]:
    """The state's JSON texts for mirror upserts (the item ``data`` with its version)."""
    return {key: json_text(obj["data"]) for key, obj in objects.items()}


json_text: Callable[[object], str] = json.JSONEncoder(sort_keys=True).encode
"""``json.dumps(value, sort_keys=True)``, with one encoder for every call (the state's texts
of item JSON: thousands per large sync)."""


def _wrap(data: dict[str, Any]) -> JsonObject:
    return {"key": data["key"], "version": data.get("version", 0), "data": data}


def refresh(port: ZoteroPort, mirror: Mirror, *, checked: bool = False) -> Mirror:
    """Bring the mirror up to date: one request when nothing changed. ``checked``: the caller
    already learnt from ``check_library_version`` that something did."""
    if not checked and port.check_library_version(mirror.library_version) is None:
        return mirror
    changes = port.item_versions(mirror.library_version)
    known = mirror.items
    moved = [k for k, v in changes.versions.items() if k not in known or _version(known[k]) != v]
    fetched = {str(obj["key"]): obj for obj in port.fetch_items(sorted(moved))}
    deleted: set[str] = set()
    if mirror.library_version > 0:
        deleted = set(port.deleted_since(mirror.library_version))
    _check_fetched(port, set(moved) - set(fetched) - deleted)
    gone = {k for k in deleted if k in known}
    items = {k: v for k, v in {**known, **fetched}.items() if k not in gone}
    return Mirror(
        items,
        changes.library_version,
        {**mirror.upserts, **fetched},
        (mirror.deletes | gone) - set(fetched),
    )


def _check_fetched(port: ZoteroPort, missing: set[str]) -> None:
    """Raise :class:`ProtocolError` when items the library said changed could not be read
    (nor were deleted): moving the mirror past them would keep their old JSON for good."""
    if missing:
        shown = ", ".join(sorted(missing)[:3]) + (", …" if len(missing) > 3 else "")
        raise ProtocolError(
            f"The server at {port.base_url} did not answer as a Zotero API does: it listed "
            f"{len(missing)} changed item(s) ({shown}) but did not return them when asked. "
            "Check base_url in your configuration; if it is right, the server (or a proxy in "
            "front of it) is failing: try again later. Nothing was recorded as synced."
        )


def _version(obj: JsonObject) -> int:
    return int(obj.get("version", 0))


@dataclass(frozen=True, slots=True)
class ZoteroWrites:
    """The result of carrying out a plan's Zotero actions."""

    mirror: Mirror
    created: frozenset[str]
    failed: Mapping[str, WriteFailure]
    sent: int


def build_creates(
    plan: Plan, policy: Policy, collection: str, hook: NewItemHook | None = None
) -> list[dict[str, Any]]:
    """The JSON of every item the plan creates (``hook`` may add metadata, e.g. enrichment)."""
    out: list[tuple[CreateItem, dict[str, Any]]] = []
    for action in plan.zotero:
        if isinstance(action, CreateItem):
            data = new_item_data(
                action.entry, key=action.key, collection=collection,
                read_tag=policy.read_tag, flag_tags={t: t for t in policy.flag_tags},
            )  # fmt: skip
            data["tags"] = [{"tag": tag} for tag in sorted(action.tags)]
            out.append((action, data))
    if hook is not None and out:
        return hook(out)
    return [data for _, data in out]


def build_patches(plan: Plan, mirror: Mirror, collection: str) -> list[dict[str, Any]]:
    """One partial update per item the plan changes, built on the item's mirrored JSON by
    :func:`~zotmark.zotero.mapping.item_patch` (a patch that would change nothing is not sent)."""
    changes: dict[str, ItemChange] = {}
    for action in plan.zotero:
        if isinstance(action, CreateItem) or action.key not in mirror.items:
            continue
        change = _change(action, collection)
        changes[action.key] = changes[action.key] | change if action.key in changes else change
    patches = (item_patch(mirror.items[key], change) for key, change in changes.items())
    return [patch for patch in patches if patch.keys() - {"key", "version"}]


def _change(action: AdoptItem | UpdateItem | RemoveItem, collection: str) -> ItemChange:
    """What one planned action changes on its item."""
    if isinstance(action, AdoptItem):
        return ItemChange(add_collection=collection, trashed=False)
    if isinstance(action, RemoveItem):
        if action.trash:
            return ItemChange(trashed=True)
        return ItemChange(remove_collection=collection)
    return ItemChange(action.add_tags, action.remove_tags, action.title, action.url)


def resolve_collection(port: ZoteroPort, name_or_key: str, *, create: bool) -> str | None:
    """The collection's key; created by name only when ``create`` (not in a dry run)."""
    if create:
        return port.find_or_create_collection(name_or_key)
    for info in port.collections():
        if name_or_key in (info.key, info.name):
            return info.key
    return None


def write(
    port: ZoteroPort,
    mirror: Mirror,
    creates: Sequence[JsonObject],
    patches: Sequence[JsonObject],
) -> ZoteroWrites:
    """Send creates, then updates, each batch conditional on the library version the one
    before returned (a concurrent writer raises :class:`PreconditionFailed`: plan again).
    Per-object failures come back as values."""
    written: dict[str, JsonObject] = {}
    failed: dict[str, WriteFailure] = {}
    created: set[str] = set()
    version = mirror.library_version
    for batch, send, is_create in (
        (creates, port.create_items, True),
        (patches, port.update_items, False),
    ):
        if not batch:
            continue
        report = send(batch, library_version=version)
        version = report.library_version
        written.update(report.objects)
        failed.update(report.failed)
        if is_create:
            created |= set(report.objects)
    return ZoteroWrites(
        mirror.with_written(written, version), frozenset(created), failed, len(written)
    )
