"""After a lost answer: what a write that was sent again had already done.

A write whose answer was lost (a timeout, a dropped connection) is sent again by the transport
(:data:`~zotmark.zotero.transport.REPLAYED` marks the answer). The server may have applied the
first attempt, so the second is refused (412) or fails per object. These pure functions judge,
from the objects read back, whether the first attempt landed; the client does the reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zotmark.zotero.results import WriteReport
from zotmark.zotero.writes import patch_applied

JsonObject = Mapping[str, Any]


def landed_batch(
    batch: Sequence[JsonObject], found: Mapping[str, JsonObject], version: int
) -> WriteReport | None:
    """The report of a conditional batch refused (412) on a retry, when the first attempt is
    what moved the library: every object of ``batch`` reads back (``found``: key → item JSON)
    as sent (created, or patched) and the newest of them is at the library ``version`` the
    refusal named. ``None`` when someone else wrote meanwhile."""
    landed = bool(found) and all(
        str(obj["key"]) in found
        and (obj.get("version") == 0 or patch_applied(obj, found[str(obj["key"])]["data"]))
        for obj in batch
    )
    if not landed or max(int(obj["version"]) for obj in found.values()) != version:
        return None
    return WriteReport(
        versions={key: int(obj["version"]) for key, obj in found.items()},
        objects=found,
        already_existed=frozenset(str(o["key"]) for o in batch if o.get("version") == 0),
        library_version=version,
    )


def applied_patches(
    batch: Sequence[JsonObject], found: Mapping[str, JsonObject]
) -> dict[str, JsonObject]:
    """The items read back (``found``: key → item JSON) that already hold their patch of
    ``batch``: a replayed update's stale-version failures that are in fact written."""
    wanted = {str(patch["key"]): patch for patch in batch}
    return {key: obj for key, obj in found.items() if patch_applied(wanted[key], obj["data"])}
