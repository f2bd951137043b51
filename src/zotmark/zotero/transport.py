"""The HTTP transport under every Zotero request: back-off, retries and the request count.

It wraps a real ``httpx2`` transport so that pyzotero's reads and zotmark's own writes share one
policy (a :class:`RetryPolicy`): ``Backoff`` (and ``Retry-After`` on a success) delays the
*next* request; 429 and 503 are retried after ``Retry-After`` (or capped exponential back-off);
timeouts and dropped responses are retried with capped exponential back-off; a connection that
cannot be made at all (refused, DNS failure) is retried only briefly, so a one-shot run against
a server that is down fails within seconds. All waits go through the injected ``sleep``.
``Backoff``/``Retry-After`` headers are removed from the responses handed up, so pyzotero never
sleeps on its own clock. A response that followed an attempt whose outcome is unknown (the
server may have applied it) is marked ``extensions["zotmark.replayed"]``.

Under it, :class:`TlsOnDemandTransport` is the real transport: it builds the SSL context (reading
the system's CA certificates costs ~20 ms of CPU) only when a request or the proxy needs TLS.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

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
# Errors before the request reached the server: no connection could be made.
NOT_CONNECTED = (httpx2.ConnectError, httpx2.ConnectTimeout)
_RETRYABLE = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


class RetryPolicy(NamedTuple):
    """How often, and how patiently, :class:`RetryTransport` retries one request.

    A server that answers 429/503, times out or drops the response may be passing trouble (and
    may have applied the request): up to ``max_retries`` retries, after ``Retry-After`` or
    ``base_delay`` doubling per retry. A connection that cannot be made at all (refused, a
    failed DNS lookup, a connect timeout) says the server is down or ``base_url`` is wrong:
    ``connect_retries`` quick retries after ``connect_delay`` doubling (default 0.5 s and 1 s),
    so a one-shot ``zotmark sync`` fails within seconds; the daemon tries again at its next
    poll. No wait is longer than ``max_backoff`` seconds.
    """

    max_retries: int = 5
    max_backoff: float = 60.0
    base_delay: float = 1.0
    connect_retries: int = 2
    connect_delay: float = 0.5

    def retries(self, *, connect: bool = False) -> int:
        """How many retries a request gets for trouble of this kind."""
        return self.connect_retries if connect else self.max_retries

    def delay(self, retry: int, *, connect: bool = False) -> float:
        """The capped exponential wait before retry number ``retry`` (0 for the first)."""
        base = self.connect_delay if connect else self.base_delay
        return float(min(base * 2**retry, self.max_backoff))


DEFAULT_RETRY = RetryPolicy()
# The clock and sleep of a transport given none: read when it is made, so a test that runs the
# CLI in its own process injects fakes here (and leaves ``time.sleep`` alone).
CLOCK: Callable[[], float] = time.monotonic
SLEEP: Callable[[float], object] = time.sleep


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
    """``inner`` with back-off and retries as ``policy`` says; counts every attempt in
    ``requests`` and the attempts of the latest request in ``last_attempts``.

    When retries run out, the last 429/503 response is returned, or the last transport error
    raised.
    """

    def __init__(
        self,
        inner: httpx2.BaseTransport,
        *,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] | None = None,
        policy: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self._inner = inner
        self._sleep = sleep or SLEEP
        self._clock = clock or CLOCK
        self.policy = policy
        self.requests = 0
        self.last_attempts = 0
        self._not_before = 0.0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request``, waiting and retrying as the class docstring says."""
        policy, replayed = self.policy, False
        used = {False: 0, True: 0}  # retries so far, by whether no connection could be made
        self.last_attempts = 0
        while True:
            self._wait_for_backoff()
            self.requests += 1
            self.last_attempts += 1
            try:
                response = self._send_once(request)
            except _RETRYABLE as exc:
                connect = isinstance(exc, NOT_CONNECTED)
                if used[connect] >= policy.retries(connect=connect):
                    raise
                replayed = replayed or isinstance(exc, _MAYBE_APPLIED)
                delay, reason = policy.delay(used[connect], connect=connect), type(exc).__name__
            else:
                self._note_backoff(response)
                connect = False
                if response.status_code not in RETRY_STATUSES or used[False] >= policy.max_retries:
                    response.extensions[REPLAYED] = replayed
                    log.debug(
                        "Zotero request %s %s: %d (library version %s)",
                        *(request.method, request.url.path, response.status_code,
                          response.headers.get("Last-Modified-Version", "-")),
                    )  # fmt: skip
                    return response
                delay = self._retry_delay(response, used[False])
                reason = f"HTTP {response.status_code}"
            used[connect] += 1
            log.warning(
                "Zotero request %s %s failed (%s); retry %d of %d in %.1f s",
                *(request.method, request.url.path, reason, used[connect],
                  policy.retries(connect=connect), delay),
            )  # fmt: skip
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
            cap = self.policy.max_backoff
            self._not_before = max(self._not_before, self._clock() + min(delay, cap))
        for name in ("Backoff", "Retry-After"):
            if name in response.headers:
                response.extensions[f"zotmark.{name.lower()}"] = response.headers[name]
                del response.headers[name]

    def _retry_delay(self, response: httpx2.Response, attempt: int) -> float:
        """How long to wait before retrying a 429/503: its ``Retry-After``, else back-off."""
        given = _seconds(response.extensions.get("zotmark.retry-after"))
        if given is None:
            return self.policy.delay(attempt)
        return min(given, self.policy.max_backoff)

    def _wait_for_backoff(self) -> None:
        """Sleep until a ``Backoff`` the server asked for has passed."""
        remaining = self._not_before - self._clock()
        if remaining > 0:
            self._sleep(remaining)
        self._not_before = 0.0

    def close(self) -> None:
        """Close the inner transport."""
        self._inner.close()


class TlsOnDemandTransport(httpx2.BaseTransport):
    """``httpx2.HTTPTransport`` through ``proxy`` that builds the SSL context only for the first
    request that needs TLS: one to an ``https`` URL, or any through an ``https`` proxy.

    Plain ``http`` requests (the sandbox, a server on the local network) go through a pool of
    their own whose SSL context trusts no certificate, so they never pay for loading the CA
    store; a redirect from ``http`` to ``https`` goes through the verifying pool all the same.
    """

    def __init__(self, proxy: str | None = None) -> None:
        self._proxy = proxy
        self._lock = threading.Lock()
        self._plain: httpx2.HTTPTransport | None = None
        self._tls: httpx2.HTTPTransport | None = None

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self._pool(tls=request.url.scheme == "https").handle_request(request)

    def _pool(self, *, tls: bool) -> httpx2.HTTPTransport:
        """The pool for a request with (or without) TLS, made on its first use."""
        tls = tls or (self._proxy or "").startswith("https:")
        with self._lock:
            if tls:
                if self._tls is None:
                    self._tls = httpx2.HTTPTransport(proxy=self._proxy)
                return self._tls
            if self._plain is None:
                never_verifies = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no CA: TLS would fail
                self._plain = httpx2.HTTPTransport(proxy=self._proxy, verify=never_verifies)
            return self._plain

    def close(self) -> None:
        with self._lock:
            pools, self._plain, self._tls = (self._plain, self._tls), None, None
        for pool in pools:
            if pool is not None:
                pool.close()
