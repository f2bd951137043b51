"""The production fetch for enrichment: one HTTP GET with urllib, errors translated.

``fetch(url) -> bytes`` is the seam the :class:`~zotmark.enrich.enricher.Enricher` is built
on; tests pass a fake that returns recorded bodies. Every failure leaves this module as an
:class:`~zotmark.errors.EnrichError` (a 404 as :class:`~zotmark.errors.EnrichNotFound`); no
urllib, socket or ssl exception escapes.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from zotmark import __version__
from zotmark.errors import EnrichError, EnrichNotFound

USER_AGENT = f"zotmark/{__version__} (Markdown reading list to Zotero sync; python-urllib)"
TIMEOUT = 20.0
MAX_BYTES = 8 * 1024 * 1024


def urllib_fetch(url: str, *, timeout: float = TIMEOUT) -> bytes:
    """The body of a GET of ``url`` (at most 8 MiB), sent with zotmark's User-Agent.

    Raises :class:`EnrichNotFound` for HTTP 404/410 and :class:`EnrichError` for any other
    HTTP error status, a network failure, a timeout or an oversized body.
    """
    host = urlsplit(url).hostname or url
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise EnrichNotFound(
                f"{host} does not know this identifier (HTTP {exc.code})."
            ) from None
        raise EnrichError(f"{host} answered HTTP {exc.code} ({exc.reason}).") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise EnrichError(f"{host} could not be reached ({reason}).") from None
    if len(body) > MAX_BYTES:
        raise EnrichError(f"{host} sent more than {MAX_BYTES} bytes; answer ignored.")
    return body
