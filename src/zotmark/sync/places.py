"""Where a configuration keeps its state, and what a list's state is called there.

What ``zotmark status``, ``export-bib`` and ``import-bib`` need of the state, without the
engine or an HTTP client (:mod:`zotmark.sync.session` uses them for a run; issue 16: a
command loads what it uses).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from zotmark.errors import AccessError, StateError
from zotmark.permissions import access_advice, os_refusal
from zotmark.state.lock import DAEMONS_DIRNAME, LOCK_FILENAME
from zotmark.sync import library_ids

if TYPE_CHECKING:
    from zotmark.config import Config, ListSettings
    from zotmark.state.store import StateStore

ENRICH_CACHE = "enrich-cache"
"""The arXiv/Crossref cache's directory in the state directory."""
PUBLISHED = "published"
"""A list's meta key of its preprints found published (JSON, :mod:`zotmark.sync.publications`)."""
PUBLISHED_NEXT = "published.next"
"""A list's meta key of when its preprints are next re-checked (seconds since the epoch)."""
PUBLISHED_TODO = "published.todo"
"""A list's meta key of how many of its publications no policy was applied to yet."""

STATE_FILES = (
    "state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm", LOCK_FILENAME, DAEMONS_DIRNAME,
    library_ids.FILENAME, ENRICH_CACHE,
)  # fmt: skip
"""What zotmark writes in the state directory (checked before it is used, where it exists)."""


def state_dir(config: Config) -> Path:
    """The configured state directory, created if needed; ``StateError`` if it cannot be, or
    if zotmark may not write it or its files (saying whose they are and what to change)."""
    path = Path(config.state.dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        elsewhere = f"set [state] dir in {config.path} to a directory zotmark may write."
        if isinstance(error, PermissionError):
            raise AccessError(
                f"cannot create the state directory {path}: "
                f"{os_refusal(error, path, write=True)} Or {elsewhere}"
            ) from None
        raise StateError(
            f"cannot create the state directory {path}: {error.strerror}. "
            + elsewhere[0].upper()
            + elsewhere[1:]
        ) from None
    unwritable = [p for p in (path, *(path / n for n in STATE_FILES)) if _unwritable(p)]
    if unwritable:
        raise AccessError(
            f"cannot use the state directory {path}: "
            f"{access_advice(unwritable[0], write=True)} Or set [state] dir in {config.path} "
            "to a directory zotmark may write."
        )
    return path


def _unwritable(path: Path) -> bool:
    """Whether ``path`` exists and this process may not write it (a directory: create files
    in it)."""
    if not os.path.lexists(path):
        return False
    mode = os.W_OK | os.X_OK if path.is_dir() else os.W_OK
    return not os.access(path, mode)


def list_key(config: Config, settings: ListSettings, store: StateStore) -> str:
    """The name of the list's state in ``store``: :meth:`Config.state_key` (its file, library
    and collection). State an older zotmark kept under the list's bare name moves to it, when
    it is this list's (the same collection); else it stays for the list it belongs to."""
    key = config.state_key(settings)
    legacy = store.load(settings.name)
    mark = legacy.mark
    if legacy.library_version and mark is not None and mark.collection == settings.collection:
        store.rename_list(settings.name, key)
    return key
