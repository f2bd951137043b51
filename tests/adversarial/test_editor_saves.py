"""Editors' save patterns under a real ``zotmark daemon``, and a save landing mid-run.

Each save ticks one entry's box and appends one new entry, so the run it causes pushes a tag,
creates an item and writes an anchor into the file (zotmark's own write, which must cause no
run). Between saves the daemon must go quiet: a loop of own writes would never let it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from tests.adversarial.helpers import (
    Daemon,
    Listing,
    Tripwire,
    World,
    assert_idle,
    assert_no_duplicates,
    assert_paired,
    in_collection,
    strip_anchors,
    tags,
)

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]

Make = Callable[..., World]
DEBOUNCE = 0.2
PAUSE = 3 * DEBOUNCE  # an editor slower than the debounce: the daemon acts in between


def _entry(i: int, read: bool = False) -> str:
    return (
        f"- [{'x' if read else ' '}] **Daemon Study {i:02d}** "
        f"([Link](https://arxiv.org/abs/2202.{10000 + i}))\n    - [ ] Relevant?\n"
    )


FIRST = 10  # entries at the start; the saves add one each
START = "# Papers\n\nSaved in every way an editor saves.\n\n" + "".join(map(_entry, range(FIRST)))


def _data(text: str) -> bytes:
    return text.encode("utf-8")


def in_place(path: Path, text: str) -> None:
    """``open(path, "w")`` and one write (most simple editors, ``cp``)."""
    path.write_bytes(_data(text))


def temp_then_rename(path: Path, text: str) -> None:
    """Write a temp file beside the list and rename it over the list (VS Code, vim nowritebackup,
    most "atomic save" settings)."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_bytes(_data(text))
    os.replace(temp, path)


def rename_away_then_create(path: Path, text: str) -> None:
    """Rename the list to a backup, write a new list, delete the backup (vim's backupcopy=no)."""
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_bytes(_data(text))
    backup.unlink()


def truncate_then_write(path: Path, text: str, pause: float = 0.05) -> None:
    """Truncate the list, then write it on the same descriptor ``pause`` seconds later."""
    with path.open("r+b") as handle:
        handle.truncate(0)
        handle.flush()
        os.fsync(handle.fileno())
        time.sleep(pause)  # the editor's own slowness, not a wait for an event
        handle.write(_data(text))


def delete_then_create(path: Path, text: str, pause: float = 0.05) -> None:
    """Delete the list, then create it anew ``pause`` seconds later."""
    path.unlink()
    time.sleep(pause)  # the editor's own slowness
    path.write_bytes(_data(text))


def two_halves(path: Path, text: str) -> None:
    """Write all but the last two entries, pause past the debounce, write the rest (a slow
    editor or a file-sync client): in between, the daemon syncs a list that lacks an entry it
    knows, and takes that item out of the collection; the rest brings it back."""
    cut = text.rfind("\n- [", 0, text.rfind("\n- ["))
    with path.open("wb") as handle:
        handle.write(_data(text[: cut + 1]))
        handle.flush()
        time.sleep(PAUSE)  # the editor's own slowness
        handle.write(_data(text[cut + 1 :]))


def many_rapid_saves(path: Path, text: str) -> None:
    """Twenty saves within a second, in every way above, alternating with the previous text and
    ending with ``text``."""
    previous = path.read_bytes().decode("utf-8")
    ways: list[Callable[[Path, str], None]] = [in_place, temp_then_rename, rename_away_then_create]
    ways += [truncate_then_write, delete_then_create]
    for i in range(20):
        ways[i % len(ways)](path, text if i % 2 else previous)
        time.sleep(0.02)  # a human's key repeat


PATTERNS: list[tuple[str, Callable[[Path, str], None], int]] = [
    # (name, save, the most runs it may cause: one, or two if a busy machine stretches the
    # editor's own pauses past the debounce; those with a pause past it, one more)
    ("in place", in_place, 2),
    ("temp file renamed over the list", temp_then_rename, 2),
    ("renamed away, new file, backup deleted", rename_away_then_create, 2),
    ("truncated, then written", truncate_then_write, 2),
    ("deleted, then created", delete_then_create, 2),
    ("deleted, paused past the debounce, created", lambda p, t: delete_then_create(p, t, PAUSE), 2),
    (
        "truncated, paused past the debounce, written",
        lambda p, t: truncate_then_write(p, t, PAUSE),
        3,
    ),
    ("written in two halves past the debounce", two_halves, 3),
    ("twenty rapid saves", many_rapid_saves, 6),
]
RAPID = PATTERNS[-1][0]  # a run in the middle of the burst may see the text already synced


def _idle(summary: str) -> bool:
    return summary.startswith("0 created, 0 updated in Zotero; file unchanged")


OWN_WRITE_IGNORED = "ignoring events caused by zotmark's own write"


