"""The values the sync state stores.

Pure values, shared by every :class:`~zotmark.state.store.StateStore` implementation. A
:class:`ListState` is an immutable snapshot of one list's state; the changes one successful run
commits are a :class:`~zotmark.state.commit.RunCommit`. The constructors check the invariants
every store relies on (keys match their values, versions are non-negative 64-bit integers) and
raise ``ValueError`` for a violated one: that is a programming error, not a user error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from zotmark.core.model import BaseRecord, Refusal

if TYPE_CHECKING:  # (see the module: a run that changes nothing does not import it)
    from zotmark.state.commit import PendingCreate, RunCommit

__all__ = [
    "MAX_VERSION",
    "BaseRecord",
    "ListHead",
    "ListState",
    "Refusal",
    "RunStatus",
    "SyncMark",
    "check_list_name",
    "check_text",
    "check_version",
    "checked_flags",
    "empty_mapping",
    "freeze_record",
    "frozen_mapping",
    "shared_flags",
]

MAX_VERSION = 2**63 - 1
"""The largest library or item version a store keeps (SQLite's INTEGER range)."""

_V = TypeVar("_V")


def frozen_mapping(mapping: Mapping[str, _V]) -> Mapping[str, _V]:
    """A read-only copy of ``mapping``."""
    return MappingProxyType(_copy(mapping))


def _copy(mapping: Mapping[str, _V]) -> dict[str, _V]:
    """A new dict of ``mapping``'s items (a dict, or a read-only view of one, is copied whole
    at C speed: ten times faster than item by item at 50,000 rows)."""
    if isinstance(mapping, dict | MappingProxyType):
        return mapping.copy()
    return dict(mapping)


def check_version(version: int, what: str) -> int:
    """Return ``version`` if it is an int in ``0..MAX_VERSION``; raise ``ValueError`` otherwise."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"{what} must be an int, got {version!r}")
    if not 0 <= version <= MAX_VERSION:
        raise ValueError(f"{what} must be in 0..2**63-1, got {version}")
    return version


def check_text(value: object, what: str, *, optional: bool = False) -> None:
    """Raise ``ValueError`` unless ``value`` is a ``str`` (or ``None`` when ``optional``)."""
    if isinstance(value, str) or (optional and value is None):
        return
    raise ValueError(f"{what} must be a string, got {value!r}")


def check_refusal(refusal: Refusal) -> None:
    """Raise ``ValueError`` unless ``refusal`` is a :class:`Refusal` of well-typed fields."""
    if not isinstance(refusal, Refusal):
        raise ValueError(f"expected a Refusal, got {refusal!r}")
    for what in ("item_key", "fingerprint", "title", "message"):
        check_text(getattr(refusal, what), f"{what} of a refusal")
    if isinstance(refusal.line, bool) or not isinstance(refusal.line, int) or refusal.line < 0:
        raise ValueError(f"line of a refusal must be an int >= 0, got {refusal.line!r}")


def check_list_name(name: str) -> str:
    """Return ``name`` if it is a non-empty string; raise ``ValueError`` otherwise."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a list name must be a non-empty string, got {name!r}")
    return name


def freeze_record(record: BaseRecord) -> BaseRecord:
    """Return a copy of ``record`` whose ``flags`` is a read-only mapping of its own (shared
    by equal flags: :func:`shared_flags`), and whose ``item_title`` is its ``title`` when the
    two are equal (one string kept, not two).

    Stores keep only frozen copies, so a caller mutating the dict it passed in cannot change
    the stored state. Iterating a caller's ``flags`` may raise; the exception propagates.
    """
    flags = shared_flags(checked_flags(record))
    title, item_title = record.title, record.item_title
    item_title = title if item_title == title else item_title
    return record._replace(flags=flags, item_title=item_title)


_SHARED_FLAGS: dict[tuple[tuple[str, bool], ...], Mapping[str, bool]] = {}
_MAX_SHARED_FLAGS = 256


def shared_flags(flags: Mapping[str, bool]) -> Mapping[str, bool]:
    """A read-only mapping equal to ``flags``, the same one for equal flags met before: a
    list's rows share a few (a mapping costs ~280 bytes, 14 MB over 50,000 rows). At most
    :data:`_MAX_SHARED_FLAGS` are remembered."""
    key = tuple(flags.items())
    known = _SHARED_FLAGS.get(key)
    if known is not None:
        return known
    made: Mapping[str, bool] = MappingProxyType(dict(flags))
    if len(_SHARED_FLAGS) < _MAX_SHARED_FLAGS:
        _SHARED_FLAGS[key] = made
    return made


