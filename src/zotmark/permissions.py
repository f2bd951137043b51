"""What to change when the operating system refuses zotmark a file: whose it is, who zotmark
runs as, and the one fix that fits (run as the owner; in a container ``--user UID:GID``).

A container that runs zotmark under another uid than the one owning the mounted files is the
usual cause (``docker run`` without ``--user``), so the advice names both uids. Inside the
image (``ZOTMARK_CONTAINER`` is set there) it names the ``docker run`` option; elsewhere it
says to run zotmark as the owner or to give the file to the user zotmark runs as.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["access_advice", "check_writable_dir", "os_refusal", "running_as"]

CONTAINER_ENV = "ZOTMARK_CONTAINER"


def running_as() -> str:
    """``uid 1000 (gid 1000)``: the user and group this process runs as."""
    return f"uid {os.getuid()} (gid {os.getgid()})"


def _existing(path: Path) -> Path | None:
    """``path``, or its nearest parent that exists."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return None


def access_advice(path: Path, *, write: bool) -> str:
    """One or two sentences: who owns ``path`` (or the nearest existing parent, where a new
    file would go), who zotmark runs as, and what to change. ``""`` if ``path`` cannot be
    looked at either."""
    where = _existing(Path(path))
    if where is None:
        return ""
    try:
        info = where.stat()
    except OSError:
        return ""
    owner, group = info.st_uid, info.st_gid
    mode = f"mode {stat.S_IMODE(info.st_mode):04o}"
    what = "directory" if stat.S_ISDIR(info.st_mode) else "file"
    need = "write to" if write else "read"
    told = (
        f"zotmark runs as {running_as()} and may not {need} the {what} {where}, which belongs "
        f"to uid {owner} (gid {group}, {mode})."
    )
    if owner == os.getuid():
        bits = "rwx" if what == "directory" else ("rw" if write else "r")
        fix = f"Give its owner access: chmod u+{bits} {where}"
    elif owner == 0 and os.environ.get(CONTAINER_ENV):
        made = (
            ": Docker makes a missing host directory of a -v mount so"
            if what == "directory"
            else ""
        )
        fix = (
            f"It belongs to root{made}. On the host, give the {what} mounted there to yourself "
            '(sudo chown "$(id -u):$(id -g)" on it), then run the container as yourself: '
            'docker run --user "$(id -u):$(id -g)" (the README\'s Docker section).'
        )
    elif os.environ.get(CONTAINER_ENV):
        fix = (
            f"Run the container as the owner of your files: docker run --user {owner}:{group} "
            '(the README\'s Docker section: --user "$(id -u):$(id -g)").'
        )
    else:
        fix = (
            f"Run zotmark as the user who owns it (uid {owner}), or make it "
            f"{'writable' if write else 'readable'} for uid {os.getuid()}."
        )
    return f"{told} {fix}"


def os_refusal(error: OSError, path: Path, *, write: bool) -> str:
    """Why the operating system refused ``path``, for a message's tail: the error's reason
    (``No such file or directory``) and, when it is a permission error, the advice of
    :func:`access_advice` after it (``Permission denied. zotmark runs as … Run zotmark as …``)."""
    reason = error.strerror or str(error)
    if not isinstance(error, PermissionError):
        return reason
    advice = access_advice(path, write=write)
    return f"{reason}. {advice}" if advice else reason


def missing_mount_hint(path: Path) -> str:
    """In a container, for a file that does not exist: when its directory is empty and
    belongs to root, the sentence that says a -v mount probably names a host directory that
    did not exist (Docker made it so); else ``""``."""
    directory = Path(path).parent
    if not os.environ.get(CONTAINER_ENV):
        return ""
    try:
        empty = directory.stat().st_uid == 0 and not any(directory.iterdir())
    except OSError:
        return ""
    if not empty:
        return ""
    return (
        f"The directory {directory} is empty and belongs to root, as Docker makes a host "
        "directory of a -v mount that did not exist: check the host side of that -v option "
        "(the README's Docker section)."
    )


def check_writable_dir(directory: Path) -> str | None:
    """``None`` if this process may create and rename files in ``directory``; else the
    advice of :func:`access_advice` (a directory that does not exist yet is fine when its
    nearest existing parent is writable)."""
    where = _existing(Path(directory))
    if where is None or os.access(where, os.W_OK | os.X_OK):
        return None
    return access_advice(where, write=True)
