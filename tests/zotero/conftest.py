"""Fixtures for the Zotero adapter tests: a fake clock/sleep and a client on the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zotmark.sandbox import Sandbox
from zotmark.zotero.client import ZoteroClient

from .fakes import FakeTime


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(sandbox: Sandbox, fake_time: FakeTime) -> Iterator[ZoteroClient]:
    """A client for the sandbox user's library with the read/write key."""
    with ZoteroClient(
        "user",
        sandbox.user_id,
        sandbox.api_key,
        sandbox.url,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    ) as zotero:
        yield zotero
