"""One zotmark per state directory: an exclusive, non-blocking ``flock`` on ``zotmark.lock``.

The lock is held on an open file description, so the OS releases it when the process exits
or crashes; the lock file itself is never deleted (deleting it would let two processes hold
locks on two different files). The holder's pid is written into the file for the message
another process shows.
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
    raises :class:`~zotmark.errors.LockedError` naming the holder's pid.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILENAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise ``LockedError``; ``StateError`` if the file cannot be opened."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this StateLock")
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise LockedError(
                f"another zotmark (pid {holder}) is running for state dir {self.directory}; "
                "stop it or wait for it to finish."
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Release the lock if held (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock

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

    def _open(self) -> int:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise StateError(f"cannot open the lock file {self.path}: {error.strerror}.") from error


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"
