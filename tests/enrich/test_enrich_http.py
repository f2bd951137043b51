"""The production fetch against a local HTTP server: body, User-Agent, errors translated."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest
from tests.helpers import local_http_server

from zotmark.enrich.http import USER_AGENT, urllib_fetch
from zotmark.errors import EnrichError, EnrichNotFound, EnrichStatusError, EnrichUnreachable


class Handler(BaseHTTPRequestHandler):
    seen_agents: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        status = int(self.path.strip("/") or 200)
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with local_http_server(Handler) as url:
        yield url


def test_a_success_returns_the_body_and_sends_zotmarks_user_agent(server: str) -> None:
    assert urllib_fetch(f"{server}/200") == b'{"ok": true}'
    assert Handler.seen_agents[-1] == USER_AGENT


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_resource_is_not_found(server: str, status: int) -> None:
    with pytest.raises(EnrichNotFound, match=str(status)):
        urllib_fetch(f"{server}/{status}")


@pytest.mark.parametrize("status", [400, 429, 500, 503])
def test_another_error_status_is_an_enrich_error(server: str, status: int) -> None:
    with pytest.raises(EnrichStatusError, match=f"HTTP {status}") as caught:
        urllib_fetch(f"{server}/{status}")
    assert caught.value.status == status


def test_a_refused_connection_is_an_enrich_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(EnrichUnreachable, match="could not be reached") as caught:
        urllib_fetch(f"http://127.0.0.1:{port}/", timeout=2)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_malformed_url_is_an_enrich_error() -> None:
    with pytest.raises(EnrichError):
        urllib_fetch("notaurl")
