"""The port's contract on the twin (:class:`~zotmark.zotero.twin.TwinLibrary`)."""

from __future__ import annotations

import pytest

from .library_contract import LibraryContract
from .world import TwinWorld, World


class TestTwinLibrary(LibraryContract):
    @pytest.fixture
    def world(self) -> World:
        return TwinWorld()
