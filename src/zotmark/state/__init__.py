"""The durable sync state: a port, its SQLite store, its in-memory twin, and the state lock."""

from __future__ import annotations

from zotmark.state.lock import LOCK_FILENAME, DaemonLock, StateLock
from zotmark.state.memory import MemoryStateStore
from zotmark.state.model import (
    BaseRecord,
    CiteKey,
    ListHead,
    ListState,
    RunStatus,
    SyncMark,
)
from zotmark.state.sqlite import STATE_FILENAME, SqliteStateStore
from zotmark.state.store import StateStore

__all__ = [
    "LOCK_FILENAME",
    "STATE_FILENAME",
    "BaseRecord",
    "CiteKey",
    "DaemonLock",
    "ListHead",
    "ListState",
    "MemoryStateStore",
    "RunStatus",
    "SqliteStateStore",
    "StateLock",
    "StateStore",
    "SyncMark",
]


def _implementations_conform(
    memory: MemoryStateStore, sqlite: SqliteStateStore
) -> tuple[StateStore, StateStore]:
    """Never called: lets mypy check that both stores implement the port."""
    return memory, sqlite
