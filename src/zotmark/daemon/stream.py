"""Listen to the Zotero streaming API and signal when a subscribed library changed.

Protocol (``wss://stream.zotero.org``): the server greets with ``{"event": "connected",
"retry": <ms>}``; the client sends ``{"action": "createSubscriptions", "subscriptions": [...]}``
(an entry ``{"apiKey": K}`` subscribes every topic the key can read; ``{"topics": [...]}`` works
without a key); the server answers ``subscriptionsCreated`` and then pushes
``{"event": "topicUpdated", "topic": "/users/123", "version": N}`` after writes.

``StreamListener`` runs that conversation on its own thread and calls ``on_update(topic,
version)`` for each library update, and ``on_connected()`` after every (re)subscription: updates
made while it was disconnected are not replayed, so the caller should sync then. After an error
or a close it reconnects with capped exponential back-off and jitter, never sooner than the
server's ``retry``. A close with a 44xx code (bad key, bad request) is permanent: the listener
logs it and ends, leaving the poll to keep things in sync. Any other failure that ends the
thread goes to ``on_crash`` (:mod:`zotmark.daemon.threads`), never unnoticed. The API key is
sent only inside the subscription message and never appears in a log line, exception message
or repr.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import ClientConnection, connect

from zotmark.daemon.threads import OnCrash, log_crash, worker

__all__ = ["StreamListener", "backoff_delay"]

logger = logging.getLogger(__name__)

Connect = Callable[[str, float], ClientConnection]
"""Opens a WebSocket: ``(url, open_timeout) -> connection`` (a seam for tests)."""


def _open(url: str, open_timeout: float) -> ClientConnection:
    return connect(url, open_timeout=open_timeout)


def backoff_delay(
    attempt: int, *, base: float, cap: float, retry_hint: float, rand: Callable[[], float]
) -> float:
    """Seconds to wait before reconnecting after ``attempt`` failures in a row (0 = the first).

    Exponential ``base * 2**attempt`` capped at ``cap``, with "equal jitter" (a uniformly drawn
    point in the upper half, ``rand()`` in [0, 1)), and never below the server's ``retry_hint``.
    """
    ceiling = min(cap, base * 2.0 ** min(attempt, 62))
    return max(retry_hint, ceiling / 2 + rand() * ceiling / 2)


def _redact(url: str) -> str:
    """The URL without query or credentials, safe for logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _PermanentClose(Exception):
    """The server closed with a 44xx code: retrying cannot help."""


class _ProtocolError(Exception):
    """The server sent something this client does not understand."""


