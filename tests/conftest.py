"""Shared test configuration: hypothesis profiles and the session's sandbox fixtures.

Helpers live in :mod:`tests.helpers`; this module holds fixtures and settings only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from tests.helpers import FIXTURES, FakeTime, local_http_server

from zotmark.sandbox import Sandbox, start_sandbox
from zotmark.zotero import transport

# Re-exported for the test modules still importing them from here (markdown, core, zotero,
# service): new code imports them from tests.helpers.
__all__ = ["FIXTURES", "local_http_server"]

EXAMPLES = 60  # per property and per state machine run, here and in CI
settings.register_profile(
    "ci",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # CI never depends on luck: the same examples on every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Here as many examples as CI, new ones each run (a failure found is replayed first).
settings.register_profile("dev", max_examples=EXAMPLES, deadline=None)
# A long random run, before an issue is resolved: HYPOTHESIS_PROFILE=long pytest ...
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


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


@pytest.fixture
def zotero_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The clock and sleep of every Zotero client this process makes during the test (a CLI
    run in-process included): a fake clock that moves only by the back-off waits it records."""
    fake = FakeTime()
    monkeypatch.setattr(transport, "SLEEP", fake.sleep)
    monkeypatch.setattr(transport, "CLOCK", fake.clock)
    return fake
