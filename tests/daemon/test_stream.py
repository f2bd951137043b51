"""StreamListener against a tiny local WebSocket server speaking the Zotero streaming protocol."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from zotmark.daemon.stream import StreamListener, backoff_delay

WAIT = 10.0  # upper bound for any asynchronous step; never reached when things work
KEY = "sEcReTkEy0123456789abcdef"

Script = Callable[[ServerConnection, int], None]
"""What the server does on its n-th connection (0-based), after the greeting and subscription."""


class StreamServer:
    """A local stream endpoint: greets, records the subscription, then runs the script."""

    def __init__(self, script: Script, retry_ms: int = 10000) -> None:
        self.script = script
        self.retry_ms = retry_ms
        self.subscriptions: list[dict[str, Any]] = []
        self.connections = 0
        self._cond = threading.Condition()
        self._server: Server = serve(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, ws: ServerConnection) -> None:
        with self._cond:
            n = self.connections
            self.connections += 1
        ws.send(json.dumps({"event": "connected", "retry": self.retry_ms}))
        request = json.loads(ws.recv(timeout=WAIT))
        with self._cond:
            self.subscriptions.append(request)
            self._cond.notify_all()
        created = [{"apiKey": KEY, "topics": ["/users/123"]}]
        ws.send(json.dumps({"event": "subscriptionsCreated", "subscriptions": created}))
        self.script(ws, n)

    def wait_for_subscriptions(self, count: int) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.subscriptions) >= count, timeout=WAIT)
        assert ok, f"{count} subscription(s) expected, got {self.subscriptions}"

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(WAIT)


def hold_open(ws: ServerConnection, n: int) -> None:
    """Keep the connection open until the client closes it."""
    for _ in ws:
        pass


class Updates:
    """Collects ``on_update`` calls; ``wait_for`` blocks (bounded) until ``count`` arrived."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.connected = 0
        self._cond = threading.Condition()

    def __call__(self, topic: str, version: int) -> None:
        with self._cond:
            self.calls.append((topic, version))
            self._cond.notify_all()

    def on_connected(self) -> None:
        with self._cond:
            self.connected += 1
            self._cond.notify_all()

    def wait_for(self, count: int) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.calls) >= count, timeout=WAIT)
        assert ok, f"{count} update(s) expected, got {self.calls}"


@pytest.fixture
def updates() -> Updates:
    return Updates()


