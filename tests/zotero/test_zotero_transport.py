"""zotero.transport: back-off, retries and replay marking, on a scripted mock transport; the
SSL context built only for TLS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from zotmark.sandbox import Sandbox
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.settings import LibrarySettings
from zotmark.zotero.transport import REPLAYED, RetryPolicy, RetryTransport, TlsOnDemandTransport

from .fakes import FakeTime

Step = httpx2.Response | Exception


def _scripted(steps: list[Step]) -> Callable[[httpx2.Request], httpx2.Response]:
    remaining: Iterator[Step] = iter(steps)

    def handler(request: httpx2.Request) -> httpx2.Response:
        step = next(remaining)
        if isinstance(step, Exception):
            raise step
        return step

    return handler


def _client(
    steps: list[Step], time: FakeTime, **policy: Any
) -> tuple[httpx2.Client, RetryTransport]:
    transport = RetryTransport(
        httpx2.MockTransport(_scripted(steps)),
        sleep=time.sleep,
        clock=time.clock,
        policy=RetryPolicy(**policy),
    )
    return httpx2.Client(transport=transport), transport


def test_429_is_retried_after_retry_after() -> None:
    time = FakeTime()
    client, transport = _client(
        [httpx2.Response(429, headers={"Retry-After": "3"}), httpx2.Response(200)], time
    )
    assert client.get("http://z/items").status_code == 200
    assert time.sleeps == [3.0]
    assert transport.requests == 2


def test_503_without_retry_after_backs_off_exponentially() -> None:
    time = FakeTime()
    client, _ = _client([httpx2.Response(503), httpx2.Response(503), httpx2.Response(200)], time)
    assert client.get("http://z/items").status_code == 200
    assert time.sleeps == [1.0, 2.0]


def test_backoff_header_delays_the_next_request_and_is_hidden() -> None:
    time = FakeTime()
    client, _ = _client(
        [httpx2.Response(200, headers={"Backoff": "5"}), httpx2.Response(200)], time
    )
    first = client.get("http://z/items")
    assert time.sleeps == []
    assert "Backoff" not in first.headers
    client.get("http://z/items")
    assert time.sleeps == [5.0]


def test_timeouts_exhaust_retries_with_capped_backoff() -> None:
    time = FakeTime()
    steps: list[Step] = [httpx2.ReadTimeout("slow")] * 6
    client, transport = _client(steps, time, max_retries=5, max_backoff=5)
    with pytest.raises(httpx2.ReadTimeout):
        client.get("http://z/items")
    assert time.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert (transport.requests, transport.last_attempts) == (6, 6)


def test_a_refused_connection_gets_two_quick_retries_only() -> None:
    time = FakeTime()
    steps: list[Step] = [httpx2.ConnectError("refused")] * 6
    client, transport = _client(steps, time)
    with pytest.raises(httpx2.ConnectError):
        client.get("http://z/items")
    assert time.sleeps == [0.5, 1.0]
    assert (transport.requests, transport.last_attempts) == (3, 3)


def test_connect_retries_do_not_use_up_the_retries_of_a_busy_server() -> None:
    time = FakeTime()
    steps: list[Step] = [httpx2.ConnectError("refused"), httpx2.Response(503)] * 2
    client, _ = _client([*steps, httpx2.Response(200)], time, max_retries=2, connect_retries=2)
    assert client.get("http://z/items").status_code == 200
    assert time.sleeps == [0.5, 1.0, 1.0, 2.0]


def test_rate_limit_outlasting_retries_returns_the_429_without_its_delay() -> None:
    time = FakeTime()
    steps: list[Step] = [httpx2.Response(429, headers={"Retry-After": "2"})] * 3
    client, _ = _client(steps, time, max_retries=2)
    response = client.get("http://z/items")
    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert time.sleeps == [2.0, 2.0]


def test_retry_after_is_capped_by_max_backoff() -> None:
    time = FakeTime()
    client, _ = _client(
        [httpx2.Response(429, headers={"Retry-After": "3600"}), httpx2.Response(200)],
        time,
        max_backoff=60,
    )
    client.get("http://z/items")
    assert time.sleeps == [60.0]


def test_a_dropped_response_marks_the_retry_replayed() -> None:
    time = FakeTime()
    client, _ = _client([httpx2.RemoteProtocolError("dropped"), httpx2.Response(200)], time)
    assert client.post("http://z/items", json=[]).extensions[REPLAYED] is True


def test_a_refused_connection_is_not_a_replay() -> None:
    time = FakeTime()
    client, _ = _client([httpx2.ConnectError("refused"), httpx2.Response(200)], time)
    assert client.post("http://z/items", json=[]).extensions[REPLAYED] is False


@pytest.fixture
def ssl_contexts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records every verifying SSL context httpx2 builds (the CA store loaded)."""
    import httpcore2

    made: list[bool] = []
    original = httpcore2.default_ssl_context

    def counted(**kwargs: Any) -> Any:
        made.append(True)
        return original(**kwargs)

    monkeypatch.setattr(httpcore2, "default_ssl_context", counted)
    return made


def test_plain_http_builds_no_ssl_context(sandbox: Sandbox, ssl_contexts: list[bool]) -> None:
    with httpx2.Client(transport=TlsOnDemandTransport()) as client:
        answer = client.get(f"{sandbox.url}/users/{sandbox.user_id}/collections")
    assert answer.status_code in (200, 403)
    assert ssl_contexts == []


def test_clients_of_a_plain_http_server_build_no_ssl_context(
    sandbox: Sandbox, ssl_contexts: list[bool]
) -> None:
    with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
        client.key_info()
    with LibrarySettings("user", sandbox.user_id, sandbox.api_key, sandbox.url) as settings:
        settings.tag_colors()
    assert ssl_contexts == []


def test_https_builds_the_verifying_context_once(ssl_contexts: list[bool]) -> None:
    transport = TlsOnDemandTransport()
    with httpx2.Client(transport=transport) as client:
        for _ in range(2):  # nothing listens on port 1: the connection is refused
            with pytest.raises(httpx2.ConnectError):
                client.get("https://127.0.0.1:1/")
    assert ssl_contexts == [True]
