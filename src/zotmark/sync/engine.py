"""One sync run of one list: snapshot → plan → execute → record (after vdirsyncer's ``sync``).

The engine wires the pure planner to the Zotero port (:class:`~zotmark.core.port.Library`), the
list file (:class:`~zotmark.sync.document.ListDocument`) and the state store. Zotero writes go
first (creates recorded as pending before they are sent), then one atomic, fingerprint-checked
patch of the file, then one state transaction. The outcomes are recorded into the run's working
status (:class:`~zotmark.sync.status.WorkingStatus`): the Zotero writes' once the file's patch
landed or met a file the user saved mid-run, then the patch's. When Zotero moved under us
(412) or the user saved the file mid-run, the run starts over from fresh snapshots (a few times
at most), so no edit on either side is lost.
"""

from __future__ import annotations

import functools
import secrets
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from zotmark.core.model import BaseRecord, Entry, Refusal, new_item_key
from zotmark.core.plan import Plan, Policy
from zotmark.errors import (
    CollectionGone,
    ConflictError,
    FileChangedError,
    GuardError,
    PreconditionFailed,
    ZoteroError,
    ZotmarkError,
)
from zotmark.state.model import CiteKey, ListHead, ListState, RunStatus, SyncMark
from zotmark.state.store import StateStore
from zotmark.sync.report import RunReport

if TYPE_CHECKING:  # the planning side is imported where a run plans: a no-op run returns first
    from zotmark.core.port import Applied, Library, Snapshot
    from zotmark.sync.citekeys import RunKeys
    from zotmark.sync.document import ListDocument
    from zotmark.sync.kept import Kept, Planning
    from zotmark.sync.status import WorkingStatus
    from zotmark.sync.writes import NewItemHook, Written

ATTEMPTS = 4


