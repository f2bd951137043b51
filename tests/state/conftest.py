"""Fixtures for the state tests: every store implementation behind one interface."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.state.state_helpers import Flavour, MemoryFlavour, SqliteFlavour

from zotmark.state import StateStore


@pytest.fixture(params=["memory", "sqlite"])
def flavour(request: pytest.FixtureRequest, tmp_path: Path) -> Flavour:
    """Each store implementation in turn."""
    if request.param == "memory":
        return MemoryFlavour()
    return SqliteFlavour(tmp_path / "state")


@pytest.fixture
def store(flavour: Flavour) -> Iterator[StateStore]:
    """A fresh store of each implementation, closed after the test."""
    opened = flavour.open()
    yield opened
    opened.close()
