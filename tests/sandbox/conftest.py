"""Fixtures of the sandbox contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from zotmark.sandbox import Sandbox

from .ds_api import ZoteroAPI


@pytest.fixture
def zapi(sandbox: Sandbox) -> Iterator[ZoteroAPI]:
    """The emptied sandbox through the dataserver-test-style client (``ds_api``)."""
    client = ZoteroAPI(sandbox)
    yield client
    client.close()


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    """A plain HTTP client on the sandbox user's library (``/users/<id>``), with the
    read/write key and ``Zotero-API-Version: 3``."""
    headers = {"Zotero-API-Key": sandbox.api_key, "Zotero-API-Version": "3"}
    base = f"{sandbox.url}/users/{sandbox.user_id}"
    with httpx2.Client(base_url=base, headers=headers, trust_env=False) as client:
        yield client
