"""Enrichment of many papers at once: cached, rate-limited arXiv and Crossref look-ups.

:class:`Enricher` wires the pure mappings (:mod:`~zotmark.enrich.arxiv`,
:mod:`~zotmark.enrich.crossref`) to injected effects: ``fetch(url) -> bytes``, a cache
directory, ``clock`` and ``sleep``. ``enrich`` never raises on data or network trouble: each
identifier gets :class:`~zotmark.enrich.model.Metadata` or a
:class:`~zotmark.enrich.model.Failure`, and the sync creates the item with what it knows.
Every answer is cached, failures too, so that a run does not ask again for what just failed:
metadata for ``ttl`` (30 days), "unknown identifier" for ``negative_ttl`` (a day), and a
failure that may pass (network trouble, an error status, metadata lacking a part) for
``retry_ttl`` (an hour). A service found unreachable is not asked again in the same call.
Each call that had failures logs one warning on ``zotmark.enrich`` (see
:meth:`~zotmark.enrich.lookups.Lookups.summary`) and each failure at debug level. Keep one
instance for a daemon's lifetime: the rate limits (one arXiv request per 3 s) are per instance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from zotmark.core.model import Ident
from zotmark.enrich import arxiv, crossref
from zotmark.enrich.apply import apply_metadata
from zotmark.enrich.cache import JsonCache
from zotmark.enrich.http import urllib_fetch
from zotmark.enrich.lookups import Lookups, shortfall
from zotmark.enrich.model import NETWORK, UNKNOWN, Failure, Result, from_json, to_json
from zotmark.errors import EnrichError, EnrichNotFound, EnrichStatusError, EnrichUnreachable

log = logging.getLogger("zotmark.enrich")

Fetch = Callable[[str], bytes]
HOUR = 3600.0
DAY = 86400.0
Outages = dict[str, str]
"""The services found unreachable during one call (``arXiv``, ``Crossref``), with the reason."""


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
        retry_ttl: float = HOUR,
        arxiv_batch: int = arxiv.BATCH_SIZE,
    ) -> None:
        self._fetch, self._clock = fetch, clock
        self._cache = JsonCache(cache_dir) if cache_dir is not None else None
        self._ttl, self._negative_ttl, self._retry_ttl = ttl, negative_ttl, retry_ttl
        self._batch = arxiv_batch
        self._arxiv_limit = RateLimiter(arxiv.MIN_INTERVAL, clock, sleep)
        self._crossref_limit = RateLimiter(crossref.MIN_INTERVAL, clock, sleep)

    def enrich(self, idents: Iterable[Ident]) -> dict[str, Result]:
        """Metadata or a failure for every ident with an arXiv id or a DOI, by ident key
        (the ``results`` of :meth:`look_up`)."""
        return dict(self.look_up(idents).results)

    def look_up(
        self, idents: Iterable[Ident], *, max_age: float | None = None, quiet: bool = False
    ) -> Lookups:
        """Metadata or a failure for every ident with an arXiv id or a DOI (idents with
        neither are left out), and when the failed ones are asked again. Cached answers are
        used while fresh (see the module docstring) and, with ``max_age``, no older than
        that many seconds (a re-check asks again what it last asked that long ago); new
        answers are cached. Logs the failures (see the module docstring), unless ``quiet``
        (a look-up in the background, whose caller retries the failures and says so)."""
        keys = list(dict.fromkeys(k for i in idents if (k := ident_key(i)) is not None))
        results: dict[str, Result] = {}
        stored: dict[str, float] = {}
        for key in keys:
            if (cached := self._cached(key, max_age)) is not None:
                results[key], stored[key] = cached
        missing = [k for k in keys if k not in results]
        down: Outages = {}
        fresh = self._arxiv(
            [k.removeprefix("arxiv:") for k in missing if k.startswith("arxiv:")], down
        )
        for key in (k for k in missing if k.startswith("doi:")):
            fresh[key] = self._published(self._doi(key.removeprefix("doi:"), down), down)
        now = self._clock()
        for key, result in fresh.items():
            self._store(key, result)
            stored[key] = now
        lookups = Lookups(results | fresh, self._retry_at(results | fresh, stored))
        if not quiet:
            _log(lookups)
        return lookups

    def _retry_at(self, results: dict[str, Result], stored: dict[str, float]) -> float | None:
        """When the earliest failed look-up is asked again (``None`` without a cache)."""
        times = [stored[key] + self._retry_ttl for key in results if shortfall(results[key])]
        return min(times) if times and self._cache is not None else None

    def _arxiv(self, ids: list[str], down: Outages) -> dict[str, Result]:
        """Results for arXiv ids (no version), one request per batch, published DOIs resolved."""
        results: dict[str, Result] = {}
        valid = [i for i in ids if arxiv.is_valid_id(i)]
        for bad in (i for i in ids if not arxiv.is_valid_id(i)):
            key = f"arxiv:{bad}"
            results[key] = Failure(key, f"'{bad}' is no arXiv id.", False, UNKNOWN)
        for batch in arxiv.batches(valid, self._batch):
            try:
                records = arxiv.parse_feed(self._get(arxiv.query_url(batch), "arXiv", down))
            except EnrichError as exc:
                results |= {f"arxiv:{i}": _failure(f"arxiv:{i}", "arXiv", exc) for i in batch}
                continue
            for paper in batch:
                record, key = records.get(paper), f"arxiv:{paper}"
                results[key] = (
                    self._published(arxiv.to_metadata(record, key), down)
                    if record is not None
                    else Failure(key, f"arXiv has no paper {paper}.", False, UNKNOWN)
                )
        return results

    def _published(self, preprint: Result, down: Outages) -> Result:
        """``preprint`` with its published version (known by DOI only) completed from
        Crossref; when Crossref cannot be asked now, as it was with a note (so the look-up
        is retried). A failure, or metadata naming no published version, is returned as is."""
        if isinstance(preprint, Failure) or preprint.published is None:
            return preprint
        key = preprint.published.ident_key
        cached = self._cached(key)
        found = cached[0] if cached is not None else self._doi(key.removeprefix("doi:"), down)
        if cached is None:
            self._store(key, found)
        if isinstance(found, Failure):  # a note (and a short cache) only if asking again may help
            notes = (*preprint.notes, found.reason) if found.retry else preprint.notes
            return replace(preprint, notes=notes)
        return replace(preprint, published=replace(found, published=None))

    def _doi(self, doi: str, down: Outages) -> Result:
        """Crossref's metadata for ``doi`` (one request), or the failure."""
        key = f"doi:{doi}"
        try:
            return crossref.parse_work(self._get(crossref.work_url(doi), "Crossref", down), key)
        except EnrichError as exc:
            return _failure(key, "Crossref", exc)

    def _get(self, url: str, service: str, down: Outages) -> bytes:
        """``fetch(url)`` after the service's rate limit; whatever an injected fetch raises
        leaves as :class:`EnrichError` (an ``OSError`` as :class:`EnrichUnreachable`). A
        service found unreachable earlier in this call (``down``) is not asked again: the
        same :class:`EnrichUnreachable` is raised at once."""
        if service in down:
            raise EnrichUnreachable(down[service])
        (self._arxiv_limit if service == "arXiv" else self._crossref_limit).wait()
        host = urlsplit(url).hostname
        try:
            return self._fetch(url)
        except EnrichError as exc:
            error = exc
        except OSError as exc:  # a fetch may raise anything; enrich() must never raise
            error = EnrichUnreachable(f"{host} could not be reached ({type(exc).__name__}).")
        except Exception as exc:
            error = EnrichError(f"fetching from {host} failed ({type(exc).__name__}).")
        if isinstance(error, EnrichUnreachable):
            down[service] = error.message
        raise error

    def _cached(self, key: str, max_age: float | None = None) -> tuple[Result, float] | None:
        """The fresh cached result for ``key`` (stored at most ``max_age`` seconds ago, when
        given) and when it was stored, or ``None``."""
        found = self._cache.get(key) if self._cache else None
        if found is None:
            return None
        stored_at, raw = found
        try:
            result = from_json(raw)
        except (KeyError, TypeError, ValueError):
            return None
        ttl = self._ttl_of(result) if max_age is None else min(self._ttl_of(result), max_age)
        return (result, stored_at) if 0 <= self._clock() - stored_at < ttl else None

    def _ttl_of(self, result: Result) -> float:
        """How long ``result`` stays fresh in the cache (see the module docstring)."""
        if shortfall(result) is not None:
            return self._retry_ttl
        return self._negative_ttl if isinstance(result, Failure) else self._ttl

    def _store(self, key: str, result: Result) -> None:
        """Cache ``result`` (it stays fresh for :meth:`_ttl_of` it)."""
        if self._cache is not None:
            self._cache.put(key, to_json(result), self._clock())


def _failure(key: str, service: str, exc: EnrichError) -> Failure:
    """The failure of ``key`` caused by ``exc``; a not-found answer is not worth retrying."""
    reason = f"{service}: {exc.message}"
    if isinstance(exc, EnrichNotFound):
        return Failure(key, reason, False, UNKNOWN)
    if isinstance(exc, EnrichUnreachable):
        return Failure(key, reason, True, NETWORK)
    kind = f"HTTP {exc.status}" if isinstance(exc, EnrichStatusError) else "error"
    return Failure(key, reason, True, kind)


def _log(lookups: Lookups) -> None:
    """Every failure at debug level, and the summary of those that may pass as a warning."""
    for key, result in lookups.results.items():
        if isinstance(result, Failure):
            log.debug("metadata for %s: %s", key, result.reason)
        elif result.notes:
            log.debug("metadata for %s is incomplete: %s", key, " ".join(result.notes))
    summary = lookups.summary()
    if summary is not None:
        log.warning(summary)
