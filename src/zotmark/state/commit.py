"""What a run changes in one list's state: the creates it records as pending before it sends
them (:class:`PendingCreate`), and everything one successful run changes (:class:`RunCommit`),
which a store applies in one transaction (:meth:`~zotmark.state.store.StateStore.commit_run`).

Apart from the state's values (:mod:`zotmark.state.model`): a run that finds nothing changed
records no create and commits nothing, and defining these dataclasses cost such a run ~9M
instructions (issue 16). Their constructors check what every store relies on (well-typed
texts, keys that match their values, no key both upserted and deleted) and raise
``ValueError`` otherwise, a programming error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from zotmark.core.model import BaseRecord, Refusal
from zotmark.state.model import (
    CiteKey,
    RunStatus,
    SyncMark,
    check_refusal,
    check_text,
    check_version,
    checked_citekeys,
    empty_mapping,
    frozen_mapping,
)

__all__ = ["PendingCreate", "RunCommit"]

_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class PendingCreate:
    """An item create recorded *before* it is sent to Zotero.

    ``item_key`` is the client-chosen key the create is sent with, ``ident_key`` the entry's
    primary identifier (``Ident.primary``), ``title`` its normalised title. What is sent is
    not kept: a create retried is made again from the list's entry. A pending row stays until
    a run resolves it, so a crash or a lost response is followed by a retry with the same key
    (answered 412 by Zotero) rather than a duplicate.
    """

    item_key: str
    ident_key: str
    title: str

    @property
    def paper(self) -> tuple[str, str]:
        """What the create is remembered by: the entry's primary identifier and normalised
        title (``core.planner.pending_key``)."""
        return self.ident_key, self.title

    def __post_init__(self) -> None:
        for what in ("item_key", "ident_key", "title"):
            check_text(getattr(self, what), f"{what} of a pending create")


def checked_pending(creates: Iterable[object]) -> list[PendingCreate]:
    """``creates`` as a list of the :class:`PendingCreate` they are, as a store records them;
    ``ValueError`` naming the first that is not one."""
    checked: list[PendingCreate] = []
    for create in creates:
        if not isinstance(create, PendingCreate):
            raise ValueError(f"expected a PendingCreate, got {create!r}")
        checked.append(create)
    return checked


def _check_keyed(values: Mapping[str, _V], key_of: str, what: str) -> None:
    for key, value in values.items():
        if getattr(value, key_of) != key:
            raise ValueError(f"{what} key {key!r} differs from its {key_of}")


def _check_texts(values: Mapping[str, object], what: str, *, optional: bool = False) -> None:
    for key, value in values.items():
        check_text(key, f"a key of {what}")
        check_text(value, f"{what}[{key!r}]", optional=optional)


def _check_disjoint(upserts: Iterable[str], deletes: Collection[str], what: str) -> None:
    both = sorted(set(upserts) & set(deletes))
    if both:
        raise ValueError(f"{what}: keys both upserted and deleted: {both}")


@dataclass(frozen=True, slots=True)
class RunCommit:
    """Everything one successful run changes in one list's state, applied atomically.

    ``library_version`` replaces the stored one (``None`` keeps it). Upserts replace whole
    values; deletes of absent keys are no-ops. ``refused``, when given, replaces the list's
    standing refusals (``None`` keeps them). ``resolved_pending`` removes pending creates
    (confirmed or abandoned). ``meta`` sets keys, a ``None`` value deletes one. ``mark``,
    when given, replaces the list's :class:`SyncMark`. ``citekeys`` upserts the citation keys
    of items (:class:`~zotmark.state.model.CiteKey`, by item key). ``status``,
    when given, becomes ``last_run`` (and ``last_success`` if ``status.ok``). The mappings are
    copied on construction, so later changes to the caller's dicts have no effect.
    """

    library_version: int | None = None
    record_upserts: Mapping[str, BaseRecord] = field(default_factory=empty_mapping)
    record_deletes: frozenset[str] = frozenset()
    resolved_pending: frozenset[str] = frozenset()
    mirror_upserts: Mapping[str, str] = field(default_factory=empty_mapping)
    mirror_deletes: frozenset[str] = frozenset()
    meta: Mapping[str, str | None] = field(default_factory=empty_mapping)
    status: RunStatus | None = None
    refused: Mapping[str, Refusal] | None = None
    mark: SyncMark | None = None
    citekeys: Mapping[str, CiteKey] = field(default_factory=empty_mapping)

    def __post_init__(self) -> None:
        if self.library_version is not None:
            check_version(self.library_version, "library_version")
        set_ = object.__setattr__
        set_(self, "record_upserts", frozen_mapping(self.record_upserts))
        set_(self, "mirror_upserts", frozen_mapping(self.mirror_upserts))
        set_(self, "meta", frozen_mapping(self.meta))
        if None in self.citekeys.values():
            raise ValueError("a run's commit sets citation keys, it never unpins one")
        set_(self, "citekeys", frozen_mapping(checked_citekeys(self.citekeys)))
        for name in ("record_deletes", "resolved_pending", "mirror_deletes"):
            set_(self, name, frozenset(getattr(self, name)))
        _check_keyed(self.record_upserts, "item_key", "record_upserts")
        if self.refused is not None:
            set_(self, "refused", frozen_mapping(self.refused))
            _check_keyed(self.refused, "item_key", "refused")
            for refusal in self.refused.values():
                check_refusal(refusal)
        _check_texts(self.mirror_upserts, "mirror_upserts")
        _check_texts(self.meta, "meta", optional=True)
        if self.mark is not None and not isinstance(self.mark, SyncMark):
            raise ValueError(f"expected a SyncMark, got {self.mark!r}")
        _check_disjoint(self.record_upserts, self.record_deletes, "records")
        _check_disjoint(self.mirror_upserts, self.mirror_deletes, "mirror")

    @property
    def changes_sync(self) -> bool:
        """Whether the commit changes what a run plans from (more than meta, the status and
        the items' texts, which a run that keeps its snapshot does not read, and citation
        keys, which only a run's own commits carry and its final commit gives a runner that
        keeps its state): such a commit moves the list's generation on."""
        return bool(
            self.library_version is not None or self.record_upserts or self.record_deletes
            or self.resolved_pending or self.refused is not None or self.mark is not None
        )  # fmt: skip
