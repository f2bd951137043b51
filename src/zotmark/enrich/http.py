"""The production fetch for enrichment: one HTTP GET with urllib, errors translated.

``fetch(url) -> bytes`` is the seam the :class:`~zotmark.enrich.enricher.Enricher` is built
on; tests pass a fake that returns recorded bodies. Every failure leaves this module as an
:class:`~zotmark.errors.EnrichError` (a 404 as :class:`~zotmark.errors.EnrichNotFound`, another
error status as :class:`~zotmark.errors.EnrichStatusError`, a network failure or timeout as
:class:`~zotmark.errors.EnrichUnreachable`); no urllib, socket or ssl exception escapes.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from zotmark import __version__
from zotmark.errors import EnrichError, EnrichNotFound, EnrichStatusError, EnrichUnreachable

USER_AGENT = f"zotmark/{__version__} (Markdown reading list to Zotero sync; python-urllib)"
TIMEOUT = 20.0
MAX_BYTES = 8 * 1024 * 1024


def urllib_fetch(url: str, *, timeout: float = TIMEOUT) -> bytes:
    """The body of a GET of ``url`` (at most 8 MiB), sent with zotmark's User-Agent.

    Raises :class:`EnrichNotFound` for HTTP 404/410, :class:`EnrichStatusError` for any other
    HTTP error status, :class:`EnrichUnreachable` for a network failure or a timeout, and
    :class:`EnrichError` for an oversized body.
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
        raise EnrichStatusError(
            f"{host} answered HTTP {exc.code} ({exc.reason}).", exc.code
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise EnrichUnreachable(f"{host} could not be reached ({reason}).") from None
    except ValueError as exc:
        raise EnrichError(f"{url} cannot be fetched ({exc}).") from None
    if len(body) > MAX_BYTES:
        raise EnrichError(f"{host} sent more than {MAX_BYTES} bytes; answer ignored.")
    return body