def checked_flags(record: BaseRecord) -> dict[str, bool]:
    """Check ``record``'s fields as :func:`freeze_record` does (``ValueError`` for a bad one)
    and return its flags as a new dict of ``str`` labels to ``bool`` values: what a store
    that only writes the record out needs, without building the frozen copy."""
    check_text(record.item_key, "item_key")
    for what in ("ident_key", "title", "item_title"):
        check_text(getattr(record, what), f"{what} of record {record.item_key}")
    check_text(record.url, f"url of record {record.item_key}", optional=True)
    check_version(record.item_version, f"item_version of record {record.item_key}")
    return {str(label): bool(value) for label, value in record.flags.items()}


@dataclass(frozen=True, slots=True)
class RunStatus:
    """How one run went. Times are ISO 8601 strings; ``next_poll`` is when the daemon polls next."""

    started_at: str
    finished_at: str
    ok: bool
    error: str | None = None
    summary: str = ""
    next_poll: str | None = None

    def __post_init__(self) -> None:
        for what in ("started_at", "finished_at", "summary"):
            check_text(getattr(self, what), f"{what} of a run status")
        check_text(self.error, "error of a run status", optional=True)
        check_text(self.next_poll, "next_poll of a run status", optional=True)
        if not isinstance(self.ok, bool):
            raise ValueError(f"ok of a run status must be a bool, got {self.ok!r}")


def empty_mapping() -> Mapping[str, Any]:
    """A new read-only empty mapping."""
    return MappingProxyType({})


_EMPTY: Mapping[str, Any] = empty_mapping()
"""The maps a :class:`ListHead` or :class:`ListState` omits: one shared read-only empty mapping."""


class CiteKey(NamedTuple):
    """A list's citation key of one item. ``key`` is the key zotmark gives the item;
    ``exported``: it went into a ``.bib`` file (pinned for good: only ``export-bib --rekey``
    changes it); ``provisional``: it was made from an item with neither creators nor a date
    (replaced when they arrive, unless exported); ``written``: the key zotmark last wrote into
    (or found in) the item's ``citationKey`` field, ``None`` before any. A ``citationKey``
    other than ``written`` was set by someone else (a user, Better BibTeX) and always wins;
    zotmark writes ``key`` into the field while the two differ. ``theirs``: ``key`` is a key
    someone else set there (kept so that no key zotmark makes takes it; never written).
    (A tuple: a store checks its values, :func:`checked_citekeys`.)"""

    key: str
    exported: bool = True
    provisional: bool = False
    written: str | None = None
    theirs: bool = False


def checked_citekeys(citekeys: Mapping[str, CiteKey | None]) -> dict[str, CiteKey | None]:
    """``citekeys`` (by item key; ``None`` unpins) once each is checked to be a
    :class:`CiteKey` of well-typed values (``ValueError`` otherwise)."""
    for item_key, citekey in citekeys.items():
        check_text(item_key, "an item key of citekeys")
        if citekey is None:
            continue
        if not isinstance(citekey, CiteKey):
            raise ValueError(f"expected a CiteKey for {item_key}, got {citekey!r}")
        check_text(citekey.key, f"the citekey of {item_key}")
        check_text(citekey.written, f"the key written for {item_key}", optional=True)
    return {key: _bools(value) for key, value in citekeys.items()}


def _bools(citekey: CiteKey | None) -> CiteKey | None:
    if citekey is None:
        return None
    return citekey._replace(
        exported=bool(citekey.exported),
        provisional=bool(citekey.provisional),
        theirs=bool(citekey.theirs),
    )


@dataclass(frozen=True, slots=True)
class SyncMark:
    """Where a list's last completed run left it: the collection by ``collection`` name (as
    configured) and ``collection_key``, and the ``settled`` token (the file's hash and the
    policy, when both sides were left agreed with nothing to retry; else ``None``)."""

    collection: str
    collection_key: str | None = None
    settled: str | None = None

    def __post_init__(self) -> None:
        check_text(self.collection, "collection of a sync mark")
        check_text(self.collection_key, "collection_key of a sync mark", optional=True)
        check_text(self.settled, "settled of a sync mark", optional=True)


