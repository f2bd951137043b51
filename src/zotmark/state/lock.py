"""Locks of a state directory: one run at a time, one daemon per list.

:class:`StateLock` is an exclusive ``flock`` on the state directory itself, held for one run:
zotmark processes that share a state directory (any number of configs may) take turns, run by
run. It is held on an open file description of the directory, so the OS releases it when the
process exits or crashes, and no file has to exist for it to exclude: deleting a lock file
cannot let a second run in. ``zotmark.lock`` beside the state holds the holder's pid, only for
the message another process shows; it is flocked too, so that a zotmark from before the
directory lock (which locks only that file) is still kept out.

:class:`DaemonLock` keeps a second daemon off a list a daemon already syncs (``flock`` on one
file per list under ``daemons/``). It is a courtesy, not the safety: runs never overlap anyway.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from zotmark.errors import LockedError, StateError

__all__ = ["DAEMONS_DIRNAME", "LOCK_FILENAME", "DaemonLock", "StateLock"]

LOCK_FILENAME = "zotmark.lock"
DAEMONS_DIRNAME = "daemons"
RETRY_SECONDS = 0.05
"""How often a waiting :meth:`StateLock.acquire` tries again."""


class StateLock:
    """The exclusive lock of one state directory (created if missing), taken for a run.

    Use as a context manager (which does not wait), or call :meth:`acquire` and
    :meth:`release`. A lock held by another process (or another :class:`StateLock` in this
    process) is waited for up to ``wait`` seconds, then refused with
    :class:`~zotmark.errors.LockedError` naming the holder's pid when it is known. ``sleep``
    and ``clock`` are the waiting's effects.
    """

    def __init__(
        self,
        directory: Path,
        *,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILENAME
        self._sleep = sleep
        self._clock = clock
        self._fds: tuple[int, int] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fds is not None

    def acquire(
        self, *, wait: float = 0.0, on_wait: Callable[[str | None], None] | None = None
    ) -> None:
        """Take the lock, waiting up to ``wait`` seconds for another holder to release it
        (``on_wait`` is told once that it waits, with the holder's pid when known); then
        ``LockedError``. ``StateError`` if the state directory or the pid file cannot be
        opened."""
        deadline = self._clock() + wait
        told = False
        while True:
            try:
                self._take()
                return
            except LockedError:
                if self._clock() >= deadline:
                    raise
                if on_wait is not None and not told:
                    on_wait(_read_pid(self.path))
                    told = True
            self._sleep(RETRY_SECONDS)

    def _take(self) -> None:
        """One try at the lock (see :meth:`acquire`)."""
        if self._fds is not None:
            raise RuntimeError(f"{self.directory} is already locked by this StateLock")
        directory = self._open_directory()
        try:
            self._lock(directory)
            pid_file = self._open_pid_file()
            try:
                self._lock(pid_file)
                os.ftruncate(pid_file, 0)
                os.pwrite(pid_file, f"{os.getpid()}\n".encode(), 0)
            except BaseException:
                os.close(pid_file)
                raise
        except BaseException:
            os.close(directory)
            raise
        self._fds = (directory, pid_file)

    def release(self) -> None:
        """Release the lock if held (idempotent)."""
        fds, self._fds = self._fds, None
        for fd in fds or ():
            os.close(fd)  # closing the only descriptor releases its flock

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _lock(self, fd: int) -> None:
        """``flock`` ``fd`` exclusively, or raise ``LockedError`` naming the holder."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(self.path)
            who = f"another zotmark (pid {holder})" if holder else "another zotmark"
            raise LockedError(
                f"{who} is running for state dir {self.directory}; stop it or wait for it "
                "to finish."
            ) from None

    def _open_directory(self) -> int:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as error:
            raise StateError(
                f"cannot open the state directory {self.directory}: {error.strerror}."
            ) from error

    def _open_pid_file(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise StateError(f"cannot open the lock file {self.path}: {error.strerror}.") from error


def _read_pid(path: Path) -> str | None:
    """The pid in the lock file, or ``None`` when it is missing or holds none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            text = os.read(fd, 32).decode("ascii", "replace").strip()
        finally:
            os.close(fd)
    except OSError:
        return None
    return text if text.isdigit() else None


class DaemonLock:
    """Marks the lists of ``keys`` (their state names) as synced by this daemon, for its life:
    another daemon for any of them is refused with :class:`~zotmark.errors.LockedError`
    naming its pid. ``describe`` turns a key into words for that message (a list's file)."""

    def __init__(
        self, directory: Path, keys: Iterable[str], describe: Callable[[str], str] = str
    ) -> None:
        self.directory = Path(directory) / DAEMONS_DIRNAME
        self._keys = tuple(keys)
        self._describe = describe
        self._fds: list[int] = []

    def __enter__(self) -> DaemonLock:
        try:
            for key in self._keys:
                self._fds.append(self._take(key))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)

    def _take(self, key: str) -> int:
        path = self.directory / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.lock"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise StateError(f"cannot open the lock file {path}: {error.strerror}.") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _read_pid(path)
            who = f"another zotmark daemon (pid {holder})" if holder else "another zotmark daemon"
            raise LockedError(
                f"{who} already syncs {self._describe(key)}; stop it first, or let it do the work."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd
