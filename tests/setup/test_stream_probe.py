"""setup.stream_probe: where a server's streaming API would be, and whether it answers."""

from __future__ import annotations

import pytest

from zotmark.sandbox import Sandbox
from zotmark.setup.stream_probe import probe_stream, stream_url_of


@pytest.mark.parametrize(
    ("base_url", "stream_url"),
    [
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("https://zotero.example.org/api", "wss://zotero.example.org/api"),
    ],
)
def test_the_stream_is_looked_for_at_the_server_s_own_root(base_url: str, stream_url: str) -> None:
    assert stream_url_of(base_url) == stream_url


def test_the_sandbox_answers_as_a_streaming_api(sandbox: Sandbox) -> None:
    assert probe_stream(stream_url_of(sandbox.url), timeout=5)


def test_nothing_listening_is_no_streaming_api() -> None:
    assert not probe_stream("ws://127.0.0.1:1", timeout=1)  # port 1: connection refused