class ListHead(NamedTuple):
    """What a run reads of a list's state before it knows whether anything changed: the
    library version, where the last run left it (``mark``), the refusals that stand, and the
    state's ``generation`` (see :class:`ListState`)."""

    library_version: int = 0
    mark: SyncMark | None = None
    refused: Mapping[str, Refusal] = _EMPTY
    generation: int = 0


class ListState(NamedTuple):
    """An immutable snapshot of one list's sync state.

    ``library_version`` is 0 for a list never synced. ``records`` are the bases keyed by item
    key; ``pending`` the creates not yet confirmed; ``mirror`` the last known item ``data``
    JSON of every regular library item seen (it carries the item's ``version``); ``citekeys``
    the citation keys zotmark gave items (:class:`CiteKey`), by item key; ``last_run`` the
    latest run, ``last_success`` the latest run with ``ok``; ``meta`` free key→value pairs;
    ``refused`` the writes Zotero refused that still stand, by item key; ``mark`` where the
    last completed run left the list (``None`` before one did). ``generation`` counts the
    changes to what a run plans from (every commit that changes more than ``meta``, the
    status and ``mirror``, every :meth:`with_pending`): a process that keeps a list's state
    between runs may use it while the generation is the same.

    :meth:`with_pending` and :meth:`after` are the state after a store's ``add_pending`` and
    ``commit_run``: the one definition of what those do, which the in-memory store applies
    and the SQLite store's contract tests hold it to.
    """

    name: str
    library_version: int = 0
    records: Mapping[str, BaseRecord] = _EMPTY
    pending: Mapping[str, PendingCreate] = _EMPTY
    mirror: Mapping[str, str] = _EMPTY
    citekeys: Mapping[str, CiteKey] = _EMPTY
    last_run: RunStatus | None = None
    last_success: RunStatus | None = None
    meta: Mapping[str, str] = _EMPTY
    refused: Mapping[str, Refusal] = _EMPTY
    mark: SyncMark | None = None
    generation: int = 0

    @property
    def head(self) -> ListHead:
        """The state's :class:`ListHead`."""
        return ListHead(self.library_version, self.mark, self.refused, self.generation)

    def with_pending(self, creates: Iterable[PendingCreate]) -> ListState:
        """This state with ``creates`` pending (replacing pending ones with the same key; a
        store checks that each is a :class:`~zotmark.state.commit.PendingCreate`)."""
        pending = dict(self.pending)
        for create in creates:
            pending[create.item_key] = create
        return self._replace(pending=frozen_mapping(pending), generation=self.generation + 1)

    def after(self, commit: RunCommit) -> ListState:
        """This state once ``commit`` is applied (see :class:`RunCommit`)."""
        records = _copy(self.records)
        for key in commit.record_deletes:
            records.pop(key, None)
        for key, record in commit.record_upserts.items():
            records[key] = freeze_record(record)
        pending = {k: v for k, v in self.pending.items() if k not in commit.resolved_pending}
        mirror = _copy(self.mirror)
        for key in commit.mirror_deletes:
            mirror.pop(key, None)
        mirror.update(commit.mirror_upserts)
        citekeys = self.citekeys
        if commit.citekeys:
            citekeys = MappingProxyType({**citekeys, **commit.citekeys})
        meta = dict(self.meta)
        for key, value in commit.meta.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        version = self.library_version
        new = self._replace(
            library_version=version if commit.library_version is None else commit.library_version,
            records=MappingProxyType(records),
            pending=MappingProxyType(pending),
            mirror=MappingProxyType(mirror),
            citekeys=citekeys,
            meta=MappingProxyType(meta),
            refused=(
                self.refused if commit.refused is None else frozen_mapping(dict(commit.refused))
            ),
            mark=self.mark if commit.mark is None else commit.mark,
            generation=self.generation + commit.changes_sync,
        )
        return new if commit.status is None else new.with_status(commit.status)

    def with_status(self, status: RunStatus) -> ListState:
        """This state with ``status`` as its last run (and last success when ``status.ok``)."""
        if not isinstance(status, RunStatus):
            raise ValueError(f"expected a RunStatus, got {status!r}")
        success = status if status.ok else self.last_success
        return self._replace(last_run=status, last_success=success)
