"""Write reports: reading the Web API's answer to a multi-object POST into a typed value.

Pure. The server answers a POST of ≤ 50 objects with HTTP 200 and four maps keyed by the
object's index (``successful``, ``success``, ``unchanged``, ``failed``); each written object
takes its own new version (the library version is bumped once per object). Per-object
failures are values here, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from zotmark.zotero.results import WriteFailure, WriteReport

T = TypeVar("T")

MAX_WRITE_OBJECTS = 50
# Per-object failure code for a keyed create (version 0) whose key already exists.
EXISTS_CODE = 412


def batches(objects: Sequence[T]) -> list[list[T]]:
    """``objects`` in consecutive batches of at most :data:`MAX_WRITE_OBJECTS` (the most
    objects a write, and the most keys an ``itemKey`` read, may name): the one batching of
    zotmark's requests."""
    return [
        list(objects[start : start + MAX_WRITE_OBJECTS])
        for start in range(0, len(objects), MAX_WRITE_OBJECTS)
    ]


def parse_report(
    sent: Sequence[Mapping[str, Any]], body: Mapping[str, Any], library_version: int
) -> WriteReport:
    """The :class:`WriteReport` of a POST of ``sent`` answered with ``body``.

    A failure's key is the one the server names, else the sent object's ``key``, else
    ``#<index>`` (an unkeyed object).
    """

    def key_at(index: str, named: object = None) -> str:
        sent_key = sent[int(index)].get("key") if int(index) < len(sent) else None
        return str(named or sent_key or f"#{index}")

    objects = {str(obj["key"]): obj for obj in body.get("successful", {}).values()}
    versions = {key: int(obj["version"]) for key, obj in objects.items()}
    unchanged = frozenset(key_at(i, key) for i, key in body.get("unchanged", {}).items())
    for index, key in body.get("unchanged", {}).items():
        sent_version = sent[int(index)].get("version") if int(index) < len(sent) else None
        if isinstance(sent_version, int):
            versions[key_at(index, key)] = sent_version
    failed = {}
    for index, failure in body.get("failed", {}).items():
        key = key_at(index, failure.get("key"))
        failed[key] = WriteFailure(
            key, int(failure.get("code", 0)), str(failure.get("message", ""))
        )
    return WriteReport(
        versions=versions,
        objects=objects,
        unchanged=unchanged,
        failed=failed,
        library_version=library_version,
    )


def unversioned(body: Mapping[str, Any]) -> list[str]:
    """Keys the (deprecated) ``success`` map reports written but ``successful`` lacks (old
    servers send no ``successful``): their versions must be read back."""
    versioned = {str(obj.get("key")) for obj in body.get("successful", {}).values()}
    return [str(key) for key in body.get("success", {}).values() if str(key) not in versioned]


def existing_creates(sent: Sequence[Mapping[str, Any]], report: WriteReport) -> list[str]:
    """Keys of keyed creates (``"version": 0``) the server refused because they exist."""
    creates = {str(obj["key"]) for obj in sent if obj.get("key") and obj.get("version") == 0}
    return [
        key
        for key, failure in report.failed.items()
        if failure.code == EXISTS_CODE and key in creates
    ]


def _tag_set(tags: object) -> frozenset[tuple[str, int]]:
    """A tag list as a set of ``(name, type)`` (type 0 when omitted)."""
    if not isinstance(tags, list):
        return frozenset()
    return frozenset(
        (str(t.get("tag")), int(t.get("type", 0))) for t in tags if isinstance(t, dict)
    )


def patch_applied(patch: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether item ``data`` already holds every property of ``patch`` (``key``/``version``
    aside): tags and collections compared as sets, other properties by equality, a trash
    flag by truth."""
    for name, wanted in patch.items():
        have = data.get(name)
        if name in ("key", "version"):
            continue
        if name == "tags":
            same = _tag_set(wanted) == _tag_set(have)
        elif name == "collections":
            same = set(wanted) == set(have or ())
        elif name == "deleted":
            same = bool(wanted) == bool(have)
        else:
            same = wanted == have
        if not same:
            return False
    return True


def with_read_back(
    report: WriteReport, found: Mapping[str, Mapping[str, Any]], *, existed: bool
) -> WriteReport:
    """``report`` with the failed objects in ``found`` (key → item JSON read back) turned
    into successes at their current version (``already_existed`` too when ``existed``)."""
    if not found:
        return report
    return WriteReport(
        versions={**report.versions, **{key: int(obj["version"]) for key, obj in found.items()}},
        objects={**report.objects, **found},
        unchanged=report.unchanged,
        already_existed=report.already_existed | (frozenset(found) if existed else frozenset()),
        failed={key: f for key, f in report.failed.items() if key not in found},
        library_version=report.library_version,
    )
