"""Helpers shared by more than one test directory: their one home.

Import them as ``from tests.helpers import …`` from any test module (pyproject's
``pythonpath = ["."]`` puts the repository root on ``sys.path`` however pytest is started);
conftest modules hold fixtures and hooks only and are never imported.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.clock import FakeTime, NoWallClock, Ticking
from tests.helpers.servers import local_http_server
from tests.helpers.waiting import wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
"""The recorded inputs of the suite (``tests/fixtures``): lists, API answers, BibTeX."""

__all__ = ["FIXTURES", "FakeTime", "NoWallClock", "Ticking", "local_http_server", "wait_for"]
