"""One sync run of one list: snapshot → plan → apply → record.

The runner wires the pure planner to its adapters. Zotero writes go first (creates recorded as
pending before they are sent), then one atomic, fingerprint-checked patch of the file, then one
state transaction. When Zotero moved under us (412) or the user saved the file mid-run, the run
starts over from fresh snapshots (a few times at most), so no edit on either side is lost.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from zotmark.collector import collector_paused
from zotmark.core.actions import CreateItem, Plan, Policy, RemoveItem, UpdateItem, fingerprint
from zotmark.core.model import BaseRecord, Entry, Refusal, new_item_key
from zotmark.core.planner import pending_key, plan
from zotmark.errors import (
    ConflictError,
    FileChangedError,
    GuardError,
    PreconditionFailed,
    ZoteroError,
    ZotmarkError,
)
from zotmark.service.file_side import ListDocument
from zotmark.service.ports import ZoteroPort
from zotmark.service.zotero_side import (
    Mirror,
    NewItemHook,
    ZoteroWrites,
    build_creates,
    build_patches,
    json_text,
    load_mirror,
    mirror_texts,
    refresh,
    resolve_collection,
    write,
)
from zotmark.state.model import ListState, PendingCreate, RunCommit, RunStatus
from zotmark.state.store import StateStore
from zotmark.zotero.results import WriteFailure

ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class RunReport:
    """What one run planned and did (for ``--json``, the log and ``zotmark status``)."""

    list_name: str
    plan: Plan
    dry_run: bool
    created: int = 0
    updated: int = 0
    failed: Mapping[str, str] | None = None
    file_changed: bool = False
    requests: int = 0
    library_version: int = 0
    attempts: int = 1
    refused: tuple[Refusal, ...] = ()

    @property
    def summary(self) -> str:
        """One line for logs and the status."""
        if self.dry_run:
            files = len(self.plan.file)
            return (
                f"dry run: {len(self.plan.zotero)} Zotero and {files} file "
                f"{'change' if files == 1 else 'changes'}"
            )
        unwritten = ""
        if self.refused or self.failed:
            unwritten = f", {len(self.refused) + len(self.failed or {})} refused"
        return (
            f"{self.created} created, {self.updated} updated in Zotero{unwritten}; "
            f"file {'changed' if self.file_changed else 'unchanged'}; "
            f"{self.requests} request{'' if self.requests == 1 else 's'}"
        )

    @property
    def complete(self) -> bool:
        """Whether every change the run planned reached Zotero (nothing refused or failed)."""
        return not (self.refused or self.failed)


@dataclass
class ListRunner:
    """Runs one list. Effects are injected: the Zotero port, the state store, the document,
    the clock and the random source for new item keys; ``new_item`` may enrich new items.
    ``name`` is the list's name for people; ``state_key`` its name in the store (default:
    ``name``)."""

    name: str
    policy: Policy
    port: ZoteroPort
    store: StateStore
    document: ListDocument
    new_item: NewItemHook | None = None
    randbelow: Callable[[int], int] = secrets.randbelow
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    state_key: str = ""

    def __post_init__(self) -> None:
        self.state_key = self.state_key or self.name

    def run(self, *, dry_run: bool = False) -> RunReport:
        """One run; raises a :class:`~zotmark.errors.ZotmarkError` and records it on failure.
        A list that could not be written back stops the run before anything is sent."""
        started = self.now().isoformat()
        first_request = self.port.requests
        try:
            if not dry_run:
                self.document.check_writable()
            with collector_paused():
                report = self._attempts(dry_run, first_request, started)
        except ZotmarkError as error:
            if not dry_run:
                self.store.record_status(self.state_key, self._status(started, error=error.message))
            raise
        return report

    def _attempts(self, dry_run: bool, first_request: int, started: str) -> RunReport:
        state = self.store.load(self.state_key)
        settled = self._settled_token()
        checked = False
        if state.library_version and state.meta.get("settled") == settled:
            if self.port.check_library_version(state.library_version) is None:
                return self._unchanged(state, dry_run, first_request, started)
            checked = True  # the client keeps the answer: refresh sends nothing more for it
        entries = self.document.read()  # a list it cannot read stops the run before any write
        mirror = load_mirror(state.mirror, state.library_version)
        collection = self._collection(state, create=not dry_run)
        forgotten: frozenset[str] = frozenset()
        refused = dict(state.refused)  # with what this run's earlier attempts had refused
        for attempt in range(1, ATTEMPTS + 1):
            mirror = refresh(self.port, mirror, checked=checked)
            checked = False
            if attempt > 1:
                entries = self.document.read()
                # the creates an earlier attempt recorded as pending go again under their
                # keys (one key per create: a refusal of it stays held, a fix reuses it)
                state = replace(state, pending=self.store.load(self.state_key).pending)
            the_plan = self._plan(state, mirror, collection or "", entries, refused)
            self._check(the_plan)
            if dry_run:
                return RunReport(self.name, the_plan, True, requests=self._requests(first_request))
            try:
                writes = self._write_zotero(state, mirror, the_plan, collection or "")
            except PreconditionFailed:
                continue  # a concurrent writer: re-read and re-plan
            mirror = writes.mirror
            refused.update(_refusals(the_plan, writes))
            try:
                changed = self.document.apply(the_plan.file, skip_keys=set(writes.failed))
            except FileChangedError:
                # the user saved mid-run: plan again from the new text, on a base that knows
                # what this attempt already wrote to Zotero, so that their edit wins
                state, dropped = _after_writes(state, the_plan, writes, self.policy.read_tag)
                forgotten |= dropped
                continue
            return self._record(
                state, the_plan, writes, changed, collection, started, attempt, first_request,
                forgotten,
            )  # fmt: skip
        raise ZoteroError(
            "The library or the file kept changing while zotmark synced it; run it again."
        )

    def _settled_token(self) -> str:
        """What must be unchanged for a run to be skippable: the file's bytes and the policy."""
        return f"{self.document.current_hash()}|{self.policy!r}"

    def _unchanged(
        self, state: ListState, dry_run: bool, first_request: int, started: str
    ) -> RunReport:
        """Neither side moved since the last run that settled them: nothing to plan (the
        refusals that still stand are reported again)."""
        report = RunReport(
            self.name, Plan(), dry_run, requests=self._requests(first_request),
            library_version=state.library_version, refused=tuple(state.refused.values()),
        )  # fmt: skip
        if not dry_run:
            self.store.record_status(self.state_key, self._status(started, report))
        return report

    def _collection(self, state: ListState, *, create: bool) -> str | None:
        name = self.policy.collection
        if state.meta.get("collection") == name and state.meta.get("collection_key"):
            return state.meta["collection_key"]
        return resolve_collection(self.port, name, create=create)

    def _plan(
        self,
        state: ListState,
        mirror: Mirror,
        collection: str,
        entries: Any,
        refused: Mapping[str, Refusal],
    ) -> Plan:
        pending = {
            (p.ident_key, p.title): key
            for key, p in state.pending.items()
            if key not in mirror.items
        }
        return plan(
            entries,
            mirror.snapshot(collection),
            state.records,
            self.policy,
            new_key=lambda: new_item_key(self.randbelow),
            pending=pending,
            flag_boxes=self.document.appends_flag_boxes,
            refused=refused,
        )

    def _check(self, the_plan: Plan) -> None:
        if the_plan.guards:
            reasons = "; ".join(g.message for g in the_plan.guards)
            raise GuardError(
                f"Stopped to protect your data: {reasons}. Nothing was changed. "
                "If this is what you want, run again with --force-delete."
            )
        unresolved = [c for c in the_plan.conflicts if c.winner is None]
        if unresolved:
            listed = ", ".join(f"{c.key} {c.field}" for c in unresolved)
            raise ConflictError(
                f"Conflicting changes on both sides ({listed}) and the conflict policy is "
                "'fail'. Nothing was changed; settle them in the file or in Zotero."
            )

    def _write_zotero(
        self, state: ListState, mirror: Mirror, the_plan: Plan, collection: str
    ) -> ZoteroWrites:
        creates = build_creates(the_plan, self.policy, collection, self.new_item)
        if creates:
            entries = {a.key: a.entry for a in the_plan.zotero if isinstance(a, CreateItem)}
            pending = [_pending(data, entries[str(data["key"])]) for data in creates]
            self.store.add_pending(self.state_key, pending)
        patches = build_patches(the_plan, mirror, collection)
        return write(self.port, mirror, creates, patches)

    def _record(
        self,
        state: ListState,
        the_plan: Plan,
        writes: ZoteroWrites,
        file_changed: bool,
        collection: str | None,
        started: str,
        attempts: int,
        first_request: int,
        forgotten: frozenset[str] = frozenset(),
    ) -> RunReport:
        mirror = writes.mirror
        held = {refusal.item_key for refusal in the_plan.held}
        records = {
            # a held pair keeps its base row as it was: nothing was written to settle, and
            # the item's changes since are still to merge
            key: record if key in held else _settled(record, mirror)
            for key, record in the_plan.records.items()
            if key not in writes.failed
        }
        refused = {r.item_key: r for r in (*the_plan.held, *_refusals(the_plan, writes).values())}
        failed = {k: _reason(f) for k, f in writes.failed.items() if k not in refused}
        report = RunReport(
            self.name, the_plan, False, len(writes.created), writes.sent - len(writes.created),
            failed, file_changed, self._requests(first_request), mirror.library_version, attempts,
            tuple(sorted(refused.values(), key=lambda r: r.line)),
        )  # fmt: skip
        resolved = {
            k for k in state.pending if k in mirror.items or (k not in records and k not in refused)
        }
        settled = not failed  # every write landed or stands refused: nothing to retry
        # a pair moves to another item of its paper only when the write to that item lands
        unwritten = held | set(writes.failed)
        unmoved = {old for new, old in the_plan.replaces.items() if new in unwritten}
        commit = RunCommit(
            library_version=mirror.library_version,
            record_upserts=records,
            record_deletes=(frozenset(the_plan.forget) | forgotten) - set(records) - unmoved,
            resolved_pending=frozenset(resolved | set(writes.created)),
            mirror_upserts=mirror_texts(mirror.upserts),
            mirror_deletes=mirror.deletes,
            meta={
                "collection": self.policy.collection,
                "collection_key": collection,
                "settled": f"{self.document.last_hash()}|{self.policy!r}" if settled else None,
            },
            status=self._status(started, report),
            refused=refused,
        )
        self.store.commit_run(self.state_key, commit)
        return report

    def _status(
        self, started: str, report: RunReport | None = None, error: str | None = None
    ) -> RunStatus:
        """How the run went: a failed run has ``error``; one whose changes did not all reach
        Zotero is not ok either (its refusals stand in the state)."""
        if report is not None and not report.complete:
            count = len(report.refused) + len(report.failed or {})
            error = f"{count} change{'s' if count != 1 else ''} refused by Zotero"
        summary = report.summary if report is not None else ""
        return RunStatus(started, self.now().isoformat(), error is None, error, summary)

    def _requests(self, first: int) -> int:
        return self.port.requests - first


