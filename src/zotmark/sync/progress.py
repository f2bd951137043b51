"""Progress of long runs: a callback, and the metadata hook's reports through it.

A :data:`ProgressHook` is told ``(what, done, total)`` as work advances (``total`` is ``None``
when unknown): ``zotero.library.ZoteroLibrary`` tells it how the big reads and writes of a run
advance, batch by batch. The CLI draws the bars (:mod:`zotmark.cli.progress_bars`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from zotmark.core.actions import CreateItem
from zotmark.sync.writes import NewItemHook
from zotmark.zotero.writes import MAX_WRITE_OBJECTS as BATCH

ProgressHook = Callable[[str, int, "int | None"], None]
"""Called with (what is being done, how many are done, how many in all or ``None``)."""

T = TypeVar("T")


def _reporting(objects: Sequence[T], what: str, hook: ProgressHook) -> Iterator[Sequence[T]]:
    total = len(objects)
    for start in range(0, total, BATCH):
        hook(what, start, total)
        yield objects[start : start + BATCH]
    hook(what, total, total)


def reporting_hook(hook: NewItemHook, progress: ProgressHook, what: str) -> NewItemHook:
    """``hook`` (metadata for new items: a batch in, a batch out) called in batches of
    ``BATCH``, reporting after each; arXiv is asked in batches of that size anyway."""

    def reported(creates: list[tuple[CreateItem, dict[str, Any]]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for chunk in _reporting(creates, what, progress):
            out.extend(hook(list(chunk)))
        return out

    return reported
