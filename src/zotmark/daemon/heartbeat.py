"""The daemon's heartbeat as state meta: what is written, and when it counts as stale.

A running daemon keeps ``daemon.*`` keys in each list's state meta (``zotmark status`` shows them
under ``"daemon"``): ``state`` (``running`` or ``stopped``), ``heartbeat`` (UTC, ISO 8601),
``pid``, ``host``, ``boot`` and ``pidns`` (the machine, its boot and the pid namespace the pid
belongs to), ``next_poll``,
``last_error`` and ``last_error_at``. A heartbeat of a ``running`` daemon older than
``3 × poll_seconds + 60 s`` means the daemon is stuck or was killed; a daemon that stopped
cleanly says ``stopped`` and is never stale.

A daemon killed outright (``kill -9``, the OOM killer) writes nothing, so its heartbeat still
says ``running``; :func:`is_gone` sees at once that its pid no longer runs, when the heartbeat
was written on this machine (same host name and pid namespace) since its last boot (same boot
id). A heartbeat from another host or container (another host name or pid namespace) is judged
by its age alone. Everything but :func:`this_machine` and :func:`pid_alive` is pure.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "PREFIX",
    "Beat",
    "Machine",
    "heartbeat_meta",
    "is_gone",
    "is_stale",
    "mark_stale",
    "pid_alive",
    "stale_after",
    "stopped_meta",
    "this_machine",
]

PREFIX = "daemon."
RUNNING = "running"
STOPPED = "stopped"
GRACE_SECONDS = 60.0


BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
PID_NAMESPACE = Path("/proc/self/ns/pid")


class Machine(NamedTuple):
    """Where a pid means something: the host name, the boot id and the pid namespace
    (``""`` when unknown)."""

    host: str
    boot: str = ""
    pidns: str = ""


UNKNOWN = Machine("")
"""No machine known: a heartbeat that cannot be judged by its pid."""


def this_machine(boot_id: Path = BOOT_ID, pid_namespace: Path = PID_NAMESPACE) -> Machine:
    """This machine: its host name (a container's own), its kernel's boot id and this
    process's pid namespace (a container's own, even with the host's network)."""
    try:
        boot = boot_id.read_text(encoding="ascii").strip()
    except OSError:
        boot = ""
    try:
        pidns = os.readlink(pid_namespace)
    except OSError:
        pidns = ""
    return Machine(socket.gethostname(), boot, pidns)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (a zombie does not count)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        return True
    except OSError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat: when, which process on which machine, the next poll, the latest error
    (if any)."""

    at: datetime
    pid: int
    next_poll: datetime | None
    last_error: str | None = None
    last_error_at: datetime | None = None
    machine: Machine = UNKNOWN


def _iso(when: datetime | None) -> str:
    return "" if when is None else when.isoformat(timespec="seconds")


def heartbeat_meta(beat: Beat) -> dict[str, str | None]:
    """The meta keys (prefixed ``daemon.``) a heartbeat sets."""
    return {
        f"{PREFIX}state": RUNNING,
        f"{PREFIX}heartbeat": _iso(beat.at),
        f"{PREFIX}pid": str(beat.pid),
        f"{PREFIX}host": beat.machine.host,
        f"{PREFIX}boot": beat.machine.boot,
        f"{PREFIX}pidns": beat.machine.pidns,
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
        f"{PREFIX}host": None,
        f"{PREFIX}boot": None,
        f"{PREFIX}pidns": None,
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


def is_gone(
    daemon: Mapping[str, str], machine: Machine, alive: Callable[[int], bool] = pid_alive
) -> bool:
    """Whether ``daemon`` (the meta without its prefix) says ``running`` but is known not to
    be: written on ``machine`` (same host name and pid namespace) and either before its last
    boot or by a pid that no longer runs. A heartbeat from elsewhere, or without host or pid,
    is not judged."""
    if daemon.get("state", RUNNING) != RUNNING or not daemon.get("heartbeat"):
        return False
    host, boot, pid = daemon.get("host", ""), daemon.get("boot", ""), daemon.get("pid", "")
    if not host or host != machine.host or not pid.isdigit():
        return False
    if daemon.get("pidns", "") != machine.pidns:
        return False
    if boot and machine.boot and boot != machine.boot:
        return True  # the machine restarted since: no process of before runs
    return not alive(int(pid))


def mark_stale(
    states: list[dict[str, Any]],
    poll_seconds: float,
    now: datetime,
    *,
    machine: Machine | None = None,
    alive: Callable[[int], bool] = pid_alive,
) -> bool:
    """Add ``stale`` (and, given this ``machine``, ``gone``: see :func:`is_gone`) to the daemon
    heartbeat of each list status (``render.status_json`` values) that has one; return whether
    any daemon that says ``running`` is stale at ``now`` or gone."""
    for state in states:
        daemon = state["daemon"]
        if daemon:
            daemon["stale"] = is_stale(daemon, poll_seconds, now)
            if machine is not None:
                daemon["gone"] = is_gone(daemon, machine, alive)
    return any(s["daemon"].get("stale") or s["daemon"].get("gone") for s in states)
