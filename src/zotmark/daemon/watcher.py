"""Watch reading-list files and signal, debounced, when one of them changed.

``ListWatcher`` watches each list's *parent directory* with watchdog (editors save atomically by
writing a temp file and renaming it over the list, which replaces the inode a file watch would be
tied to), keeps only events that touch a list file, and waits for a quiet period per file before it
calls ``on_change(path)``. A burst of saves therefore yields one call.

zotmark's own writes are recognised by content, not by timing: before (or right after) it
rewrites a list, the writer calls ``expect_own_write(path, content_hash(data))``. When the events
for that file settle, the watcher hashes the file; if the hash is the one zotmark wrote, the
events were its own and no call is made. Any other content (the user saved after zotmark, or
instead of it) is reported and clears the expectation. The file is read as a run reads it
(:meth:`~zotmark.markdown.files.ListFile.fingerprint`): a list that became a FIFO, a device or
too large is never read (it could block or fill the memory) but reported, so that the run says
what is wrong with it.

The watcher only signals: ``on_change`` runs on the watcher's debounce thread and should return
quickly (e.g. ``RunScheduler.request_run``). Exceptions from it are logged, never propagated.
Any other failure on the debounce thread, or in the event handler on watchdog's thread, would
end the watching: it goes to ``on_crash`` (:mod:`zotmark.daemon.threads`), never unnoticed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from watchdog.events import (
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from zotmark.daemon.threads import OnCrash, guarded, log_crash, worker
from zotmark.errors import ListFileError
from zotmark.markdown.files import ListFile

__all__ = ["ListWatcher", "content_hash"]

logger = logging.getLogger(__name__)

_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileModifiedEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileDeletedEvent,
]


def content_hash(data: bytes) -> str:
    """Return the hash ``expect_own_write`` compares against: the SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


_UNREADABLE = ""
"""What :func:`_hash_file` returns for a list that exists but cannot be read as a list."""


def _hash_file(path: Path) -> str | None:
    """Return ``content_hash`` of the file's bytes; ``None`` when it does not exist, and
    ``_UNREADABLE`` when it cannot be read as a list (the run that follows says why)."""
    try:
        fingerprint = ListFile.fingerprint(path)
    except ListFileError as error:
        logger.debug("list file %s cannot be read: %s", path, error)
        return _UNREADABLE
    return None if fingerprint is None else fingerprint.sha256


class _Debouncer:
    """Calls ``fire(key)`` once a key has seen no ``touch`` for ``quiet`` seconds (own thread)."""

    def __init__(self, quiet: float, fire: Callable[[Path], None], on_crash: OnCrash) -> None:
        self._quiet = quiet
        self._fire = fire
        self._deadlines: dict[Path, float] = {}
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = worker("zotmark-debounce", self._loop, on_crash)

    def start(self) -> None:
        self._thread.start()

    def touch(self, key: Path) -> None:
        """Restart ``key``'s quiet period."""
        with self._cond:
            self._deadlines[key] = time.monotonic() + self._quiet
            self._cond.notify()

    def stop(self) -> None:
        """Drop pending keys and end the thread (waits for a ``fire`` in progress)."""
        with self._cond:
            self._stopped = True
            self._deadlines.clear()
            self._cond.notify()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _next_due(self) -> Path | None:
        """Block until a key is due (returned) or the debouncer stops (``None``)."""
        with self._cond:
            while not self._stopped:
                if not self._deadlines:
                    self._cond.wait()
                    continue
                key, deadline = min(self._deadlines.items(), key=lambda kv: kv[1])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    del self._deadlines[key]
                    return key
                self._cond.wait(remaining)
            return None

    def _loop(self) -> None:
        while (key := self._next_due()) is not None:
            self._fire(key)


