"""The suite's one bounded wait: poll a condition until it holds, fail after a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

WAIT = 20.0  # the default bound; never reached when things work
TICK = 0.02


def wait_for(condition: Callable[[], T], what: str, timeout: float = WAIT, tick: float = TICK) -> T:
    """Poll ``condition`` every ``tick`` seconds until it returns something truthy (returned);
    fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(tick)
