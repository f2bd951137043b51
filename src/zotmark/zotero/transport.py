"""The HTTP transport under every Zotero request: back-off, retries and the request count.

It wraps a real ``httpx2`` transport so that pyzotero's reads and zotmark's own writes share one
policy: ``Backoff`` (and ``Retry-After`` on a success) delays the *next* request; 429 and 503 are
retried after ``Retry-After`` (or capped exponential back-off); connection errors, timeouts and
dropped responses are retried with capped exponential back-off; all waits go through the
injected ``sleep``. ``Backoff``/``Retry-After`` headers are removed from the responses handed
up, so pyzotero never sleeps on its own clock. A response that followed an attempt whose
outcome is unknown (the server may have applied it) is marked ``extensions["zotmark.replayed"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx2

log = logging.getLogger("zotmark.zotero")

RETRY_STATUSES = frozenset({429, 503})
REPLAYED = "zotmark.replayed"
# Errors after which the request may have reached the server and been applied.
_MAYBE_APPLIED = (
    httpx2.ReadTimeout,
    httpx2.WriteTimeout,
    httpx2.ReadError,
    httpx2.WriteError,
    httpx2.RemoteProtocolError,
)
_RETRYABLE = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


def _seconds(value: str | None) -> float | None:
    """A header's delay in seconds, or ``None`` when absent or not a number."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class RetryTransport(httpx2.BaseTransport):
    """``inner`` with back-off and retries; counts every attempt in ``requests``.

    ``max_retries`` bounds the retries of one request (so at most ``max_retries + 1``
    attempts); every wait is capped at ``max_backoff`` seconds. When retries run out, the last
    429/503 response is returned, or the last transport error raised.
    """

    def __init__(
        self,
        inner: httpx2.BaseTransport,
        *,
        sleep: Callable[[float], object],
        clock: Callable[[], float],
        max_retries: int = 5,
        max_backoff: float = 60.0,
        base_delay: float = 1.0,
    ) -> None:
        self._inner = inner
        self._sleep = sleep
        self._clock = clock
        self.max_retries = max_retries
        self.max_backoff = max_backoff
        self.base_delay = base_delay
        self.requests = 0
        self._not_before = 0.0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request``, waiting and retrying as the class docstring says."""
        replayed = False
        attempt = 0
        while True:
            self._wait_for_backoff()
            self.requests += 1
            try:
                response = self._send_once(request)
            except _RETRYABLE as exc:
                if attempt >= self.max_retries:
                    raise
                replayed = replayed or isinstance(exc, _MAYBE_APPLIED)
                delay = self._exponential(attempt)
                reason = type(exc).__name__
            else:
                self._note_backoff(response)
                if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    response.extensions[REPLAYED] = replayed
                    return response
                delay = self._retry_delay(response, attempt)
                reason = f"HTTP {response.status_code}"
            attempt += 1
            log.warning(
                "Zotero request %s %s failed (%s); retry %d of %d in %.1f s",
                *(request.method, request.url.path, reason, attempt, self.max_retries, delay),
            )
            self._sleep(delay)

    def _send_once(self, request: httpx2.Request) -> httpx2.Response:
        """One attempt, body read, ``Backoff``/``Retry-After`` kept aside for this class."""
        raw = self._inner.handle_request(request)
        try:
            content = raw.read()
        finally:
            raw.close()
        headers = httpx2.Headers(raw.headers)
        return httpx2.Response(
            raw.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions={"http_version": raw.extensions.get("http_version", b"HTTP/1.1")},
        )

    def _note_backoff(self, response: httpx2.Response) -> None:
        """Remember a ``Backoff`` (or a success's ``Retry-After``) and strip both headers."""
        delay = _seconds(response.headers.get("Backoff"))
        if response.status_code < 400:
            delay = delay or _seconds(response.headers.get("Retry-After"))
        if delay:
            self._not_before = max(self._not_before, self._clock() + min(delay, self.max_backoff))
        for name in ("Backoff", "Retry-After"):
            if name in response.headers:
                response.extensions[f"zotmark.{name.lower()}"] = response.headers[name]
                del response.headers[name]

    def _retry_delay(self, response: httpx2.Response, attempt: int) -> float:
        """How long to wait before retrying a 429/503: its ``Retry-After``, else back-off."""
        given = _seconds(response.extensions.get("zotmark.retry-after"))
        return min(given, self.max_backoff) if given is not None else self._exponential(attempt)

    def _exponential(self, attempt: int) -> float:
        """Capped exponential back-off: ``base_delay * 2**attempt``, at most ``max_backoff``."""
        return float(min(self.base_delay * 2**attempt, self.max_backoff))

    def _wait_for_backoff(self) -> None:
        """Sleep until a ``Backoff`` the server asked for has passed."""
        remaining = self._not_before - self._clock()
        if remaining > 0:
            self._sleep(remaining)
        self._not_before = 0.0

    def close(self) -> None:
        """Close the inner transport."""
        self._inner.close()
