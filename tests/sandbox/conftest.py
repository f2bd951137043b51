"""Fixtures of the sandbox contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zotmark.sandbox import Sandbox

from .ds_api import ZoteroAPI


@pytest.fixture
def zapi(sandbox: Sandbox) -> Iterator[ZoteroAPI]:
    """The emptied sandbox through the dataserver-test-style client (``ds_api``)."""
    client = ZoteroAPI(sandbox)
    yield client
    client.close()
