"""Fake clocks (and sleep) for code that takes ``clock``/``sleep`` as injected effects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import NoReturn


class FakeTime:
    """A clock that moves only when slept on; remembers every sleep.

    ``on_sleep``, when given, is called with each sleep's seconds before the clock moves (to
    note what else had happened by then, say the requests a server had seen).
    """

    def __init__(
        self, start: float = 1_000_000.0, on_sleep: Callable[[float], object] | None = None
    ) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        self.sleeps.append(seconds)
        self.now += seconds


class Ticking:
    """A date-time clock that reads ``start``, then a second later at each call after: the
    clock of a twin library in a state machine, which adds each item a second after the one
    before, whenever the example runs. (The wall clock made a machine's replay differ from its
    first run when a second ticked between two adds, or did not: twins merge into the one
    added first, a tie broken by key; hypothesis then reports a FlakyStrategyDefinition.)"""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.next = start

    def __call__(self) -> datetime:
        now, self.next = self.next, self.next + timedelta(seconds=1)
        return now


class NoWallClock:
    """Stands for ``datetime`` in a module that must take its time from an injected clock
    (``monkeypatch.setattr(module, "datetime", NoWallClock)``): reading now fails the test."""

    @staticmethod
    def now(tz: tzinfo | None = None) -> NoReturn:
        raise AssertionError("the wall clock was read")
