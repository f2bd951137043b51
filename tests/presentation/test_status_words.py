"""``zotmark status`` in words a person reads: times relative to an injected clock, counts
singular or plural, a never-run list, a daemon whose process is gone, an old error cleared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from zotmark.daemon.heartbeat import (
    Beat,
    Machine,
    heartbeat_meta,
    is_gone,
    mark_stale,
    pid_alive,
    this_machine,
)
from zotmark.presentation.render import counted, relative, status_lines

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HERE = Machine("laptop", "boot-1", "pid:[1]")


def _iso(ago: timedelta) -> str:
    return (NOW - ago).isoformat()


def _state(**changes: Any) -> dict[str, Any]:
    run = {"ok": True, "finished_at": _iso(timedelta(minutes=3)), "summary": "s", "error": None}
    state: dict[str, Any] = {
        "list": "papers",
        "file": "/notes/papers.md",
        "last_run": run,
        "last_success": run,
        "synced_entries": 1,
        "pending_creates": 1,
        "library_version": 7,
        "refused": [],
        "daemon": {},
    }
    return state | changes


def _daemon(ago: timedelta, machine: Machine = HERE, pid: int = 42, **beat: Any) -> dict[str, str]:
    meta = heartbeat_meta(Beat(NOW - ago, pid, NOW - ago + timedelta(seconds=60), **beat,
                               machine=machine))  # fmt: skip
    return {k.removeprefix("daemon."): v for k, v in meta.items() if v is not None}


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=40), "40 s ago"),
        (timedelta(minutes=3), "3 min ago"),
        (timedelta(hours=2), "2 h ago"),
        (timedelta(days=1), "24 h ago"),
        (timedelta(days=5), "5 days ago"),
        (timedelta(seconds=-40), "in 40 s"),
    ],
)
def test_times_are_relative_to_the_clock(ago: timedelta, words: str) -> None:
    assert relative(_iso(ago), NOW) == words


def test_counts_are_singular_or_plural() -> None:
    assert [counted(1, "request"), counted(2, "request"), counted(1_000, "entry", "entries")] == [
        "1 request",
        "2 requests",
        "1,000 entries",
    ]


def test_status_says_when_in_words_and_counts_in_the_singular() -> None:
    lines = status_lines(_state(), NOW)
    assert lines[0] == "papers (/notes/papers.md): last run 3 min ago, ok"
    assert "  1 synced entry, 1 pending create, library version 7" in lines
    assert not any("T11:57" in line for line in lines)  # no raw ISO time


def test_a_list_never_synced_says_so() -> None:
    """It said "last run never run"."""
    lines = status_lines(_state(last_run=None, last_success=None, synced_entries=0), NOW)
    assert (
        lines[0]
        == "papers (/notes/papers.md): never synced yet (`zotmark sync` does the first sync)"
    )
    assert "  0 synced entries, 1 pending create, library version 7" in lines


def test_a_failed_run_shows_its_error_and_when_the_last_good_run_was() -> None:
    failed = {
        "ok": False,
        "finished_at": _iso(timedelta(minutes=1)),
        "summary": "",
        "error": "offline",
    }
    good = {"ok": True, "finished_at": _iso(timedelta(hours=2)), "summary": "s", "error": None}
    lines = status_lines(_state(last_run=failed, last_success=good), NOW)
    assert lines[:3] == [
        "papers (/notes/papers.md): last run 1 min ago, FAILED",
        "  error: offline",
        "  last good run: 2 h ago",
    ]


def test_a_running_daemon_in_words() -> None:
    state = _state(daemon=_daemon(timedelta(seconds=20)))
    mark_stale([state], 60, NOW, machine=HERE, alive=lambda pid: True)
    assert status_lines(state, NOW)[-1] == (
        "  daemon: running (pid 42), last heartbeat 20 s ago, next poll in 40 s"
    )


def test_a_daemon_error_older_than_the_last_good_run_is_not_shown() -> None:
    """An old error is cleared by a good run after it (a sync, or the daemon's own)."""
    old = _daemon(timedelta(seconds=5), last_error="papers: offline",
                  last_error_at=NOW - timedelta(minutes=10))  # fmt: skip
    assert "offline" not in status_lines(_state(daemon=old), NOW)[-1]
    new = _daemon(timedelta(seconds=5), last_error="papers: offline",
                  last_error_at=NOW - timedelta(minutes=1))  # fmt: skip
    assert "last error 1 min ago: papers: offline" in status_lines(_state(daemon=new), NOW)[-1]


def test_a_daemon_whose_pid_is_gone_is_not_running_at_once() -> None:
    """A heartbeat 5 s old still says "running"; its pid on this machine says otherwise."""
    state = _state(daemon=_daemon(timedelta(seconds=5)))
    assert mark_stale([state], 60, NOW, machine=HERE, alive=lambda pid: False)
    line = status_lines(state, NOW)[-1]
    assert line.startswith("  daemon: not running: its process (pid 42) is gone")
    assert "5 s ago" in line


def test_a_pid_from_another_host_or_pid_namespace_is_not_judged() -> None:
    """A container's pid means nothing on the host (nor the host's in a container)."""
    dead = lambda pid: False  # noqa: E731
    for machine in (
        Machine("container", "boot-1", "pid:[1]"),
        Machine("laptop", "boot-1", "pid:[9]"),
    ):
        assert not is_gone(_daemon(timedelta(seconds=5), machine), HERE, dead)
    assert not is_gone(_daemon(timedelta(seconds=5), Machine("")), HERE, dead)  # an old heartbeat


def test_a_heartbeat_from_before_the_last_boot_is_gone() -> None:
    alive = lambda pid: True  # noqa: E731  # some other process has that pid now
    assert is_gone(_daemon(timedelta(hours=1), Machine("laptop", "boot-0", "pid:[1]")), HERE, alive)


def test_pid_alive_knows_this_process_and_a_finished_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    import os

    assert pid_alive(os.getpid())
    assert not pid_alive(child.pid)
    assert pid_alive(1)  # exists; may be another user's (PermissionError means alive)


def test_this_machine_names_host_boot_and_pid_namespace() -> None:
    machine = this_machine()
    assert machine.host
    if Path("/proc/self/ns/pid").exists():
        assert machine.pidns.startswith("pid:[")


def test_each_preprint_found_published_is_a_line_saying_what_was_done() -> None:
    found = [
        {"preprint": "arxiv:2105.07581", "item": "ABCD2345", "doi": "10.1609/aaai.v36i2.20103",
         "venue": "AAAI", "done": "relate", "related": "WXYZ6789"},
        {"preprint": "doi:10.1101/2020.01.01.1", "item": "BCDE3456", "doi": "10.1038/x",
         "venue": "", "done": "", "related": ""},
    ]  # fmt: skip
    lines = status_lines(_state(published=found), NOW)
    assert lines[-2:] == [
        "  published: arXiv 2105.07581 → DOI 10.1609/aaai.v36i2.20103 (AAAI), "
        "related item WXYZ6789",
        "  published: DOI 10.1101/2020.01.01.1 → DOI 10.1038/x",
    ]
