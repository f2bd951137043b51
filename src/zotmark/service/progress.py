"""Progress of long runs: a callback, and a port wrapper that reports through it.

A :data:`ProgressHook` is told ``(what, done, total)`` as work advances (``total`` is ``None``
when unknown). :class:`ProgressPort` wraps a Zotero port and splits the big reads and writes of
a run into the client's own ≤ 50-object batches, reporting after each; the requests sent are
the same as without it. The CLI draws the bars (:mod:`zotmark.cli.progress_bars`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from zotmark.core.actions import CreateItem
from zotmark.service.ports import JsonObject, ZoteroPort
from zotmark.service.zotero_side import NewItemHook
from zotmark.zotero.results import CollectionInfo, Versions, WriteReport

ProgressHook = Callable[[str, int, "int | None"], None]
"""Called with (what is being done, how many are done, how many in all or ``None``)."""

T = TypeVar("T")
BATCH = 50
THRESHOLD = 50
"""Reads and writes of more objects than this are reported; smaller ones are not."""


class ProgressPort:
    """``port`` with progress reports on fetches, creates and updates of > ``threshold``
    objects. Every other call goes straight through."""

    def __init__(self, port: ZoteroPort, hook: ProgressHook, threshold: int = THRESHOLD) -> None:
        self._port = port
        self._hook = hook
        self._threshold = threshold

    @property
    def base_url(self) -> str:
        """The wrapped port's server."""
        return self._port.base_url

    @property
    def requests(self) -> int:
        """The wrapped port's request count."""
        return self._port.requests

    def check_library_version(self, known: int) -> int | None:
        return self._port.check_library_version(known)

    def item_versions(self, since: int, *, include_trashed: bool = True) -> Versions:
        return self._port.item_versions(since, include_trashed=include_trashed)

    def deleted_since(self, since: int) -> list[str]:
        return self._port.deleted_since(since)

    def collections(self) -> list[CollectionInfo]:
        return self._port.collections()

    def find_or_create_collection(self, name_or_key: str) -> str:
        return self._port.find_or_create_collection(name_or_key)

    def fetch_items(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for chunk in self._chunks("Reading items from Zotero", keys):
            found.extend(self._port.fetch_items(chunk))
        return found

    def create_items(
        self, items: Sequence[JsonObject], *, library_version: int | None = None
    ) -> WriteReport:
        report = WriteReport(library_version=library_version or 0)
        for chunk in self._chunks("Creating items in Zotero", items):
            since = report.library_version if library_version is not None else None
            report = report.merged(self._port.create_items(chunk, library_version=since))
        return report

    def update_items(
        self, patches: Sequence[JsonObject], *, library_version: int | None = None
    ) -> WriteReport:
        report = WriteReport(library_version=library_version or 0)
        for chunk in self._chunks("Updating items in Zotero", patches):
            since = report.library_version if library_version is not None else None
            report = report.merged(self._port.update_items(chunk, library_version=since))
        return report

    def _chunks(self, what: str, objects: Sequence[T]) -> Iterator[Sequence[T]]:
        """``objects`` whole when small; else in batches, reporting before each and at the end."""
        if len(objects) <= self._threshold:
            return iter([objects])
        return _reporting(objects, what, self._hook)


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
