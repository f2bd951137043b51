"""Metadata enrichment from arXiv and Crossref: cached, rate-limited, optional, never fatal.

``Enricher(fetch, cache_dir, clock, sleep).enrich(idents)`` gives each ident key
(``arxiv:…``/``doi:…``) a :class:`Metadata` or a :class:`Failure` (``look_up`` also says, in a
:class:`Lookups`, which look-ups failed and when they are retried); :func:`apply_metadata`
fills a Zotero item's ``data`` from the metadata with schema-valid fields only.
"""

from zotmark.enrich.apply import apply_metadata
from zotmark.enrich.enricher import Enricher, RateLimiter, ident_key
from zotmark.enrich.http import urllib_fetch
from zotmark.enrich.lookups import Lookups
from zotmark.enrich.model import Creator, Failure, Metadata, Result

__all__ = [
    "Creator",
    "Enricher",
    "Failure",
    "Lookups",
    "Metadata",
    "RateLimiter",
    "Result",
    "apply_metadata",
    "ident_key",
    "urllib_fetch",
]
