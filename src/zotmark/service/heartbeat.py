"""The daemon's heartbeat as state meta: what is written, and when it counts as stale.

A running daemon keeps ``daemon.*`` keys in each list's state meta (``zotmark status`` shows them
under ``"daemon"``): ``state`` (``running`` or ``stopped``), ``heartbeat`` (UTC, ISO 8601),
``pid``, ``next_poll``, ``last_error`` and ``last_error_at``. A heartbeat of a ``running``
daemon older than ``3 × poll_seconds + 60 s`` means the daemon is stuck or was killed; a daemon
that stopped cleanly says ``stopped`` and is never stale. Pure functions over strings and times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "PREFIX",
    "Beat",
    "heartbeat_meta",
    "is_stale",
    "stale_after",
    "stopped_meta",
]

PREFIX = "daemon."
RUNNING = "running"
STOPPED = "stopped"
GRACE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat: when, which process, the next poll, the latest error (if any)."""

    at: datetime
    pid: int
    next_poll: datetime | None
    last_error: str | None = None
    last_error_at: datetime | None = None


def _iso(when: datetime | None) -> str:
    return "" if when is None else when.isoformat(timespec="seconds")


def heartbeat_meta(beat: Beat) -> dict[str, str | None]:
    """The meta keys (prefixed ``daemon.``) a heartbeat sets."""
    return {
        f"{PREFIX}state": RUNNING,
        f"{PREFIX}heartbeat": _iso(beat.at),
        f"{PREFIX}pid": str(beat.pid),
        f"{PREFIX}next_poll": _iso(beat.next_poll),
        f"{PREFIX}last_error": beat.last_error or "",
        f"{PREFIX}last_error_at": _iso(beat.last_error_at),
    }


def stopped_meta(at: datetime) -> dict[str, str | None]:
    """The meta a cleanly stopping daemon leaves: ``stopped``, the time, no pid or next poll."""
    return {
        f"{PREFIX}state": STOPPED,
        f"{PREFIX}heartbeat": _iso(at),
        f"{PREFIX}pid": None,
        f"{PREFIX}next_poll": None,
    }


def stale_after(poll_seconds: float) -> timedelta:
    """How old a running daemon's heartbeat may get: ``3 × poll_seconds + 60 s``."""
    return timedelta(seconds=3 * poll_seconds + GRACE_SECONDS)


def is_stale(daemon: Mapping[str, str], poll_seconds: float, now: datetime) -> bool:
    """Whether ``daemon`` (the meta without its ``daemon.`` prefix) is a stale running daemon.

    No heartbeat at all, or a daemon that stopped cleanly, is not stale. An unreadable
    heartbeat time of a running daemon is.
    """
    if daemon.get("state", RUNNING) != RUNNING or not daemon.get("heartbeat"):
        return False
    try:
        beat = datetime.fromisoformat(daemon["heartbeat"])
    except ValueError:
        return True
    if beat.tzinfo is None or now.tzinfo is None:
        return True
    return now - beat > stale_after(poll_seconds)


def mark_stale(states: list[dict[str, Any]], poll_seconds: float, now: datetime) -> bool:
    """Add ``stale`` to the daemon heartbeat of each list status (``render.status_json``
    values) that has one; return whether any running daemon is stale at ``now``."""
    for state in states:
        if state["daemon"]:
            state["daemon"]["stale"] = is_stale(state["daemon"], poll_seconds, now)
    return any(state["daemon"].get("stale") for state in states)
