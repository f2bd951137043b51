"""zotmark's typed errors.

Every failure a user can meet is one of these. Adapters translate foreign exceptions
(pyzotero, httpx2, OSError, sqlite3) into them at their boundary; ``cli/entry.py``
(:func:`zotmark.cli.entry.main`) is the one place that turns them into words on stderr and an
exit code. Messages are complete sentences a user can act on and never contain an API key.
"""

from __future__ import annotations


class ExitCode:
    """The process exit codes of the command-line contract (DESIGN §6)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFLICT = 3
    GUARD = 4
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class ZotmarkError(Exception):
    """Base of all zotmark errors: a user-facing message and an exit code."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ZotmarkError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = ExitCode.USAGE


class AccessError(ConfigError):
    """The operating system refuses zotmark a file or directory it needs to start (the config,
    the state directory): a matter of owners and permissions that a restart cannot fix, so a
    usage error (exit 2), which the systemd unit does not restart on."""


class ListFileError(ZotmarkError):
    """A reading-list file cannot be read or written."""


class FileChangedError(ListFileError):
    """The file changed on disk after it was read; writing now would clobber a newer edit."""


class PatchError(ListFileError):
    """An edit does not fit the text it is applied to (the text changed since it was parsed,
    or the edit names something the entry does not have)."""


class StateError(ZotmarkError):
    """The sync state store cannot be opened, migrated or written."""


class LockedError(ZotmarkError):
    """Another zotmark process holds the lock for this state directory."""


class DaemonError(ZotmarkError):
    """A thread the daemon cannot work without (watcher, scheduler, stream listener) died;
    the daemon stopped instead of running on without it."""


class ZoteroError(ZotmarkError):
    """The Zotero server answered with an error zotmark cannot recover from."""


class AuthError(ZoteroError):
    """The API key is missing, wrong, or lacks the permission the operation needs."""

    exit_code = ExitCode.USAGE


class NotFoundError(ZoteroError):
    """A library, collection or item the configuration names does not exist."""

    exit_code = ExitCode.USAGE


class CollectionGone(ZoteroError):
    """The list's collection was deleted for good in Zotero since the last sync: the run stops
    before any write (its items left it without a trace a sync could read as theirs)."""

    def __init__(self, name: str, key: str) -> None:
        super().__init__(
            f"The collection “{name}” ({key}) was deleted in Zotero since the last sync; "
            "zotmark changed nothing. To sync the list into a new collection, set `collection` "
            "in the configuration to a new name: the next sync creates it and adds the list's "
            "papers to it."
        )


class NetworkError(ZoteroError):
    """The Zotero server could not be reached (after retries)."""


class ProtocolError(ZoteroError):
    """The server at ``base_url`` did not answer as a Zotero API does: an HTML page, an empty
    or cut-off body, JSON of the wrong shape, a version header that is no number, or an error
    page of a web server that is no Zotero API at all. Nothing was recorded as synced."""


class PreconditionFailed(ZoteroError):
    """A write was refused because the library or object changed since it was read (412)."""


class RefusedError(ZoteroError):
    """Zotero refused some of a run's changes (per object); the rest were synced."""


class Interrupted(ZotmarkError):
    """The user stopped a run (Ctrl-C) before it finished."""

    exit_code = ExitCode.INTERRUPTED


class ConflictError(ZotmarkError):
    """A field changed on both sides and the conflict policy is ``fail``."""

    exit_code = ExitCode.CONFLICT


class GuardError(ZotmarkError):
    """A safety guard stopped the run (mass deletion, a side that suddenly looks empty)."""

    exit_code = ExitCode.GUARD


class BibtexError(ZotmarkError):
    """A BibTeX file cannot be read or written."""


class EnrichError(ZotmarkError):
    """Metadata could not be fetched from arXiv or Crossref (reported per item, never fatal)."""


class EnrichNotFound(EnrichError):
    """arXiv or Crossref does not know the identifier (HTTP 404 or an empty answer)."""


class EnrichUnreachable(EnrichError):
    """arXiv or Crossref could not be reached (a network failure or a timeout)."""


class EnrichStatusError(EnrichError):
    """arXiv or Crossref answered with an error status (``status``: 429, 5xx …) other than
    the not-found of :class:`EnrichNotFound`."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
