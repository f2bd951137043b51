"""One zotmark per state directory: an exclusive, non-blocking ``flock`` on the directory itself.

The lock is held on an open file description of the state directory, so the OS releases it when
the process exits or crashes, and no file has to exist for it to exclude: deleting a lock file
while a daemon runs cannot let a second zotmark in. ``zotmark.lock`` beside the state holds the
holder's pid, only for the message another process shows; it is flocked too, so that a zotmark
from before the directory lock (which locks only that file) is still kept out.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from zotmark.errors import LockedError, StateError

__all__ = ["LOCK_FILENAME", "StateLock"]

LOCK_FILENAME = "zotmark.lock"


class StateLock:
    """The exclusive lock of one state directory (created if missing).

    Use as a context manager, or call :meth:`acquire` and :meth:`release`. Acquiring never
    waits: a lock held by another process (or another :class:`StateLock` in this process)
    raises :class:`~zotmark.errors.LockedError` naming the holder's pid when it is known.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILENAME
        self._fds: tuple[int, int] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fds is not None

    def acquire(self) -> None:
        """Take the lock or raise ``LockedError``; ``StateError`` if the state directory or the
        pid file cannot be opened."""
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
