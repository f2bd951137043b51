"""The state store port: what the runner needs from the durable sync state.

Two implementations keep exactly these semantics, checked by one contract suite
(``tests/state/test_contract.py``): :class:`~zotmark.state.sqlite.SqliteStateStore` (the
product) and :class:`~zotmark.state.memory.MemoryStateStore` (its strict in-memory twin).

Glossary: a *list name* is what identifies a list's state (``Config.state_key``: its file's
path, library and collection); lists never see each other's rows. A list that was never
written reads as an empty :class:`ListState` (``library_version`` 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from zotmark.state.model import CiteKey, ListHead, ListState, RunStatus

if TYPE_CHECKING:  # (see the module: a run that changes nothing does not import it)
    from zotmark.state.commit import PendingCreate, RunCommit

__all__ = ["StateStore"]


class StateStore(Protocol):
    """A durable, transactional store of per-list sync state.

    Every method raises :class:`~zotmark.errors.StateError` when the store cannot be read or
    written, or after :meth:`close`; ``ValueError`` for an invalid argument (a programming
    error). Each mutating method is atomic: it applies completely or, when it raises (for
    any reason, including an exception from the caller's own objects), not at all.
    """

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        """Return an immutable, consistent snapshot of the list's state; without ``texts``,
        with no items' JSON texts in it (an empty ``mirror``: :meth:`mirror_texts` reads
        them one by one)."""
        ...

    def mirror_texts(self, list_name: str) -> Iterator[tuple[str, str]]:
        """The list's items' JSON texts (``mirror``) as ``(item key, text)`` pairs, in key
        order, read a batch at a time: what a run needs to read them into typed items without
        holding 50,000 texts at once. Runs of zotmark processes take turns, so no other run
        writes between the batches of one run's read."""
        ...

    def head(self, list_name: str) -> ListHead:
        """Return the list's :class:`ListHead` (``load(list_name).head``), reading nothing
        else: what a run needs to know whether anything changed."""
        ...

    def meta(self, list_name: str, keys: Iterable[str]) -> Mapping[str, str]:
        """Return the values the list's meta holds for those of ``keys`` it has
        (``load(list_name).meta`` narrowed to ``keys``), reading nothing else: what a run's
        new-item hook needs for a batch of creates, without the list's 50,000 records."""
        ...

    def texts_of(self, list_name: str, keys: Iterable[str]) -> Mapping[str, str]:
        """Return the item texts the list's mirror holds for those of ``keys`` it has
        (``load(list_name).mirror`` narrowed to ``keys``), reading nothing else."""
        ...

    def add_pending(self, list_name: str, creates: Iterable[PendingCreate]) -> None:
        """Record creates about to be sent, durably, in their own transaction.

        Call before sending them: a pending create with the same ``item_key`` is replaced.
        """
        ...

    def commit_run(self, list_name: str, commit: RunCommit) -> None:
        """Apply everything a successful run changed in one transaction (see :class:`RunCommit`)."""
        ...

    def pin_citekeys(self, list_name: str, citekeys: Mapping[str, CiteKey | None]) -> None:
        """Set the citation keys of items (:class:`~zotmark.state.model.CiteKey`) by item
        key; a ``None`` value forgets that item's. The list's generation moves on."""
        ...

    def rename_list(self, old: str, new: str) -> bool:
        """Move every row of list ``old`` to list ``new`` when ``new`` has none and ``old``
        has some (one transaction); whether it did. For state kept under an older name."""
        ...

    def record_status(self, list_name: str, status: RunStatus) -> None:
        """Record how a run went (used for failed runs; a successful one uses ``commit_run``).

        Sets ``last_run``, and ``last_success`` too when ``status.ok``.
        """
        ...

    def close(self) -> None:
        """Release the store's resources; further calls raise ``StateError``. Idempotent."""
        ...

    def __enter__(self) -> StateStore:
        """Return the store itself."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the store."""
        ...
