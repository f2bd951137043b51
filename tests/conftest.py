"""Shared test configuration: hypothesis profiles and fixture paths."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).parent / "fixtures"

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,  # CI never depends on luck: the same examples on every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
# A long random run, before an issue is resolved: HYPOTHESIS_PROFILE=long pytest ...
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


# --- sandbox fixtures (zotmark.sandbox): a local Zotero API server shared by the whole session ---
import threading  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

import pytest  # noqa: E402

from zotmark.sandbox import Sandbox, start_sandbox  # noqa: E402


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    """One sandbox server (127.0.0.1, ephemeral port, daemon thread) for the test session."""
    with start_sandbox() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, emptied for this test; server-side exceptions are re-raised."""
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.check_errors()


@contextmanager
def local_http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (an ephemeral port) answering with ``handler`` in a thread,
    for as long as the block runs; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
