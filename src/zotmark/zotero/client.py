"""The Zotero Web API client of zotmark: typed reads and batched, idempotent writes.

Reads that pyzotero 1.16 does right go through it (``item_versions`` with ``limit=None`` and
``includeTrashed``, ``deleted``, ``items(itemKey=…)``, paged ``everything``). zotmark sends
the rest itself on the same ``httpx2`` client, because pyzotero has no conditional reads, reads
``/keys/<key>`` (the key in a URL), sends a fresh write token per call (so a retried create
fails whole), ignores ``failed``, and loses or crashes on a 429'd write. Writes are batched
one batch of ≤ 50 objects a call (``zotero.library`` batches and chains larger writes); each
object's new version comes from the write report's ``successful`` map.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import httpx2

from zotmark.core.model import is_item_key, new_item_key
from zotmark.errors import NotFoundError, ZoteroError
from zotmark.zotero import answers
from zotmark.zotero.connection import Connection, env_proxy
from zotmark.zotero.replay import applied_patches, landed_batch
from zotmark.zotero.results import (
    CollectionInfo,
    KeyInfo,
    Versions,
    WriteReport,
    key_info_from_json,
)
from zotmark.zotero.transport import (
    DEFAULT_RETRY,
    REPLAYED,
    RetryPolicy,
    RetryTransport,
    TlsOnDemandTransport,
)
from zotmark.zotero.writes import (
    MAX_WRITE_OBJECTS,
    batches,
    existing_creates,
    parse_report,
    unversioned,
    with_read_back,
)

DEFAULT_BASE_URL = "https://api.zotero.org"
PAGE_SIZE = 100
"""The most objects the Web API returns for one read."""
JsonObject = Mapping[str, Any]


class ZoteroClient:
    """One Zotero library (``user``/``group`` ``library_id``) on the server at ``base_url``.

    Effects are injected: ``sleep`` and ``clock`` (back-off waits; default ``transport.SLEEP``
    and ``transport.CLOCK`` as they are when the client is made), ``randbelow`` (new object keys),
    ``transport`` (the raw ``httpx2`` transport; default: HTTP through the environment's
    proxy). ``retry`` says how often and how patiently a request is retried (see
    :class:`~zotmark.zotero.transport.RetryPolicy`: a server that cannot be connected to at all
    fails a request within seconds). An empty ``library_id`` of a user library is read from the
    key on first use (one request). ``requests`` counts every HTTP attempt. Every method raises
    only ``zotmark.errors.ZoteroError`` and its subclasses (``ValueError`` for misuse).
    """

    def __init__(
        self,
        library_type: str,
        library_id: str | int,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        randbelow: Callable[[int], int] = secrets.randbelow,
        transport: httpx2.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        if library_type not in ("user", "group"):
            raise ValueError(f"library_type must be 'user' or 'group', not {library_type!r}")
        base_url = base_url.rstrip("/")
        inner = transport or TlsOnDemandTransport(proxy=env_proxy(base_url))
        retrying = RetryTransport(inner, sleep=sleep, clock=clock, policy=retry)
        self._conn = Connection(
            library_type, str(library_id), api_key, base_url, transport=retrying, timeout=timeout
        )
        self._randbelow = randbelow
        self._versions_cache: tuple[int, Versions] | None = None

    def __repr__(self) -> str:
        conn = self._conn
        return f"ZoteroClient({conn.library_type!r}, {conn.library_id!r}, {conn.base_url!r})"

    def __enter__(self) -> ZoteroClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._conn.close()

    @property
    def requests(self) -> int:
        """How many HTTP requests (attempts, retries included) this client has sent."""
        return self._conn.transport.requests

    @property
    def library_id(self) -> str:
        """The library's id (read from the key for a user library configured without one)."""
        return self._conn.library_id

    @property
    def base_url(self) -> str:
        """The server's base URL, without a trailing slash."""
        return self._conn.base_url

    def _path(self, tail: str) -> str:
        """The library-scoped path of ``tail``; resolves an empty user library id first."""
        if not self._conn.library_id:
            if self._conn.library_type == "group":
                raise ZoteroError("A group library needs a library_id; none is configured.")
            self.key_info()
        return self._conn.path(tail)

    # --- the key and the library version ------------------------------------------------------

    def key_info(self) -> KeyInfo:
        """The key's user and permissions (``GET /keys/current``); fills in an empty user
        ``library_id``. An invalid key raises :class:`AuthError`."""
        response = self._conn.request("GET", "/keys/current", what="the API key")
        body = self._conn.answer(response, answers.key_info)
        info = key_info_from_json(body, self._conn.library_type, self._conn.library_id)
        if not self._conn.library_id and self._conn.library_type == "user":
            self._conn.library_id = str(info.user_id)
        return info

    def check_library_version(self, known: int) -> int | None:
        """``None`` when the library has not changed since version ``known`` (304), else its
        current version. One request, which also answers the next ``item_versions(known)``
        (trash included) so that call costs no request."""
        response = self._conn.request(
            "GET",
            self._path("/items"),
            what=self._conn.library,
            ok=(200, 304),
            params={"since": known, "format": "versions", "includeTrashed": 1},
            headers={"If-Modified-Since-Version": str(known)},
        )
        if response.status_code == 304:
            return None
        versions = Versions(
            self._conn.answer(response, answers.versions), self._conn.version(response)
        )
        self._versions_cache = (known, versions)
        return versions.library_version

    # --- reads ---------------------------------------------------------------------------------

    def item_versions(self, since: int, *, include_trashed: bool = True) -> Versions:
        """Versions of the items changed after version ``since`` (every item for 0), trashed
        items included unless ``include_trashed=False``. One request (none right after
        ``check_library_version(since)`` answered a version)."""
        cached = self._versions_cache
        if include_trashed and cached is not None and cached[0] == since:
            return cached[1]
        params: dict[str, Any] = {"since": since, "limit": None}
        if include_trashed:
            params["includeTrashed"] = 1
        self._path("")
        zot = self._conn.zot
        call = partial(zot.item_versions, **params)
        result = self._conn.read(call, self._conn.library, answers.versions)
        versions = Versions(result, self._conn.last_library_version())
        if include_trashed:
            self._versions_cache = (since, versions)
        return versions

    def deleted_since(self, since: int) -> answers.Deletions:
        """Keys of the items and collections deleted for good after version ``since`` (trash
        is not deletion)."""
        self._path("")
        call = partial(self._conn.zot.deleted, since=since)
        return self._conn.read(call, self._conn.library, answers.deleted_keys)

    def fetch_items(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """The JSON of the items with these keys (≤ :data:`MAX_WRITE_OBJECTS`), trashed ones
        included, in one request. Keys that do not exist are left out."""
        _check_batch(keys)
        self._path("")
        call = partial(self._conn.zot.items, itemKey=",".join(keys), includeTrashed=1, limit=100)
        return self._conn.read(call, self._conn.library, answers.objects)

    def _fetch_map(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {str(obj["key"]): obj for obj in self.fetch_items(keys)}

    def collection_item_keys(
        self, collection_key: str, *, include_trashed: bool = False
    ) -> set[str]:
        """Keys of the items in a collection (child items included; trashed ones only with
        ``include_trashed``). One request. An unknown collection raises
        :class:`NotFoundError`."""
        params: dict[str, Any] = {"format": "versions", "limit": None}
        if include_trashed:
            params["includeTrashed"] = 1
        self._path("")
        call = partial(self._conn.zot.collection_items, collection_key, **params)
        what = f"collection {collection_key} in {self._conn.library}"
        return set(self._conn.read(call, what, answers.versions))

    def items_page(self, start: int, *, limit: int = PAGE_SIZE) -> answers.ItemsPage:
        """One page of the library's items, trashed ones included, oldest first (by date
        added, so items added meanwhile come last): the JSON of up to ``limit`` items from
        position ``start``, the library version the page reflects and the library's item
        count (``Total-Results``; ``None`` when the server sent none). One request."""
        self._path("")
        zot = self._conn.zot
        params = {"limit": limit, "start": start, "includeTrashed": 1}
        call = partial(zot.items, sort="dateAdded", direction="asc", **params)
        found = self._conn.read(call, self._conn.library, answers.objects)
        total = zot.request.headers.get("Total-Results", "")
        count = int(total) if total.isdigit() else None
        return answers.ItemsPage(found, self._conn.last_library_version(), count)

    # --- collections --------------------------------------------------------------------------

    def collections(self) -> list[CollectionInfo]:
        """Every collection of the library that is not in the trash (100 per request)."""
        self._path("")
        zot = self._conn.zot
        found = self._conn.read(
            lambda: zot.everything(zot.collections(limit=100)),
            self._conn.library,
            partial(answers.objects, named=True),
        )
        return [
            CollectionInfo(str(c["key"]), str(c["data"]["name"]), int(c["version"]))
            for c in found
            if not c["data"].get("deleted")
        ]

    def find_or_create_collection(self, name_or_key: str) -> str:
        """The key of the collection with this key, else with this name, else of a new
        top-level collection of that name. A well-formed key that matches neither raises
        :class:`NotFoundError` naming it."""
        existing = self.collections()
        for collection in existing:
            if collection.key == name_or_key:
                return collection.key
        for collection in existing:
            if collection.name == name_or_key:
                return collection.key
        if is_item_key(name_or_key):
            raise NotFoundError(
                f"Collection {name_or_key} does not exist in {self._conn.library} on "
                f"{self.base_url}. Use the key of an existing collection, or a name to create one."
            )
        return self.create_collection(name_or_key)

    def create_collection(self, name: str, *, key: str | None = None) -> str:
        """Create a top-level collection ``name`` under ``key`` (default: a new random key);
        its key. Idempotent: sent again after a lost answer, it creates nothing twice."""
        key = key or new_item_key(self._randbelow)
        sent = [{"key": key, "version": 0, "name": name, "parentCollection": False}]
        response = self._conn.request(
            "POST", self._path("/collections"), what=self._conn.library, json=sent
        )
        self._versions_cache = None
        report, _body = self._report(sent, response)
        if key in report.versions or existing_creates(sent, report):
            return key
        failure = report.failed.get(key)
        detail = f"{failure.code} “{failure.message}”" if failure else "no answer for it"
        raise ZoteroError(f"Zotero refused to create the collection “{name}”: {detail}.")

    # --- item writes --------------------------------------------------------------------------

    def _post_items(
        self, batch: Sequence[JsonObject], unmodified_since: int | None = None
    ) -> tuple[WriteReport, bool]:
        """POST one batch (≤ 50) of items: its report, and whether the request was replayed
        after an attempt whose outcome is unknown. With ``unmodified_since`` the POST is
        conditional on it (``If-Unmodified-Since-Version``): a library changed since raises
        :class:`PreconditionFailed`, unless the change was this very batch, applied by an
        attempt whose answer was lost (see :meth:`_landed`)."""
        headers = None
        if unmodified_since is not None:
            headers = {"If-Unmodified-Since-Version": str(unmodified_since)}
        response = self._conn.request(
            "POST", self._path("/items"), what=self._conn.library, json=list(batch),
            headers=headers, ok=(200, 412),
        )  # fmt: skip
        self._versions_cache = None
        replayed = bool(response.extensions.get(REPLAYED))
        if response.status_code == 412:
            if not replayed:
                raise self._conn.error(response, self._conn.library)
            return self._landed(batch, response), True
        report, body = self._report(batch, response)
        missing = unversioned(body)
        if missing:
            report = with_read_back(report, self._fetch_map(missing), existed=False)
        return report, replayed

    def _report(
        self, sent: Sequence[JsonObject], response: httpx2.Response
    ) -> tuple[WriteReport, JsonObject]:
        """The :class:`WriteReport` of a 200 answer to a POST of ``sent``, and the body."""
        body = self._conn.answer(response, partial(answers.write_report, sent=len(sent)))
        return parse_report(sent, body, self._conn.version(response)), body

    def _landed(self, batch: Sequence[JsonObject], refused: httpx2.Response) -> WriteReport:
        """The report of a conditional batch refused (412) on a retry whose first attempt's
        answer was lost, when that attempt is what moved the library (see
        :func:`~zotmark.zotero.replay.landed_batch`; the version is the one the refusal names,
        or, as the real server's library-version 412 names none, the one the read-back's
        answer carries); else :class:`PreconditionFailed`."""
        found = self._fetch_map([str(obj["key"]) for obj in batch])
        if answers.VERSION_HEADER in refused.headers:
            version = self._conn.version(refused)
        else:  # sessions 2 and 3 of zotmark-on-dataserver: no Last-Modified-Version on a 412
            version = self._conn.last_library_version()
        report = landed_batch(batch, found, version)
        if report is None:
            raise self._conn.error(refused, self._conn.library)
        return report

    def create_items(
        self, batch: Sequence[JsonObject], *, library_version: int | None = None
    ) -> WriteReport:
        """Create one batch (≤ :data:`MAX_WRITE_OBJECTS`) of items that carry client-chosen
        ``key``s and ``"version": 0``, in one request (conditional on ``library_version`` when
        given). A key that already exists (a retried or repeated create whose first attempt
        was applied) counts as created: its JSON is read back and it is listed in
        ``already_existed``. Other per-object failures are returned in ``failed``. Batching a
        larger write and chaining its versions is ``zotero.library.ZoteroLibrary``'s."""
        _check_batch(batch)
        for obj in batch:
            if not obj.get("key") or obj.get("version") != 0:
                raise ValueError("create_items needs objects with a 'key' and 'version': 0")
        written, _replayed = self._post_items(batch, library_version)
        exists = existing_creates(batch, written)
        if exists:
            written = with_read_back(written, self._fetch_map(exists), existed=True)
        return written

    def update_items(
        self, batch: Sequence[JsonObject], *, library_version: int | None = None
    ) -> WriteReport:
        """Apply one batch (≤ :data:`MAX_WRITE_OBJECTS`) of patches (``key``, the item's
        ``version``, the changed properties) in one request. A stale version fails that object
        with 412 in ``failed``. When a lost response made the batch go twice, its 412s are
        checked against the items read back, and patches found applied count as written."""
        _check_batch(batch)
        for obj in batch:
            if not obj.get("key") or not isinstance(obj.get("version"), int):
                raise ValueError("update_items needs patches with a 'key' and a 'version'")
        written, replayed = self._post_items(batch, library_version)
        stale = [key for key, failure in written.failed.items() if failure.code == 412]
        if replayed and stale:
            applied = applied_patches(batch, self._fetch_map(stale))
            written = with_read_back(written, applied, existed=False)
        return written

    def delete_items(self, keys: Sequence[str], library_version: int) -> int:
        """Delete items for good, ≤ 50 per request, each request conditional on the library
        version (``library_version``, then each answer's); returns the new library version.
        A library changed meanwhile raises :class:`PreconditionFailed` (unless the change
        was this very delete, applied before its response was lost)."""
        version = library_version
        for chunk in batches(keys):
            version = max(version, self._delete_chunk(chunk, version))
        return version

    def _delete_chunk(self, chunk: list[str], version: int) -> int:
        """DELETE one chunk of keys at library ``version``; the library version after it."""
        response = self._conn.request(
            "DELETE",
            self._path("/items"),
            what=self._conn.library,
            ok=(204, 412),
            params={"itemKey": ",".join(chunk)},
            headers={"If-Unmodified-Since-Version": str(version)},
        )
        self._versions_cache = None
        if response.status_code == 204:
            return self._conn.version(response)
        if response.extensions.get(REPLAYED) and not self._fetch_map(chunk):
            return self._conn.last_library_version()
        raise self._conn.error(response, self._conn.library)


def _check_batch(batch: Sequence[object]) -> None:
    """``ValueError`` for a write of more objects than one request may carry."""
    if len(batch) > MAX_WRITE_OBJECTS:
        raise ValueError(f"at most {MAX_WRITE_OBJECTS} objects a request, not {len(batch)}")
