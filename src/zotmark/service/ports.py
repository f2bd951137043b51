"""The port the runner needs from the Zotero side.

:class:`~zotmark.zotero.client.ZoteroClient` is the production implementation; tests may pass
any object with these methods. Writes carry each object's version and are conditional on the
library version, so a concurrent writer's change is never overwritten nor skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from zotmark.zotero.results import CollectionInfo, Versions, WriteReport

JsonObject = Mapping[str, Any]


class ZoteroPort(Protocol):
    """What one run needs from a Zotero library."""

    @property
    def base_url(self) -> str:
        """The server's base URL (for messages)."""
        ...

    @property
    def requests(self) -> int:
        """How many HTTP requests this client has sent so far."""
        ...

    def check_library_version(self, known: int) -> int | None:
        """``None`` when nothing changed since ``known``, else the current library version."""
        ...

    def item_versions(self, since: int, *, include_trashed: bool = True) -> Versions:
        """Versions of the items changed after ``since`` (trashed included)."""
        ...

    def deleted_since(self, since: int) -> list[str]:
        """Keys of items deleted for good after ``since``."""
        ...

    def fetch_items(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """The full JSON of these items (trashed included); unknown keys are left out."""
        ...

    def collections(self) -> list[CollectionInfo]:
        """Every collection of the library that is not in the trash."""
        ...

    def find_or_create_collection(self, name_or_key: str) -> str:
        """The key of the collection so named or keyed, created by name when missing."""
        ...

    def create_items(
        self, items: Sequence[JsonObject], *, library_version: int | None = None
    ) -> WriteReport:
        """Create items with client-chosen keys and ``version`` 0, in batches of ≤ 50, each
        conditional on the library version the one before returned."""
        ...

    def update_items(
        self, patches: Sequence[JsonObject], *, library_version: int | None = None
    ) -> WriteReport:
        """Apply partial updates (each with ``key`` and ``version``), in batches of ≤ 50,
        chained on the library version like :meth:`create_items`."""
        ...
