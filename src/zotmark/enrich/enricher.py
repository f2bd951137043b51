"""Enrichment of many papers at once: cached, rate-limited arXiv and Crossref look-ups.

:class:`Enricher` wires the pure mappings (:mod:`~zotmark.enrich.arxiv`,
:mod:`~zotmark.enrich.crossref`) to injected effects: ``fetch(url) -> bytes``, a cache
directory, ``clock`` and ``sleep``. ``enrich`` never raises on data or network trouble: each
identifier gets :class:`~zotmark.enrich.model.Metadata` or a
:class:`~zotmark.enrich.model.Failure`, and the sync creates the item with what it knows and
enriches it on a later run. Keep one instance for a daemon's lifetime: the rate limits (one
arXiv request per 3 s) are per instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zotmark.core.model import Ident
from zotmark.enrich import arxiv, crossref
from zotmark.enrich.apply import apply_metadata
from zotmark.enrich.cache import JsonCache
from zotmark.enrich.http import urllib_fetch
from zotmark.enrich.model import Failure, Metadata, Result, from_json, to_json
from zotmark.errors import EnrichError, EnrichNotFound

Fetch = Callable[[str], bytes]
DAY = 86400.0


class RateLimiter:
    """Spaces calls of :meth:`wait` at least ``interval`` seconds apart (by ``clock``)."""

    def __init__(
        self, interval: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self.interval, self._clock, self._sleep = interval, clock, sleep
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until ``interval`` has passed since the previous call (a clock that went
        backwards counts as no time passed), then record this call."""
        if self._last is not None:
            elapsed = max(self._clock() - self._last, 0.0)
            if elapsed < self.interval:
                self._sleep(self.interval - elapsed)
        self._last = self._clock()


def ident_key(ident: Ident) -> str | None:
    """The key enrichment files ``ident`` under (``arxiv:…`` or ``doi:…``), ``None`` when
    it has neither identifier (nothing to look up)."""
    if ident.arxiv:
        return f"arxiv:{ident.arxiv}"
    return f"doi:{ident.doi}" if ident.doi else None


