"""Test doubles for the Zotero adapter tests."""

from __future__ import annotations


class FakeTime:
    """A clock that moves only when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now
