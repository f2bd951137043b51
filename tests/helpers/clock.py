"""A fake clock and sleep for code that takes ``clock``/``sleep`` as injected effects."""

from __future__ import annotations

from collections.abc import Callable


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