def _settled(daemon: Daemon, seen: int) -> bool:
    """Whether the daemon is done with what happened since its ``seen``-th log event: no run
    in flight, and every run since that wrote the file has had its own write's events settle
    and be ignored (or a run found nothing to do: an own write taken for an edit, which the
    caller reports). The watcher logs the ignoring one debounce after the write's last event,
    so nothing of a save or of the daemon's own writes is still pending then."""
    events = daemon.events()[seen:]
    msgs = [e.get("msg", "") for e in events]
    started = sum(m.startswith("sync run starting") for m in msgs)
    if started != msgs.count("run"):
        return False
    synced = [e["summary"] for e in events if e.get("msg") == "list.synced"]
    if any(_idle(summary) for summary in synced):
        return True
    wrote = sum("file changed" in summary for summary in synced)
    return sum(m.startswith(OWN_WRITE_IGNORED) for m in msgs) >= wrote


def _edit(text: str, tick: int, new: int) -> str:
    """``text`` with entry ``tick``'s box ticked and entry ``new`` appended."""
    old = f"- [ ] **Daemon Study {tick:02d}**"
    assert old in text
    return text.replace(old, f"- [x] **Daemon Study {tick:02d}**") + _entry(new)


def _synced(sandbox: Sandbox, world: World, tick: int, new: int) -> bool:
    """Whether the save reached Zotero and the new entry's anchor reached the file."""
    items = {i["title"]: i for i in in_collection(sandbox).values()}
    ticked = items.get(f"Daemon Study {tick:02d}")
    rows = Listing(world.text()).rows if world.list.exists() else []
    anchored = any(r.title == f"Daemon Study {new:02d}" and r.key for r in rows)
    return bool(
        ticked and "read" in tags(ticked) and f"Daemon Study {new:02d}" in items and anchored
    )


def test_every_save_pattern_reaches_zotero_without_an_own_write_loop(
    world: Make, server: Sandbox
) -> None:
    subject = world(START, debounce=DEBOUNCE)
    daemon = Daemon(subject)
    try:
        daemon.wait_ready()
        daemon.wait(partial(_settled, daemon, 0), "the start run's own write to settle")
        saved = subject.text()
        for number, (name, save, most) in enumerate(PATTERNS):
            seen = len(daemon.events())
            saved = _edit(saved, tick=number, new=FIRST + number)  # the anchors come along
            save(subject.list, saved)
            daemon.wait(partial(_synced, server, subject, number, FIRST + number), name)
            if name == RAPID:  # runs mid-burst: own writes and saves settle together
                daemon.wait_quiet(2.5 * DEBOUNCE)
            else:
                daemon.wait(partial(_settled, daemon, seen), f"{name}: the runs to settle")
            events = daemon.events()[seen:]
            new_runs = [e for e in events if e.get("msg") == "run"]
            assert 1 <= len(new_runs) <= most, f"{name}: {len(new_runs)} runs: {new_runs}"
            assert all(r["reason"] == "file list.md" for r in new_runs), f"{name}: {new_runs}"
            assert new_runs[-1]["ok"] == "true", f"{name}: the last run failed:\n{daemon.text()}"
            # A run caused by zotmark's own write of the anchor would find nothing to do.
            idle = [e for e in events if e.get("msg") == "list.synced" and _idle(e["summary"])]
            assert not idle or name == RAPID, f"{name}: a run with nothing to do: {idle}"
            assert strip_anchors(subject.text()) == strip_anchors(saved), f"{name}: edit lost"
            saved = subject.text()
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert "Traceback" not in daemon.text()
    listing = subject.listing()
    assert len(listing.rows) == FIRST + len(PATTERNS)
    assert_no_duplicates(server, FIRST + len(PATTERNS))
    assert_paired(server, listing)
    assert_idle(subject)


def test_a_save_while_a_run_writes_zotero_keeps_the_users_edit(
    world: Make, server: Sandbox, tripwire: Tripwire
) -> None:
    subject = world(START)
    subject.run_here("sync").ok()
    listing = subject.listing()
    zotero_side = listing.row("Daemon Study 03").key
    assert zotero_side is not None
    server.update_item(zotero_side, {"tags": [{"tag": "read"}]})  # the run writes the file
    ticked = _edit(subject.text(), tick=1, new=20)
    in_place(subject.list, ticked)
    late = ticked.replace("- [ ] **Daemon Study 05**", "- [x] **Daemon Study 05**")
    running = subject.spawn("sync")
    # The user saves again as the run sends its first write (it has read the file by then).
    tripwire.arm_action(
        lambda: in_place(subject.list, late),
        lambda method, _path: method in ("POST", "PATCH", "DELETE"),
    )
    ran = running.wait()
    assert tripwire.fired.is_set(), "the save did not land mid-run"
    ran.ok()
    listing = subject.listing()
    assert listing.row("Daemon Study 05").read, "the save made during the run was lost"
    assert listing.row("Daemon Study 03").read, "the Zotero edit did not reach the file"
    assert listing.row("Daemon Study 01").read
    assert_no_duplicates(server, FIRST + 1)
    assert_paired(server, listing)
    assert_idle(subject)
