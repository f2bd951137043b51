"""Reading and atomically rewriting a reading-list file, never clobbering a newer edit.

Bytes are preserved exactly: a list is UTF-8 text (a BOM stays in the text as U+FEFF) and is
encoded back the same way, with no newline translation; a file that is not UTF-8 text is
refused with :class:`~zotmark.errors.ListFileError` saying where and how to convert it
(:mod:`zotmark.markdown.encoding`). A write goes to a temporary file in the same directory, is
fsynced, and replaces the list only if the list still has the fingerprint it had when it was
read (DESIGN §2). ``OSError`` is translated into :class:`~zotmark.errors.ListFileError` here.

Only regular files are read (a symbolic link to one is fine), and none larger than
:data:`MAX_LIST_BYTES`: a FIFO, a device, a socket or a directory is refused from its ``stat``,
and the file is opened without blocking and checked again on the open descriptor, so neither a
pipe without a writer nor ``/dev/zero`` can hang a run or fill the memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from zotmark.errors import FileChangedError, ListFileError
from zotmark.markdown.encoding import decode_list, encode_list
from zotmark.permissions import check_writable_dir, os_refusal

MAX_LIST_BYTES = 64 * 1024 * 1024
"""The largest list zotmark reads: 64 MiB (a list of 100,000 entries takes about 11 MB)."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class Fingerprint(NamedTuple):
    """What a file looked like when it was read: size, mtime (ns), inode and SHA-256."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str


def _reason(error: OSError, path: Path | None = None, *, write: bool = False) -> str:
    """Why ``error`` happened, with what to change when it is a permission problem."""
    if path is None:
        return error.strerror or str(error)
    if write and isinstance(error, PermissionError):
        # the write makes a temporary file beside the list and renames it over the list
        advice = check_writable_dir(path.parent)
        if advice:
            return (
                f"{error.strerror or error}; zotmark writes a temporary file beside the list and "
                f"renames it, so the list's directory must be writable. {advice}"
            )
    return os_refusal(error, path, write=write)


def _fingerprint(sha256: str, info: os.stat_result) -> Fingerprint:
    """The fingerprint of bytes whose SHA-256 is ``sha256`` in a file whose stat is ``info``."""
    return Fingerprint(info.st_size, info.st_mtime_ns, info.st_ino, sha256)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """The list opened for reading, with its ``stat``, once it is known to be a regular file
    no larger than :data:`MAX_LIST_BYTES` (a :class:`ListFileError` otherwise; ``OSError``
    escapes, ``FileNotFoundError`` for a missing file)."""
    _check_readable(path, os.stat(path))
    with open(os.open(path, _OPEN_FLAGS), "rb") as handle:
        info = os.fstat(handle.fileno())
        _check_readable(path, info)  # the path may name another file now
        yield handle, info


def _read_bytes(path: Path) -> tuple[bytes, Fingerprint]:
    """The file's bytes and the fingerprint of exactly those bytes (errors as :func:`_opened`)."""
    with _opened(path) as (handle, info):
        # A read of n bytes allocates n bytes before it reads: ask for the size the file says
        # and one byte more, and for the rest up to the ceiling only when that byte came (a
        # file that grew meanwhile, or one in /proc whose size says 0). Asking for the ceiling
        # at once made every read and fingerprint allocate 64 MiB (13 KB per entry of a
        # 5,000-entry list: most of a first sync's peak).
        data = handle.read(info.st_size + 1)
        if len(data) > info.st_size:
            data += handle.read(MAX_LIST_BYTES + 1 - len(data))
        if len(data) > MAX_LIST_BYTES:
            raise _too_large(path, None)
        return data, _fingerprint(hashlib.sha256(data).hexdigest(), os.fstat(handle.fileno()))


BLOCK = 1 << 16
"""How many bytes :func:`_current_fingerprint` reads at a time."""


def _current_fingerprint(path: Path) -> Fingerprint:
    """The fingerprint of the file as it is now (errors as :func:`_opened`), its bytes hashed
    a block at a time and not held: a write checks it twice while the new text and its bytes
    are held (the whole file read there was 110 B an entry of a first sync's peak)."""
    with _opened(path) as (handle, _):
        digest, size = hashlib.sha256(), 0
        while block := handle.read(BLOCK):
            size += len(block)
            if size > MAX_LIST_BYTES:
                raise _too_large(path, None)
            digest.update(block)
        return _fingerprint(digest.hexdigest(), os.fstat(handle.fileno()))