def _settled(record: BaseRecord, mirror: Mirror) -> BaseRecord:
    """The base row with the item's version and title as the server now has them."""
    obj = mirror.items.get(record.item_key)
    if obj is None:
        return record
    data = obj.get("data", {})
    title = str(data.get("title", record.item_title))
    return record._replace(item_version=int(obj.get("version", 0)), item_title=title)


def _after_writes(
    state: ListState, the_plan: Plan, writes: ZoteroWrites, read_tag: str
) -> tuple[ListState, frozenset[str]]:
    """The state to plan again from when the file changed after an attempt's Zotero writes
    landed, and the item keys whose base rows it dropped.

    What was written to Zotero is agreed now: items created, fields pushed (so a mid-run edit
    of the file that reverts one is pushed back, not overwritten by zotmark's own write),
    items taken out of the collection. The changes the file was to receive are not, so they
    are planned again. Pairs with no base row keep none.
    """
    records = dict(state.records)
    dropped: set[str] = set()
    for action in the_plan.zotero:
        planned = the_plan.records.get(action.key)
        if action.key in writes.failed:
            continue
        if isinstance(action, RemoveItem):
            records.pop(action.key, None)
            dropped.add(action.key)
        elif isinstance(action, CreateItem) and planned is not None:
            records[action.key] = _settled(planned, writes.mirror)
        elif isinstance(action, UpdateItem) and planned and action.key in records:
            records[action.key] = _pushed(records[action.key], planned, action, read_tag)
    return replace(state, records=records), frozenset(dropped)


