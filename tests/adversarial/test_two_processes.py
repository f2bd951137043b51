"""Two zotmark processes on one state directory: two daemons, syncs during a daemon's run, and a
daemon killed mid-run and started again.

How such processes share the directory is being changed (they may refuse to start, or take
turns run by run). These tests assert only what holds either way: a process that does not run
exits 1 with a message naming the running one's pid; a process that runs converges; and in the
end no item is duplicated, no edit on either side is lost, no traceback is shown and the API
key is nowhere.
"""

from __future__ import annotations

import re

import pytest
from tests.adversarial.helpers import (
    Daemon,
    Running,
    Tripwire,
    World,
    assert_idle,
    assert_no_duplicates,
    assert_paired,
    in_collection,
    tags,
    wait_for,
)
from tests.adversarial.scenarios import Make

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]


def _entry(i: int) -> str:
    return (
        f"- [ ] **Shared Study {i:02d}** ([Link](https://arxiv.org/abs/2203.{10000 + i}))\n"
        "    - [ ] Relevant?\n"
    )


START = "# Shared\n\n" + "".join(map(_entry, range(6)))


def _refused_or_running(second: Daemon, first_pid: int) -> bool:
    """Wait until ``second`` refused to run (exit 1 naming ``first_pid``: False) or finished
    its first run (True)."""

    def decided() -> bool:
        return not second.alive() or bool(second.runs())

    wait_for(decided, "the second daemon to refuse or to run")
    if second.alive():
        return True
    text = second.text()
    assert second.process.returncode == 1, text
    assert "Traceback" not in text and _names_pid(text, first_pid), text
    return False


def _names_pid(message: str, pid: int) -> bool:
    """Whether ``message`` names process ``pid`` ("pid 12", "pid=12", "(pid: 12)", ...)."""
    return re.search(rf"\bpid\b\W{{0,3}}{pid}\b", message) is not None


def _edit_both_sides(world: World, server: Sandbox) -> dict[str, str]:
    """Tick entry 1, add entry 9 in the file; tag entry 2 ``read`` in Zotero. The keys."""
    keys = {row.title: row.key or "" for row in world.listing().rows}
    text = world.text().replace("- [ ] **Shared Study 01**", "- [x] **Shared Study 01**")
    world.list.write_text(text + _entry(9), encoding="utf-8")
    server.update_item(keys["Shared Study 02"], {"tags": [{"tag": "read"}]})
    return keys


def _converged(world: World, server: Sandbox, keys: dict[str, str]) -> bool:
    items = in_collection(server)
    listing = world.listing()
    return bool(
        "read" in tags(items.get(keys["Shared Study 01"], {}))
        and listing.row("Shared Study 02").read
        and listing.row("Shared Study 09").key in items
    )


def _all_is_well(world: World, server: Sandbox, *daemons: Daemon) -> None:
    for daemon in daemons:
        assert "Traceback" not in daemon.text(), daemon.text()
    listing = world.listing()
    assert_no_duplicates(server, 7)
    assert_paired(server, listing)
    assert listing.row("Shared Study 01").read and listing.row("Shared Study 02").read
    assert_idle(world)


def test_a_second_daemon_for_the_same_list_refuses_or_converges(
    world: Make, server: Sandbox
) -> None:
    subject = world(START, "subject", stream=True)
    first = Daemon(subject, "first.log")
    second: Daemon | None = None
    try:
        first.wait_ready()
        second = Daemon(subject, "second.log")
        both = _refused_or_running(second, first.pid)
        keys = _edit_both_sides(subject, server)
        wait_for(lambda: _converged(subject, server, keys), "both edits on both sides")
        first.wait_quiet(0.5)
        assert first.stop() == 0
        if both:
            assert second.stop() == 0
    finally:
        first.kill()
        if second is not None:
            second.kill()
    _all_is_well(subject, server, first, *([second] if second else []))


def test_syncs_during_a_daemon_run_wait_or_refuse_and_nothing_is_lost(
    world: Make, server: Sandbox
) -> None:
    subject = world(START, "subject")
    daemon = Daemon(subject)
    syncs: list[Running] = []
    try:
        daemon.wait_ready()
        daemon.wait_quiet(0.4)
        server.latency_ms = 150  # the daemon's next run takes a while
        keys = _edit_both_sides(subject, server)
        daemon.wait(lambda: daemon.started() >= 2, "the daemon's run for the save")
        syncs = [subject.spawn("sync") for _ in range(3)]  # while that run is in flight
        results = [running.wait() for running in syncs]
        server.latency_ms = 0
        for ran in results:
            if ran.code == 0:
                ran.ok()
            else:
                assert _names_pid(ran.error(1), daemon.pid), ran.err
        wait_for(lambda: _converged(subject, server, keys), "both edits on both sides")
        daemon.wait_quiet(0.4)
        assert daemon.stop() == 0
    finally:
        server.latency_ms = 0
        daemon.kill()
    _all_is_well(subject, server, daemon)


def test_a_daemon_killed_mid_write_is_taken_over_by_the_next(
    world: Make, server: Sandbox, tripwire: Tripwire
) -> None:
    subject = world(START, "subject")
    first = Daemon(subject, "first.log")
    try:
        first.wait_ready()
        first.wait_quiet(0.4)
        keys = _edit_both_sides(subject, server)
        # SIGKILL as its first write arrives; the server applies it for a dead client.
        tripwire.arm_action(first.kill_now, lambda method, _path: method == "POST")
        wait_for(lambda: first.process.poll() is not None, "the first daemon to die")
    finally:
        first.kill()
    tripwire.wait_idle()
    second = Daemon(subject, "second.log")
    try:
        wait_for(lambda: _converged(subject, server, keys), "the second daemon to finish")
        second.wait_quiet(0.4)
        assert second.stop() == 0
    finally:
        second.kill()
    _all_is_well(subject, server, second)
