"""The heartbeat's staleness rule, and ``zotmark status`` failing on a stale daemon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from zotmark.cli import main
from zotmark.config import load_config
from zotmark.daemon.heartbeat import Beat, heartbeat_meta, is_stale, mark_stale, stopped_meta
from zotmark.presentation.render import status_lines
from zotmark.state import SqliteStateStore
from zotmark.state.commit import RunCommit

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _daemon(meta: dict[str, str | None]) -> dict[str, str]:
    return {k.removeprefix("daemon."): v for k, v in meta.items() if v is not None}


def _running(age: timedelta) -> dict[str, str]:
    return _daemon(heartbeat_meta(Beat(NOW - age, 42, NOW + timedelta(seconds=60))))


def test_a_heartbeat_younger_than_three_polls_and_a_minute_is_fresh() -> None:
    assert not is_stale(_running(timedelta(seconds=239)), 60, NOW)


def test_a_heartbeat_older_than_three_polls_and_a_minute_is_stale() -> None:
    assert is_stale(_running(timedelta(seconds=241)), 60, NOW)


def test_a_cleanly_stopped_daemon_is_never_stale() -> None:
    assert not is_stale(_daemon(stopped_meta(NOW - timedelta(days=30))), 60, NOW)


def test_no_heartbeat_at_all_is_not_stale() -> None:
    assert not is_stale({}, 60, NOW)


def test_an_unreadable_heartbeat_of_a_running_daemon_is_stale() -> None:
    assert is_stale({"state": "running", "heartbeat": "yesterday"}, 60, NOW)


def test_mark_stale_marks_each_list_with_a_daemon_and_says_whether_any_is_stale() -> None:
    states: list[dict[str, Any]] = [
        {"daemon": _running(timedelta(seconds=10))},
        {"daemon": _running(timedelta(hours=1))},
        {"daemon": {}},
    ]
    assert mark_stale(states, 60, NOW)
    assert [state["daemon"].get("stale") for state in states] == [False, True, None]


def test_a_stale_daemon_is_named_in_the_status_lines() -> None:
    state = {
        "list": "papers",
        "file": "papers.md",
        "last_run": {"ok": False, "finished_at": "t", "summary": "", "error": "offline"},
        "synced_entries": 3,
        "pending_creates": 0,
        "library_version": 7,
        "daemon": {**_running(timedelta(hours=1)), "stale": True},
    }
    lines = status_lines(state, NOW)
    assert lines[:3] == [
        "papers (papers.md): last run t, FAILED",
        "  error: offline",
        "  last good run: never",
    ]
    assert "STALE" in lines[-1]


def test_the_heartbeat_meta_carries_pid_next_poll_and_the_last_error() -> None:
    beat = Beat(NOW, 42, NOW + timedelta(seconds=60), "papers: boom", NOW)
    meta = heartbeat_meta(beat)
    assert meta["daemon.pid"] == "42"
    assert meta["daemon.next_poll"] == "2025-03-01T12:01:00+00:00"
    assert meta["daemon.last_error"] == "papers: boom"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "list.md").write_text("- [ ] **A paper**\n")
    path = tmp_path / "zotmark.toml"
    path.write_text(
        '[zotero]\nstream_url = ""\n[state]\ndir = "state"\n[daemon]\npoll_seconds = 60\n'
        '[[lists]]\nname = "papers"\nfile = "list.md"\ncollection = "Reading List"\n'
    )
    path.chmod(0o600)
    return path


def _store_meta(config: Path, meta: dict[str, str | None]) -> None:
    loaded = load_config(config)
    with SqliteStateStore.in_dir(config.parent / "state") as store:
        store.commit_run(loaded.state_key(loaded.lists[0]), RunCommit(meta=meta))


def test_status_exits_1_and_says_stale_when_the_heartbeat_is_old(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = datetime.now(UTC) - timedelta(minutes=10)
    _store_meta(config, heartbeat_meta(Beat(old, 42, old + timedelta(seconds=60))))
    assert main(["status", "--config", str(config)]) == 1
    assert "STALE" in capsys.readouterr().out


def test_status_exits_0_with_a_fresh_heartbeat(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    _store_meta(config, heartbeat_meta(Beat(now, 42, now + timedelta(seconds=60))))
    assert main(["status", "--config", str(config)]) == 0
    assert "running (pid 42)" in capsys.readouterr().out


def test_status_json_marks_a_stale_daemon(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = datetime.now(UTC) - timedelta(minutes=10)
    _store_meta(config, heartbeat_meta(Beat(old, 42, None)))
    assert main(["status", "--config", str(config), "--json"]) == 1
    assert '"stale": true' in capsys.readouterr().out
