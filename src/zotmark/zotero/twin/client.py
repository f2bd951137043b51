"""What the Web API client does around the server, as the twin mirrors it. Pure.

``ZoteroLibrary`` (over ``ZoteroClient``) turns the port's writes into uploads and counts its
requests; the twin turns them into the same uploads (the same patch builder) and counts the
same requests, so its outcomes and request floors are the adapter's (the contract suite in
``tests/contract`` checks both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zotmark.core.item import Item
from zotmark.core.port import Change, NewItem, Write
from zotmark.zotero.mapping import item_patch
from zotmark.zotero.writes import MAX_WRITE_OBJECTS

PAGE = 100  # objects per page of a whole-library read (the server's maximum page)


def page_requests(count: int) -> int:
    """Requests to read ``count`` objects in pages of 100: one for none, else one a page
    (items stop at the ``Total-Results`` the first page announced, collections where the
    ``Link`` header names no next page: no empty page after a full last one)."""
    return max(1, -(-count // PAGE))


def fetch_requests(count: int) -> int:
    """Requests to read ``count`` items by key, 50 keys a request."""
    return -(-count // MAX_WRITE_OBJECTS)


def check_writes(writes: Sequence[Write]) -> None:
    """``ValueError`` unless ``writes`` name each key once (the port's ``apply`` takes one
    write per key) and every :class:`NewItem` carries its ``key`` and ``"version": 0`` in its
    data, as ``mapping.new_item_data`` builds it (``ZoteroClient.create_items`` refuses
    anything else)."""
    keys = [write.key for write in writes]
    if len(set(keys)) != len(keys):
        twice = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"one write per key: {', '.join(twice)} written more than once")
    for write in writes:
        if isinstance(write, NewItem) and (
            write.data.get("key") != write.key or write.data.get("version") != 0
        ):
            raise ValueError(f"NewItem {write.key}: its data needs 'key' and 'version': 0")


def patch(change: Change, item: Item) -> dict[str, Any]:
    """The patch the client sends for ``change`` to ``item`` as the snapshot holds it
    (``item_patch``, the one patch builder, as ``ZoteroLibrary`` builds it)."""
    return item_patch(item, change)
