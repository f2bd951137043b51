"""The daemon's parts as it sees them: what a file watcher, a run scheduler and a stream
listener must do, and the factories that make them (seams for tests; the defaults are
:class:`~zotmark.daemon.watcher.ListWatcher`, :class:`~zotmark.daemon.scheduler.RunScheduler`
and :func:`stream_listener`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from zotmark.daemon.stream import StreamListener
from zotmark.daemon.threads import OnCrash


class Watcher(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def expect_own_write(self, path: Path, hash_: str) -> None: ...


class Scheduler(Protocol):
    def start(self, *, run_now: bool = True) -> None: ...
    def request_run(self, reason: str) -> None: ...
    def next_poll_at(self) -> datetime | None: ...
    def shutdown(self, wait: bool = True) -> None: ...


class Listener(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float | None = 5.0) -> bool: ...


class WatcherFactory(Protocol):
    """Makes the file watcher: ``(files, on_change, debounce_seconds, *, on_crash)``."""

    def __call__(
        self, paths: Sequence[Path], on_change: Callable[[Path], None], debounce: float, /,
        *, on_crash: OnCrash,
    ) -> Watcher: ...  # fmt: skip


class SchedulerFactory(Protocol):
    """Makes the run scheduler: ``(run, poll_seconds, *, on_crash)``."""

    def __call__(
        self, run: Callable[[str], None], poll_seconds: float, /, *, on_crash: OnCrash
    ) -> Scheduler: ...


class StreamFactory(Protocol):
    """Makes the stream listener: ``(url, on_update, api_key, on_connected, *, on_crash)``."""

    def __call__(
        self, url: str, on_update: Callable[[str, int], None], api_key: str,
        on_connected: Callable[[], None], /, *, on_crash: OnCrash,
    ) -> Listener: ...  # fmt: skip


def stream_listener(
    url: str,
    on_update: Callable[[str, int], None],
    api_key: str,
    on_connected: Callable[[], None],
    /,
    *,
    on_crash: OnCrash,
) -> Listener:
    """The production :class:`StreamFactory`: a :class:`~zotmark.daemon.stream.StreamListener`."""
    return StreamListener(
        url, on_update, api_key=api_key, on_connected=on_connected, on_crash=on_crash
    )