def _pushed(base: BaseRecord, planned: BaseRecord, update: UpdateItem, read_tag: str) -> BaseRecord:
    """``base`` with the fields ``update`` wrote to Zotero taken from the planned record."""
    tags = update.add_tags | update.remove_tags
    flags = {**base.flags, **{t: on for t, on in planned.flags.items() if t in tags}}
    record = base._replace(flags=flags, read=planned.read if read_tag in tags else base.read)
    if update.title is not None:
        record = record._replace(
            title=planned.title, item_title=planned.item_title, ident_key=planned.ident_key
        )
    if update.url is not None:
        record = record._replace(url=planned.url)
    return record


_TRANSIENT = frozenset({412, 428, 429})
"""Per-object failure codes that say nothing about the object itself (a stale version, a
missing precondition, a rate limit): retried on the next run, never held as refusals."""


def _refusals(the_plan: Plan, writes: ZoteroWrites) -> dict[str, Refusal]:
    """The creates and updates Zotero refused in ``writes``, as refusals to hold until their
    entries change (a transient failure is no refusal)."""
    refused: dict[str, Refusal] = {}
    for action in the_plan.zotero:
        failure = writes.failed.get(action.key)
        if failure is None or failure.code in _TRANSIENT:
            continue
        if isinstance(action, CreateItem | UpdateItem):
            line = the_plan.lines.get(action.key, 0)
            record = the_plan.records.get(action.key)
            title = record.title if record is not None else ""
            refused[action.key] = Refusal(
                action.key, fingerprint(action), line, title, _reason(failure)
            )
    return refused


def _reason(failure: WriteFailure) -> str:
    """What the server said about one object, with its status code."""
    return f"{failure.message} ({failure.code})" if failure.message else f"status {failure.code}"


def _pending(data: Mapping[str, Any], entry: Entry) -> PendingCreate:
    """The pending-create row recorded before ``data`` is sent for ``entry``."""
    ident_key, title = pending_key(entry)
    return PendingCreate(str(data["key"]), ident_key, title, json_text(data))
