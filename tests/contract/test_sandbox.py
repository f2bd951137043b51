"""The port's contract on the sandbox, through the Web API adapter
(:class:`~zotmark.zotero.library.ZoteroLibrary` over ``ZoteroClient``, on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zotmark.sandbox import Sandbox
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

from .library_contract import LibraryContract
from .world import HttpWorld, World


class TestSandboxLibrary(LibraryContract):
    @pytest.fixture
    def world(self, sandbox: Sandbox) -> Iterator[World]:
        client = ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url)
        world = HttpWorld(ZoteroLibrary(client), sandbox.url, sandbox.api_key, sandbox.user_id)
        yield world
        world.close()
        client.close()