def _check_readable(path: Path, info: os.stat_result) -> None:
    """Refuse a file that is not regular or is too large, by its ``stat``."""
    kind = next((words for is_kind, words in _KINDS if is_kind(info.st_mode)), None)
    if kind is None and not stat.S_ISREG(info.st_mode):
        kind = "not a regular file"
    if kind is not None:
        real = os.path.realpath(path)
        linked = real != os.path.abspath(path)
        what = f"it leads to {real}, which is {kind}" if linked else f"it is {kind}"
        raise ListFileError(
            f"cannot read the list {path}: {what}. zotmark reads lists only from regular files "
            "(a symbolic link to one is fine): point the list's file at your reading list."
        )
    if info.st_size > MAX_LIST_BYTES:
        raise _too_large(path, info.st_size)


def _too_large(path: Path, size: int | None) -> ListFileError:
    """The error for a file larger than :data:`MAX_LIST_BYTES` (``size``: its size if known)."""
    its = "it is" if size is None else f"it is {size / 2**20:.1f} MiB,"
    return ListFileError(
        f"cannot read the list {path}: {its} larger than the {MAX_LIST_BYTES >> 20} MiB "
        "zotmark reads. A reading list is far smaller (100,000 entries take about 11 MB): "
        "check that the list's file names your reading list."
    )


class ListFile:
    """The file operations on a reading list (all static; paths may be symlinks)."""

    @staticmethod
    def read(path: Path | str) -> tuple[str, Fingerprint]:
        """The list's text and its fingerprint.

        :class:`ListFileError` when it cannot be read or is not UTF-8 text.
        """
        path = Path(path)
        try:
            data, fingerprint = _read_bytes(path)
        except OSError as error:
            raise ListFileError(f"cannot read the list {path}: {_reason(error, path)}") from None
        return decode_list(data, path), fingerprint

    @staticmethod
    def fingerprint(path: Path | str) -> Fingerprint | None:
        """The file's current fingerprint, or ``None`` when it does not exist."""
        path = Path(path)
        try:
            return _current_fingerprint(path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise ListFileError(f"cannot read the list {path}: {_reason(error)}") from None

    @staticmethod
    def check_writable(path: Path | str) -> None:
        """:class:`ListFileError` when the list could not be written back, checked before a
        run sends anything: :meth:`write` makes a temporary file in the list's directory,
        which must be writable. (A missing list is left to :meth:`read`, which names it.)"""
        directory = Path(os.path.realpath(path)).parent
        if directory.is_dir():
            advice = check_writable_dir(directory)
            if advice:
                raise ListFileError(
                    f"cannot sync the list {path}: zotmark writes it back through a "
                    f"temporary file in its directory, which it may not write. {advice}"
                )

    @staticmethod
    def write(path: Path | str, text: str, expected: Fingerprint | None) -> Fingerprint:
        """Atomically replace the list with ``text`` and return the new fingerprint.

        ``expected`` is the fingerprint from :meth:`read` (``None``: the file must not exist
        yet). The file's mode is kept. Raises :class:`FileChangedError` when the file changed
        since it was read (nothing is written then) and :class:`ListFileError` on I/O errors.
        """
        target = Path(os.path.realpath(path))
        data = encode_list(text, target)
        try:
            return _replace(target, data, expected)
        except FileChangedError:
            raise
        except OSError as error:
            reason = _reason(error, target, write=True)
            raise ListFileError(f"cannot write the list {target}: {reason}") from None


def _write_temp(target: Path, data: bytes, mode: int) -> Path:
    """``data`` in a new fsynced file beside ``target`` with permission bits ``mode``."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".zotmark", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace(target: Path, data: bytes, expected: Fingerprint | None) -> Fingerprint:
    current = ListFile.fingerprint(target)
    if current != expected:
        raise FileChangedError(f"{target} changed since it was read; not overwriting it")
    mode = stat.S_IMODE(target.stat().st_mode) if current is not None else _default_mode()
    temp = _write_temp(target, data, mode)
    try:
        if ListFile.fingerprint(target) != expected:
            raise FileChangedError(f"{target} changed since it was read; not overwriting it")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return _fingerprint(hashlib.sha256(data).hexdigest(), target.stat())


def _default_mode() -> int:
    """The mode a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
