"""The port's contract on a real Zotero server, through the Web API adapter.

Runs only when ``ZOTMARK_CONTRACT_URL`` (the API's base URL, e.g. ``https://api.zotero.org``)
and ``ZOTMARK_CONTRACT_KEY`` (a read/write key of a user library) are set; it writes to that
user library, looks only at what it made, and deletes it all afterwards. The key is never
shown: it stays in the environment and inside the clients, whose ``repr`` omit it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

from .library_contract import LibraryContract
from .world import HttpWorld, World

URL_VARIABLE, KEY_VARIABLE = "ZOTMARK_CONTRACT_URL", "ZOTMARK_CONTRACT_KEY"

pytestmark = pytest.mark.skipif(
    not (os.environ.get(URL_VARIABLE) and os.environ.get(KEY_VARIABLE)),
    reason=f"no real server: set {URL_VARIABLE} and {KEY_VARIABLE} to run the contract on one",
)


def _client() -> ZoteroClient:
    """A client of the key's user library on the server the environment names."""
    client = ZoteroClient("user", "", os.environ[KEY_VARIABLE], os.environ[URL_VARIABLE])
    client.key_info()  # fills in the user library's id
    return client


class TestRealServerLibrary(LibraryContract):
    property_examples = 8  # each a dozen requests to a shared, rate-limited server

    @pytest.fixture
    def world(self) -> Iterator[World]:
        client = _client()
        world = HttpWorld(
            ZoteroLibrary(client),
            client.base_url,
            os.environ[KEY_VARIABLE],
            int(client.library_id),
        )
        yield world
        world.clean_up()
        world.close()
        client.close()