class _Handler(FileSystemEventHandler):
    """Forwards events that touch one of ``files`` to ``touch``; ignores everything else.

    It runs on watchdog's observer thread, which an exception would end: a failure goes to
    ``on_crash`` instead.
    """

    def __init__(
        self, files: frozenset[Path], touch: Callable[[Path], None], on_crash: OnCrash
    ) -> None:
        self._files = files
        self._touch = touch
        self._forward_safely = guarded("zotmark-watch", self._forward, on_crash)

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._forward_safely(event)

    def _forward(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for raw in (event.src_path, event.dest_path):
            if raw:
                path = Path(os.fsdecode(raw))
                if path in self._files:
                    self._touch(path)


class ListWatcher:
    """Calls ``on_change(path)`` after a list file changed and then stayed quiet for a while.

    ``paths`` are the list files; their parent directories must exist when ``start()`` is
    called. The ``path`` passed to ``on_change`` is the list's resolved absolute path.
    ``debounce_seconds`` is the quiet period after the last event for a file. A file that does
    not exist when its quiet period ends (deleted, or caught mid-rename) is not reported: the
    event that re-creates it will be. ``start``, ``stop`` and ``expect_own_write`` may be called
    from any thread; ``stop`` is idempotent and waits for a callback in progress.
    ``on_crash(thread_name, error)`` is told when a failure ends the watching (default: it is
    logged); ``debounce_seconds`` beyond ``threading.TIMEOUT_MAX`` is a ``ValueError``.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        on_change: Callable[[Path], None],
        debounce_seconds: float,
        *,
        observer_factory: Callable[[], BaseObserver] = Observer,
        on_crash: OnCrash = log_crash,
    ) -> None:
        if not 0 <= debounce_seconds <= threading.TIMEOUT_MAX:
            raise ValueError(f"debounce_seconds must be from 0 to {threading.TIMEOUT_MAX:g}")
        self._files = frozenset(Path(p).resolve() for p in paths)
        self._on_change = on_change
        self._debounce_seconds = debounce_seconds
        self._observer_factory = observer_factory
        self._on_crash = on_crash
        self._expected: dict[Path, str] = {}
        self._lock = threading.Lock()
        self._observer: BaseObserver | None = None
        self._debouncer: _Debouncer | None = None

    @property
    def files(self) -> frozenset[Path]:
        """The watched list files, resolved."""
        return self._files

    def expect_own_write(self, path: Path, hash_: str) -> None:
        """Declare that zotmark wrote ``path`` with content whose ``content_hash`` is ``hash_``.

        The events of that write are then not reported, as long as the file still holds that
        content when they settle. The expectation stays until the watcher sees other content.
        """
        with self._lock:
            self._expected[Path(path).resolve()] = hash_

    def start(self) -> None:
        """Start watching. Raises ``ListFileError`` if a list's directory cannot be watched."""
        with self._lock:
            if self._observer is not None:
                return
            directories = sorted({f.parent for f in self._files})
            for directory in directories:
                if not directory.is_dir():
                    raise ListFileError(f"Cannot watch {directory}: it is not a directory.")
            debouncer = _Debouncer(self._debounce_seconds, self._settled, self._on_crash)
            observer = self._observer_factory()
            handler = _Handler(self._files, debouncer.touch, self._on_crash)
            for directory in directories:
                observer.schedule(handler, str(directory), event_filter=_EVENT_TYPES)
            try:
                observer.start()
            except OSError as exc:
                observer.unschedule_all()
                names = ", ".join(map(str, directories))
                raise ListFileError(f"Cannot watch {names}: {exc.strerror or exc}.") from exc
            debouncer.start()
            self._observer, self._debouncer = observer, debouncer

    def stop(self) -> None:
        """Stop watching; pending (not yet settled) changes are dropped."""
        with self._lock:
            observer, debouncer = self._observer, self._debouncer
            self._observer = self._debouncer = None
        if observer is not None:
            observer.stop()
            observer.join()
        if debouncer is not None:
            debouncer.stop()

    def __enter__(self) -> ListWatcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _settled(self, path: Path) -> None:
        """A file's quiet period ended: report it unless it is missing or holds our own write."""
        current = _hash_file(path)
        if current is None:
            logger.debug("list file %s is missing after its events settled", path)
            return
        with self._lock:
            expected = self._expected.get(path)
            if expected == current:
                logger.debug("ignoring events caused by zotmark's own write of %s", path)
                return
            self._expected.pop(path, None)
        try:
            self._on_change(path)
        except Exception:
            logger.exception("the change handler failed for %s", path)
