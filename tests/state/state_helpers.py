"""Helpers for the state tests: how to open each store, sample records, a mid-commit failure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from zotmark.state import MemoryStateStore, SqliteStateStore, StateStore
from zotmark.state.model import BaseRecord


class Flavour(Protocol):
    """How to open a store of one implementation, and reopen it as a new process would."""

    name: str

    def open(self) -> StateStore: ...

    def reopen(self, store: StateStore) -> StateStore: ...


class MemoryFlavour:
    name = "memory"

    def open(self) -> StateStore:
        return MemoryStateStore()

    def reopen(self, store: StateStore) -> StateStore:
        return store  # nothing to reopen: the same process keeps the same store


@dataclass
class SqliteFlavour:
    directory: Path
    name: str = "sqlite"

    def open(self) -> StateStore:
        return SqliteStateStore.in_dir(self.directory)

    def reopen(self, store: StateStore) -> StateStore:
        store.close()
        return self.open()


class ExplodingFlags(Mapping[str, bool]):
    """A flags mapping that raises when a store reads it: a failure in the middle of a commit."""

    def __getitem__(self, key: str) -> bool:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("boom")

    def __len__(self) -> int:
        return 1


def record(key: str, **changes: object) -> BaseRecord:
    """A base record with plausible values; ``changes`` override fields."""
    values: dict[str, object] = {
        "item_key": key,
        "ident_key": f"arxiv:2105.{key}",
        "title": f"Paper {key}",
        "url": f"https://arxiv.org/abs/2105.{key}",
        "state": " ",
        "flags": {"relevant": True},
        "item_version": 7,
    }
    values.update(changes)
    return BaseRecord(**values)  # type: ignore[arg-type]