@pytest.fixture
def make_server() -> Iterator[Callable[..., StreamServer]]:
    servers: list[StreamServer] = []

    def make(script: Script = hold_open, **kwargs: Any) -> StreamServer:
        servers.append(StreamServer(script, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def listeners() -> Iterator[list[StreamListener]]:
    """Listeners registered here are stopped after the test, whatever happened."""
    started: list[StreamListener] = []
    yield started
    for listener in started:
        assert listener.stop(WAIT)


def test_subscription_message_carries_the_key(
    make_server: Callable[..., StreamServer], updates: Updates, listeners: list[StreamListener]
) -> None:
    """After the greeting, the client asks for all topics of its API key."""
    server = make_server()
    listeners.append(StreamListener(server.url, updates, api_key=KEY))
    listeners[0].start()
    server.wait_for_subscriptions(1)
    assert server.subscriptions == [
        {"action": "createSubscriptions", "subscriptions": [{"apiKey": KEY}]}
    ]


def test_keyless_subscription_names_its_topics(
    make_server: Callable[..., StreamServer], updates: Updates, listeners: list[StreamListener]
) -> None:
    """Without a key, the subscription lists the public topics to follow."""
    server = make_server()
    listeners.append(StreamListener(server.url, updates, topics=["/groups/456"]))
    listeners[0].start()
    server.wait_for_subscriptions(1)
    assert server.subscriptions[0]["subscriptions"] == [{"topics": ["/groups/456"]}]


def test_topic_updated_calls_on_update(
    make_server: Callable[..., StreamServer], updates: Updates, listeners: list[StreamListener]
) -> None:
    """A ``topicUpdated`` event reaches ``on_update(topic, version)``; global topics do not."""

    def push(ws: ServerConnection, n: int) -> None:
        ws.send(json.dumps({"event": "topicUpdated", "topic": "translators", "delay": 30}))
        ws.send(json.dumps({"event": "topicUpdated", "topic": "/users/123", "version": 42}))
        hold_open(ws, n)

    server = make_server(push)
    listener = StreamListener(server.url, updates, api_key=KEY, on_connected=updates.on_connected)
    listeners.append(listener)
    listener.start()
    updates.wait_for(1)
    assert updates.calls == [("/users/123", 42)]
    assert updates.connected == 1 and listener.connected


def test_reconnects_after_the_server_drops_the_connection(
    make_server: Callable[..., StreamServer], updates: Updates, listeners: list[StreamListener]
) -> None:
    """When the server closes, the client waits (``retry`` at least), reconnects, resubscribes."""

    def drop_first(ws: ServerConnection, n: int) -> None:
        if n == 0:
            ws.close()
            return
        ws.send(json.dumps({"event": "topicUpdated", "topic": "/users/123", "version": 7}))
        hold_open(ws, n)

    delays: list[float] = []
    server = make_server(drop_first, retry_ms=2500)
    listener = StreamListener(
        server.url,
        updates,
        api_key=KEY,
        on_connected=updates.on_connected,
        sleep=delays.append,
        rand=lambda: 0.0,
    )
    listeners.append(listener)
    listener.start()
    updates.wait_for(1)
    assert updates.calls == [("/users/123", 7)]
    assert server.connections == 2 and updates.connected == 2
    assert delays == [2.5]  # the server's retry hint beats the 1 s back-off


def test_backs_off_exponentially_while_the_server_is_unreachable(
    updates: Updates, listeners: list[StreamListener]
) -> None:
    """Failed connection attempts wait longer each time, up to the cap."""
    delays: list[float] = []
    listener: StreamListener

    def refuse(url: str, timeout: float) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    def record(delay: float) -> None:
        delays.append(delay)
        if len(delays) == 7:
            threading.Thread(target=listener.stop).start()

    listener = StreamListener(
        "ws://127.0.0.1:9",
        updates,
        api_key=KEY,
        connect=refuse,
        sleep=record,
        rand=lambda: 0.999999,
        backoff_base=1.0,
        backoff_cap=20.0,
    )
    listeners.append(listener)
    listener.start()
    assert listener.join(WAIT)
    assert [round(d) for d in delays[:7]] == [1, 2, 4, 8, 16, 20, 20]


def test_permanent_close_code_ends_the_listener(
    make_server: Callable[..., StreamServer], updates: Updates, listeners: list[StreamListener]
) -> None:
    """A 44xx close (e.g. 4403 invalid key) is not retried: the thread ends, the poll remains."""

    def reject(ws: ServerConnection, n: int) -> None:
        ws.close(4403, "Invalid API key")

    delays: list[float] = []
    server = make_server(reject)
    listener = StreamListener(server.url, updates, api_key=KEY, sleep=delays.append)
    listeners.append(listener)
    listener.start()
    assert listener.join(WAIT)
    assert delays == [] and server.connections == 1


def test_an_unexpected_failure_that_ends_the_listener_goes_to_on_crash(
    updates: Updates, listeners: list[StreamListener]
) -> None:
    """Not a connection problem (those are retried) nor a 44xx close (logged): a failure the
    listener does not expect ends it, and its owner is told."""
    crashes: list[tuple[str, BaseException]] = []

    def broken(url: str, timeout: float) -> Any:
        raise TypeError("injected failure")

    listener = StreamListener(
        "ws://127.0.0.1:9",
        updates,
        api_key=KEY,
        connect=broken,
        on_crash=lambda name, error: crashes.append((name, error)),
    )
    listeners.append(listener)
    listener.start()
    assert listener.join(WAIT)
    [(name, error)] = crashes
    assert name == "zotmark-stream" and str(error) == "injected failure"


def test_stop_ends_the_thread_promptly(
    make_server: Callable[..., StreamServer], updates: Updates
) -> None:
    """``stop()`` closes an open connection and the listener thread ends."""
    server = make_server()
    listener = StreamListener(server.url, updates, api_key=KEY)
    listener.start()
    server.wait_for_subscriptions(1)
    assert listener.stop(WAIT)
    assert not listener.is_alive() and not listener.connected


def test_stop_interrupts_the_back_off_wait(updates: Updates) -> None:
    """With the default sleep, ``stop()`` cuts a long back-off wait short."""
    attempted = threading.Event()

    def refuse(url: str, timeout: float) -> Any:
        attempted.set()
        raise ConnectionRefusedError(111, "Connection refused")

    listener = StreamListener(
        "ws://127.0.0.1:9", updates, api_key=KEY, connect=refuse, backoff_base=3600.0
    )
    listener.start()
    assert attempted.wait(WAIT)
    assert listener.stop(WAIT)


def test_api_key_never_logged(
    make_server: Callable[..., StreamServer],
    updates: Updates,
    listeners: list[StreamListener],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Neither logs (at DEBUG, through a drop and reconnect) nor the repr contain the key."""

    def drop_first(ws: ServerConnection, n: int) -> None:
        if n == 0:
            ws.close()
            return
        ws.send(json.dumps({"event": "topicUpdated", "topic": "/users/123", "version": 9}))
        hold_open(ws, n)

    caplog.set_level(logging.DEBUG)
    server = make_server(drop_first)
    listener = StreamListener(server.url, updates, api_key=KEY, sleep=lambda _: None)
    listeners.append(listener)
    listener.start()
    updates.wait_for(1)
    assert listener.stop(WAIT)
    assert "zotmark.daemon.stream" in {r.name for r in caplog.records}
    assert KEY not in caplog.text
    assert KEY not in repr(listener)


def test_backoff_delay_honours_cap_jitter_and_retry_hint() -> None:
    """The delay grows by doubling, stays within [ceiling/2, ceiling], and respects ``retry``."""
    low = [backoff_delay(n, base=1, cap=60, retry_hint=0, rand=lambda: 0.0) for n in range(8)]
    assert low == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(3, base=1, cap=60, retry_hint=0, rand=lambda: 0.5) == 6
    assert backoff_delay(0, base=1, cap=60, retry_hint=10, rand=lambda: 0.9) == 10
    assert backoff_delay(10_000, base=1, cap=60, retry_hint=0, rand=lambda: 0.0) == 30