class ListRunner:
    """Runs one list. Effects are injected: the Zotero library, the state store, the document,
    the clock and the random source for new item keys; ``new_item`` may enrich new items.
    ``name`` is the list's name for people; ``state_key`` its name in the store (default:
    ``name``). With ``keep`` (the daemon's runners) the list's state and the library's
    snapshot (typed items) are kept between runs and used again while the state's generation
    says no one else changed it, instead of being read and parsed again, and a run plans only
    the pairs that moved since (:mod:`zotmark.sync.kept`). Such a runner's first run reads and
    plans even when nothing changed, so that its first change costs no more than the next.
    Items get citation keys by ``citekey_formula`` (the default formula when empty), written
    into their ``citationKey`` fields (:mod:`zotmark.sync.citekeys`; ``None``: none is)."""

    def __init__(
        self,
        name: str,
        policy: Policy,
        library: Library,
        store: StateStore,
        document: ListDocument,
        new_item: NewItemHook | None = None,
        randbelow: Callable[[int], int] = secrets.randbelow,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        state_key: str = "",
        keep: bool = False,
        citekey_formula: str | None = "",
    ) -> None:
        self.name, self.policy, self.library, self.store = name, policy, library, store
        self.document, self.new_item, self.randbelow, self.now = document, new_item, randbelow, now
        self.state_key, self.keep = state_key or name, keep
        self.citekey_formula = citekey_formula
        self._kept: Kept | None = None

    def run(self, *, dry_run: bool = False) -> RunReport:
        """One run; raises a :class:`~zotmark.errors.ZotmarkError` and records it on failure.
        A list that could not be written back stops the run before anything is sent."""
        started = self.now().isoformat()
        first_request = self.library.requests
        try:
            if not dry_run:
                self.document.check_writable()
            report = self._attempts(dry_run, first_request, started)
        except ZotmarkError as error:
            if not dry_run:
                self.store.record_status(self.state_key, self._status(started, error=error.message))
            raise
        return report

    def _attempts(self, dry_run: bool, first_request: int, started: str) -> RunReport:
        head = self.store.head(self.state_key)  # one row: nothing else is read for a no-op
        kept = self._kept if self._kept and self._kept.state.generation == head.generation else None
        checked = False
        if head.library_version and head.mark and head.mark.settled == self._settled_token():
            if self.library.version_after(head.library_version) is None:
                if kept is None and self.keep and not dry_run:
                    self._keep_settled()
                return self._unchanged(head, dry_run, first_request, started)
            checked = True  # the client keeps the answer: refresh sends nothing more for it
        # (what a run that plans uses, imported once it does: issue 16, a no-op's start-up)
        from zotmark.sync.citekeys import run_keys
        from zotmark.sync.status import WorkingStatus
        from zotmark.sync.writes import Written, refusals

        entries = self.document.read()  # a list it cannot read stops the run before any write
        state, snapshot = (kept.state, kept.snapshot) if kept is not None else self._load(entries)
        collection = self._collection(state, create=not dry_run)
        status = WorkingStatus(state.records)
        keys = run_keys(self.citekey_formula, state, collection or "", self.store, keep=self.keep)
        if keys is not None and kept is None and not dry_run:  # (texts of an aborted run)
            keys.read_unread(snapshot, state.library_version)
        refused = dict(state.refused)  # with what this run's earlier attempts had refused
        for attempt in range(1, ATTEMPTS + 1):
            refreshed = self.library.refresh(snapshot, changed=checked)
            snapshot, checked = refreshed.snapshot, False
            if collection in refreshed.collections_gone:
                raise CollectionGone(self.policy.collection, collection)
            moved = refreshed.texts.keys() | refreshed.gone
            if not dry_run:
                self._store_texts(refreshed.texts, refreshed.gone)
            if attempt > 1:
                entries = self.document.read()
                # the creates an earlier attempt recorded as pending go again under their
                # keys (one key per create: a refusal of it stays held, a fix reuses it)
                fresh = self.store.load(self.state_key, texts=False)
                state = state._replace(pending=fresh.pending, generation=fresh.generation)
                kept = None  # (this run wrote since: every pair is planned)
                if keys is not None:  # (with the keys its landed writes stored)
                    keys.renew(fresh.citekeys)
            if keys is not None and not dry_run:  # (after renew: as its landed writes left it)
                keys.read(refreshed.texts)
            del refreshed  # its texts are stored: not held through the run (30 MB at 50,000)
            planning = self._plan(
                kept, moved, state, status.records, snapshot, collection or "", entries, refused
            )
            the_plan = planning.plan
            self._check(the_plan)
            if dry_run:
                return RunReport(self.name, the_plan, True, requests=self._requests(first_request))
            try:
                applied = self._write_zotero(snapshot, the_plan, collection or "", keys)
            except PreconditionFailed:
                continue  # a concurrent writer: re-read and re-plan
            written = Written.of(the_plan, snapshot, applied)
            snapshot = applied.snapshot
            del applied  # (as ``refreshed``)
            refused.update(refusals(the_plan, written.failed))
            try:
                changed: bool | None = self.document.apply(
                    the_plan.file, skip_keys=set(written.failed)
                )
            except FileChangedError:
                changed = None
            # (recorded once the file is written: a first sync's rows of its creates were 133 B
            # an entry of its peak, held through the file's patch)
            status.zotero_landed(the_plan, written.landed, self.policy)
            if changed is None:
                # the user saved mid-run: plan again from the new text, on a base that knows
                # what this attempt already wrote to Zotero, so that their edit wins
                continue
            status.file_landed(the_plan, snapshot, written.failed)
            return self._record(
                state, planning, written, status, snapshot, changed, collection, started,
                attempt, first_request, keys.rest(written.landed) if keys is not None else {},
            )  # fmt: skip
        raise ZoteroError(
            "The library or the file kept changing while zotmark synced it; run it again."
        )

    def _load(self, entries: Sequence[Entry]) -> tuple[ListState, Snapshot]:
        """The state (no item texts) and the snapshot, its items read one by one from their
        texts, each holding the equal ident of one of ``entries`` if any (one per pair)."""
        from zotmark.sync.status import stored_snapshot

        state = self.store.load(self.state_key, texts=False)
        texts, idents = self.store.mirror_texts(self.state_key), {e.ident: e.ident for e in entries}
        return state, stored_snapshot(texts, state.library_version, idents)

    def _keep_settled(self) -> None:
        """Plan a list neither side moved since a run settled it only to keep what the plan
        leaves for the next run (the run sends and records nothing, whatever the plan holds)."""
        from zotmark.sync.kept import Kept

        entries = self.document.read()
        state, snapshot = self._load(entries)
        collection = self._collection(state, create=False) or ""
        base, refused = state.records, state.refused
        planning = self._plan(None, (), state, base, snapshot, collection, entries, refused)
        assert planning.planned is not None  # (a kept runner's planning leaves it)
        self._kept = Kept(state, snapshot, collection, planning.members, planning.planned)

    def _store_texts(self, texts: Mapping[str, str], gone: frozenset[str] = frozenset()) -> None:
        """Keep the JSON texts of the items just read or written, and forget the items gone,
        in the state as they arrive (each text carries its item's version, so texts newer
        than the state's library version are only read again, never wrong)."""
        if texts or gone:
            from zotmark.state.commit import RunCommit

            commit = RunCommit(mirror_upserts=texts, mirror_deletes=gone - texts.keys())
            self.store.commit_run(self.state_key, commit)

    def _settled_token(self) -> str:
        """What must be unchanged for a run to be skippable: the file's bytes and the policy."""
        return f"{self.document.current_hash()}|{self.policy!r}"

    def _unchanged(
        self, head: ListHead, dry_run: bool, first_request: int, started: str
    ) -> RunReport:
        """Neither side moved since the last run that settled them: nothing to plan (the
        refusals that still stand are reported again)."""
        self.document.discard_read()
        report = RunReport(
            self.name, Plan(), dry_run, requests=self._requests(first_request),
            library_version=head.library_version, refused=tuple(head.refused.values()),
        )  # fmt: skip
        if not dry_run:
            self.store.record_status(self.state_key, self._status(started, report))
        return report

    def _collection(self, state: ListState, *, create: bool) -> str | None:
        name, mark = self.policy.collection, state.mark
        if mark is not None and mark.collection == name and mark.collection_key:
            return mark.collection_key
        return self.library.collection_key(name, create=create)

    def _plan(
        self,
        kept: Kept | None,
        moved: Collection[str],
        state: ListState,
        base: Mapping[str, BaseRecord],
        snapshot: Snapshot,
        collection: str,
        entries: Sequence[Entry],
        refused: Mapping[str, Refusal],
    ) -> Planning:
        """The plan of this attempt: of the pairs that moved since the ``kept`` run (the items
        ``moved`` since its snapshot, the pending creates and the refusals; see
        :func:`~zotmark.core.replan.replan`), or of every pair. The list's style (whether an
        appended entry gets flag boxes) is worked out only when the plan appends entries (a
        majority over every entry: a fifth of a flipped box's run at 50,000 entries); planned
        with flag boxes first, the run plans again without when the list has none."""
        from zotmark.core.actions import InsertEntry
        from zotmark.core.planner import ZoteroSnapshot
        from zotmark.core.replan import replan
        from zotmark.sync.kept import Planning, members_after

        if kept is not None and kept.collection == collection:
            members = members_after(kept.members, snapshot.items, collection, moved)
            last, moved = kept.planned, {*moved, *state.pending, *refused}
        else:
            members, last = snapshot.members(collection), None
        pending = {p.paper: key for key, p in state.pending.items() if key not in snapshot.items}
        planned = functools.partial(
            replan,
            last,
            moved,
            entries,
            ZoteroSnapshot(snapshot.items, members),
            base,
            self.policy,
            new_key=self._new_key,
            pending=pending,
            refused=refused,
        )
        the_plan, made = planned(flag_boxes=True)
        appends = any(isinstance(action, InsertEntry) for action in the_plan.file)
        if appends and not self.document.appends_flag_boxes:
            the_plan, made = planned(flag_boxes=False)
        if self.keep:
            return Planning(the_plan, made, members)
        # what the plan leaves for the next (its pairing, its unsettled keys) is read by a kept
        # runner's next plan alone: not held (a first sync's were 90 B an entry of its peak)
        return Planning(the_plan._replace(unsettled=frozenset()), None, members)

    def _new_key(self) -> str:
        """A key for an item the plan creates; the created item holds this string. A runner
        that keeps interns it, as its next parse of the list and the state's rows intern
        theirs, so that the list, the item and the row hold one string; others do not (a
        first sync's 10,000 keys doubled the interned table, 190 B an entry of its peak)."""
        key = new_item_key(self.randbelow)
        return sys.intern(key) if self.keep else key

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
        self, snapshot: Snapshot, the_plan: Plan, collection: str, keys: RunKeys | None
    ) -> Applied:
        """Record the plan's creates as pending in the store (the run's state learns them when
        the run is recorded, :meth:`_record`: a first sync's rows held through its writes were
        77 B an entry of its peak), then send every write, each create's JSON made (and
        enriched) as its batch goes (:class:`~zotmark.sync.writes.PlannedWrites`) and the
        items' texts stored as they land (not all held at once: at a first sync they were
        13 % of its peak); what became of the writes."""
        from zotmark.core.states import plugin_stamp
        from zotmark.sync.writes import PlannedWrites, StoredTexts, pending_creates

        stamp = plugin_stamp(self.now())
        writes = PlannedWrites(the_plan, snapshot, collection, self.new_item, stamp, keys)
        if writes.creates:
            self.store.add_pending(self.state_key, pending_creates(the_plan, writes.creates))
        texts = StoredTexts(self.store, self.state_key, keys)
        try:
            return self.library.apply(snapshot, writes, texts=texts)
        finally:
            texts.flush()  # (the batches that landed before a failure too)

    def _record(
        self,
        state: ListState,
        planning: Planning,
        written: Written,
        status: WorkingStatus,
        snapshot: Snapshot,
        file_changed: bool,
        collection: str | None,
        started: str,
        attempts: int,
        first_request: int,
        citekeys: Mapping[str, CiteKey],
    ) -> RunReport:
        from zotmark.core.actions import CreateItem
        from zotmark.state.commit import RunCommit
        from zotmark.sync.kept import Kept, members_after
        from zotmark.sync.writes import pending_creates, reason, refusals

        the_plan = planning.plan
        held = {refusal.item_key: refusal for refusal in the_plan.held}
        refused = {**held, **refusals(the_plan, written.failed)}
        failed = {k: reason(o) for k, o in written.failed.items() if k not in refused}
        report = RunReport(
            self.name, the_plan, False, written.created, written.updated, failed, file_changed,
            self._requests(first_request), snapshot.version, attempts,
            tuple(sorted(refused.values(), key=lambda r: r.line)),
        )  # fmt: skip
        creates = [action for action in the_plan.zotero if isinstance(action, CreateItem)]
        resolved = {
            k for k in state.pending.keys() | {create.key for create in creates}
            if k in snapshot.items
            or ((k not in the_plan.records or k in written.failed) and k not in refused)
        }  # fmt: skip
        upserts, deletes = status.changes()
        commit = RunCommit(
            library_version=snapshot.version,
            record_upserts=upserts,
            record_deletes=deletes,
            resolved_pending=frozenset(resolved),  # (a create landed: its item is there)
            mark=SyncMark(
                self.policy.collection,
                collection,
                # every write landed or stands refused: nothing to retry
                None if failed else f"{self.document.last_hash()}|{self.policy!r}",
            ),
            status=self._status(started, report),
            refused=refused,
            citekeys=citekeys,
        )
        self.store.commit_run(self.state_key, commit)
        if self.keep and collection is not None:
            sent = written.landed.keys() | written.failed.keys()
            members = members_after(planning.members, snapshot.items, collection, sent)
            if creates:  # as the store has it: every create was added pending before it went
                unresolved = (create for create in creates if create.key not in resolved)
                state = state.with_pending(pending_creates(the_plan, unresolved))
            state = state.after(commit)  # (no texts: the run's commit carries none)
            assert planning.planned is not None  # (a kept runner's planning leaves it)
            self._kept = Kept(state, snapshot, collection, members, planning.planned)
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
        return self.library.requests - first