class StreamListener:
    """Keeps a subscription to the Zotero streaming API open on a background thread.

    Give ``api_key`` (all topics the key can read, optionally narrowed by ``topics``), or
    ``topics`` alone for public libraries. Callbacks run on the listener's thread; they should
    return quickly and their exceptions are logged, not propagated. ``on_crash(thread_name,
    error)`` is told when an unexpected failure ends the listener (default: it is logged).
    ``sleep`` (default: an interruptible wait that ``stop`` cuts short) and ``rand`` are seams
    for tests.
    """

    def __init__(
        self,
        url: str,
        on_update: Callable[[str, int], None],
        *,
        api_key: str | None = None,
        topics: Sequence[str] = (),
        on_connected: Callable[[], None] | None = None,
        connect: Connect = _open,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] = random.random,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        open_timeout: float = 10.0,
        on_crash: OnCrash = log_crash,
    ) -> None:
        if not api_key and not topics:
            raise ValueError("a stream subscription needs an API key or topics")
        self._url = url
        self._on_update = on_update
        self._on_connected = on_connected
        self._subscription: dict[str, Any] = {"topics": list(topics)} if topics else {}
        if api_key:
            self._subscription["apiKey"] = api_key
        self._connect = connect
        self._stopping = threading.Event()
        self._sleep = sleep if sleep is not None else self._stopping.wait
        self._rand = rand
        self._backoff = (backoff_base, backoff_cap)
        self._open_timeout = open_timeout
        self._retry_hint = 0.0
        self._failures = 0
        self._lock = threading.Lock()
        self._ws: ClientConnection | None = None
        self._subscribed = False
        self._thread = worker("zotmark-stream", self._loop, on_crash)

    def __repr__(self) -> str:
        return f"StreamListener({_redact(self._url)!r})"

    @property
    def connected(self) -> bool:
        """True while a subscription is established."""
        with self._lock:
            return self._subscribed

    def is_alive(self) -> bool:
        """True while the listener thread runs (it ends on ``stop`` or a permanent close)."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start the listener thread."""
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Close the connection, end the thread; True if it ended within ``timeout`` seconds."""
        self._stopping.set()
        with self._lock:
            ws = self._ws
        if ws is not None:
            ws.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the listener thread to end; True if it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._session()
            except _PermanentClose as exc:
                logger.error("the Zotero stream refused the subscription (%s); streaming off", exc)
                return
            except (OSError, WebSocketException, _ProtocolError) as exc:
                if not self._stopping.is_set():
                    logger.warning("Zotero stream %s: %s", _redact(self._url), _describe(exc))
            finally:
                with self._lock:
                    was_subscribed, self._subscribed, self._ws = self._subscribed, False, None
            if self._stopping.is_set():
                return
            self._sleep(self._next_delay(was_subscribed))

    def _next_delay(self, was_subscribed: bool) -> float:
        """The back-off before the next attempt; a session that subscribed resets it."""
        if was_subscribed:
            self._failures = 0
        delay = backoff_delay(
            self._failures,
            base=self._backoff[0],
            cap=self._backoff[1],
            retry_hint=self._retry_hint,
            rand=self._rand,
        )
        self._failures += 1
        logger.info("reconnecting to the Zotero stream in %.1f s", delay)
        return delay

    def _session(self) -> None:
        """One connection: greeting, subscription, then events until the connection ends."""
        with self._connect(self._url, self._open_timeout) as ws:
            with self._lock:
                self._ws = ws
            if self._stopping.is_set():
                return
            self._greeting(_receive(ws))
            ws.send(
                json.dumps({"action": "createSubscriptions", "subscriptions": [self._subscription]})
            )
            while True:
                self._dispatch(_receive(ws))

    def _greeting(self, message: dict[str, Any]) -> None:
        if message.get("event") != "connected":
            raise _ProtocolError(f"expected a 'connected' greeting, got {message.get('event')!r}")
        retry = message.get("retry")
        if isinstance(retry, int | float) and retry >= 0:
            self._retry_hint = retry / 1000

    def _dispatch(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if event == "subscriptionsCreated":
            for error in message.get("errors") or []:
                logger.warning(
                    "Zotero stream: topic %s not subscribed: %s",
                    error.get("topic", "?"),
                    error.get("error", "?"),
                )
            with self._lock:
                self._subscribed = True
            logger.info("subscribed to the Zotero stream %s", _redact(self._url))
            if self._on_connected is not None:
                _call_safely(self._on_connected)
        elif event == "topicUpdated":
            topic, version = message.get("topic"), message.get("version")
            if isinstance(topic, str) and isinstance(version, int):
                _call_safely(self._on_update, topic, version)
        else:
            logger.debug("Zotero stream event %r ignored", event)


def _receive(ws: ClientConnection) -> dict[str, Any]:
    """The next message as a JSON object; a 44xx close becomes ``_PermanentClose``."""
    try:
        raw = ws.recv()
    except ConnectionClosed as exc:
        if exc.rcvd is not None and 4400 <= exc.rcvd.code < 4500:
            raise _PermanentClose(f"close code {exc.rcvd.code}: {exc.rcvd.reason}") from exc
        raise
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise _ProtocolError("the server sent a message that is not JSON") from exc
    if not isinstance(message, dict):
        raise _ProtocolError("the server sent a JSON message that is not an object")
    return message


def _describe(exc: BaseException) -> str:
    """A short, key-free description of a connection failure."""
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else None
        return f"connection closed (code {code})" if code is not None else "connection lost"
    return f"{type(exc).__name__}: {exc}"


def _call_safely(callback: Callable[..., None], *args: object) -> None:
    try:
        callback(*args)
    except Exception:
        logger.exception("a Zotero stream callback failed")