class Enricher:
    """Looks papers up on arXiv (batched ``id_list``) and Crossref (``/works/{doi}``)."""

    apply = staticmethod(apply_metadata)

    def __init__(
        self,
        fetch: Fetch = urllib_fetch,
        cache_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        *,
        ttl: float = 30 * DAY,
        negative_ttl: float = DAY,
        arxiv_batch: int = arxiv.BATCH_SIZE,
    ) -> None:
        self._fetch, self._clock = fetch, clock
        self._cache = JsonCache(cache_dir) if cache_dir is not None else None
        self._ttl, self._negative_ttl, self._batch = ttl, negative_ttl, arxiv_batch
        self._arxiv_limit = RateLimiter(arxiv.MIN_INTERVAL, clock, sleep)
        self._crossref_limit = RateLimiter(crossref.MIN_INTERVAL, clock, sleep)

    def enrich(self, idents: Iterable[Ident]) -> dict[str, Result]:
        """Metadata or a failure for every ident with an arXiv id or a DOI, by ident key.

        Idents with neither are left out. Cached answers are used while fresh; new answers
        are cached except failures worth retrying (network trouble, server errors).
        """
        keys = list(dict.fromkeys(k for i in idents if (k := ident_key(i)) is not None))
        results: dict[str, Result] = {}
        for key in keys:
            if (cached := self._cached(key)) is not None:
                results[key] = cached
        missing = [k for k in keys if k not in results]
        fresh = self._arxiv([k.removeprefix("arxiv:") for k in missing if k.startswith("arxiv:")])
        for key in (k for k in missing if k.startswith("doi:")):
            fresh[key] = self._doi(key.removeprefix("doi:"))
        for key, result in fresh.items():
            self._store(key, result)
        return results | fresh

    def _arxiv(self, ids: list[str]) -> dict[str, Result]:
        """Results for arXiv ids (no version), one request per batch, published DOIs resolved."""
        results: dict[str, Result] = {}
        valid = [i for i in ids if arxiv.is_valid_id(i)]
        for bad in (i for i in ids if not arxiv.is_valid_id(i)):
            results[f"arxiv:{bad}"] = Failure(f"arxiv:{bad}", f"'{bad}' is no arXiv id.", False)
        for batch in arxiv.batches(valid, self._batch):
            self._arxiv_limit.wait()
            try:
                records = arxiv.parse_feed(self._get(arxiv.query_url(batch)))
            except EnrichError as exc:
                results |= {f"arxiv:{i}": _failure(f"arxiv:{i}", "arXiv", exc) for i in batch}
                continue
            for paper in batch:
                record, key = records.get(paper), f"arxiv:{paper}"
                results[key] = (
                    self._published(arxiv.to_metadata(record, key))
                    if record is not None
                    else Failure(key, f"arXiv has no paper {paper}.", retry=False)
                )
        return results

    def _published(self, preprint: Metadata) -> Metadata:
        """``preprint`` completed from Crossref when arXiv names a published DOI; when
        Crossref cannot be asked now, the arXiv metadata with a note (so it is retried)."""
        if preprint.item_type == "preprint":
            return preprint
        doi = preprint.fields["DOI"]
        found = self._cached(f"doi:{doi}")
        if found is None:
            found = self._doi(doi)
            self._store(f"doi:{doi}", found)
        if isinstance(found, Failure):  # a note (and no caching) only if asking again may help
            notes = (*preprint.notes, found.reason) if found.retry else preprint.notes
            return replace(preprint, notes=notes)
        return merge_published(preprint, found)

    def _doi(self, doi: str) -> Result:
        """Crossref's metadata for ``doi`` (one request), or the failure."""
        key = f"doi:{doi}"
        self._crossref_limit.wait()
        try:
            return crossref.parse_work(self._get(crossref.work_url(doi)), key)
        except EnrichError as exc:
            return _failure(key, "Crossref", exc)

    def _get(self, url: str) -> bytes:
        """``fetch(url)``; whatever an injected fetch raises leaves as :class:`EnrichError`."""
        try:
            return self._fetch(url)
        except EnrichError:
            raise
        except Exception as exc:  # a fetch may raise anything; enrich() must never raise
            host = urlsplit(url).hostname
            raise EnrichError(f"fetching from {host} failed ({type(exc).__name__}).") from None

    def _cached(self, key: str) -> Result | None:
        """The fresh cached result for ``key``, or ``None``."""
        found = self._cache.get(key) if self._cache else None
        if found is None:
            return None
        stored_at, raw = found
        try:
            result = from_json(raw)
        except (KeyError, TypeError, ValueError):
            return None
        ttl = self._negative_ttl if isinstance(result, Failure) else self._ttl
        return result if 0 <= self._clock() - stored_at < ttl else None

    def _store(self, key: str, result: Result) -> None:
        """Cache ``result`` unless it is worth retrying soon (a transient or partial answer)."""
        transient = result.retry if isinstance(result, Failure) else bool(result.notes)
        if self._cache is not None and not transient:
            self._cache.put(key, to_json(result), self._clock())


def merge_published(preprint: Metadata, published: Metadata) -> Metadata:
    """The published version's metadata (Crossref) under the preprint's ident key, keeping
    the arXiv abstract and authors where Crossref has none, and the ``arXiv: ID`` Extra line."""
    fields: dict[str, Any] = dict(published.fields)
    if "abstractNote" not in fields and "abstractNote" in preprint.fields:
        fields["abstractNote"] = preprint.fields["abstractNote"]
    return Metadata(
        ident_key=preprint.ident_key,
        item_type=published.item_type,
        fields=fields,
        creators=published.creators or preprint.creators,
        extra=preprint.extra,
        source="arxiv+crossref",
    )


def _failure(key: str, service: str, exc: EnrichError) -> Failure:
    """The failure of ``key`` caused by ``exc``; a not-found answer is not worth retrying."""
    return Failure(key, f"{service}: {exc.message}", retry=not isinstance(exc, EnrichNotFound))
