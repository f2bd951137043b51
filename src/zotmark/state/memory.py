"""The strict in-memory twin of the SQLite state store (tests, dry runs).

Same semantics as :class:`~zotmark.state.sqlite.SqliteStateStore`, checked by the same
contract suite: values are validated the same way, every mutation builds the new snapshot
aside and swaps it in only when complete (so an exception mid-commit changes nothing), and a
closed store raises :class:`~zotmark.errors.StateError`. Nothing survives the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

from zotmark.errors import StateError
from zotmark.state.model import (
    CiteKey,
    ListHead,
    ListState,
    RunStatus,
    check_list_name,
    checked_citekeys,
)

if TYPE_CHECKING:  # (see the module: a run that changes nothing does not import it)
    from zotmark.state.commit import PendingCreate, RunCommit

__all__ = ["MemoryStateStore"]


class MemoryStateStore:
    """A :class:`~zotmark.state.store.StateStore` that keeps one immutable snapshot per list."""

    def __init__(self) -> None:
        self._lists: dict[str, ListState] = {}
        self._lock = threading.Lock()
        self._closed = False

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        """Return the list's snapshot (the stored immutable value itself; without ``texts``,
        a copy with no items' texts)."""
        state = self._get(list_name)
        return state if texts else state._replace(mirror=_frozen({}))

    def mirror_texts(self, list_name: str) -> Iterator[tuple[str, str]]:
        """The items' texts of the list's snapshot, in key order."""
        mirror = self._get(list_name).mirror
        return iter(sorted(mirror.items()))

    def head(self, list_name: str) -> ListHead:
        """Return the list's head (of the stored snapshot)."""
        return self._get(list_name).head

    def meta(self, list_name: str, keys: Iterable[str]) -> Mapping[str, str]:
        """Return the stored snapshot's meta values of those of ``keys`` it has."""
        meta = self._get(list_name).meta
        return {key: meta[key] for key in keys if key in meta}

    def texts_of(self, list_name: str, keys: Iterable[str]) -> Mapping[str, str]:
        """Return the stored snapshot's item texts of those of ``keys`` it has."""
        mirror = self._get(list_name).mirror
        return {key: mirror[key] for key in keys if key in mirror}

    def _get(self, list_name: str) -> ListState:
        check_list_name(list_name)
        with self._lock:
            self._check_open()
            return self._lists.get(list_name) or ListState(name=list_name)

    def add_pending(self, list_name: str, creates: Iterable[PendingCreate]) -> None:
        """Record creates about to be sent (replacing pending ones with the same key)."""
        from zotmark.state.commit import checked_pending  # (not a module for a no-op run)

        checked = checked_pending(creates)
        self._update(list_name, lambda old: old.with_pending(checked))

    def commit_run(self, list_name: str, commit: RunCommit) -> None:
        """Apply a run's changes all at once, or not at all."""
        self._update(list_name, lambda old: old.after(commit))

    def pin_citekeys(self, list_name: str, citekeys: Mapping[str, CiteKey | None]) -> None:
        """Set (or with ``None`` forget) the citation keys of items, by item key; the list's
        generation moves on (a run plans with them)."""
        self._update(list_name, lambda old: _with_citekeys(old, citekeys))

    def rename_list(self, old: str, new: str) -> bool:
        """Move ``old``'s snapshot to ``new`` when ``new`` has none."""
        check_list_name(old)
        check_list_name(new)
        with self._lock:
            self._check_open()
            if new in self._lists or old not in self._lists:
                return False
            self._lists[new] = self._lists.pop(old)._replace(name=new)
            return True

    def record_status(self, list_name: str, status: RunStatus) -> None:
        """Set ``last_run`` (and ``last_success`` when ``status.ok``)."""
        self._update(list_name, lambda old: old.with_status(status))

    def close(self) -> None:
        """Forget nothing but refuse further calls."""
        with self._lock:
            self._closed = True

    def __enter__(self) -> MemoryStateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _update(self, list_name: str, change: Callable[[ListState], ListState]) -> None:
        check_list_name(list_name)
        with self._lock:
            self._check_open()
            old = self._lists.get(list_name) or ListState(name=list_name)
            self._lists[list_name] = change(old)

    def _check_open(self) -> None:
        if self._closed:
            raise StateError("the in-memory state store is closed")


def _frozen(values: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(values)


def _with_citekeys(old: ListState, citekeys: Mapping[str, CiteKey | None]) -> ListState:
    pinned = dict(old.citekeys)
    for item_key, citekey in checked_citekeys(citekeys).items():
        if citekey is None:
            pinned.pop(item_key, None)
        else:
            pinned[item_key] = citekey
    return old._replace(citekeys=_frozen(pinned), generation=old.generation + 1)
