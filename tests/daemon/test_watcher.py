"""ListWatcher on real files: saves are reported once they settle, zotmark's own writes are not."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zotmark.daemon import watcher as watcher_module
from zotmark.daemon.watcher import ListWatcher, content_hash
from zotmark.errors import ListFileError

WAIT = 10.0  # upper bound for any asynchronous delivery; never reached when things work


class Calls:
    """Records ``on_change`` calls; ``wait_for`` blocks (bounded) until a path was reported."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self._cond = threading.Condition()

    def __call__(self, path: Path) -> None:
        with self._cond:
            self.paths.append(path)
            self._cond.notify_all()

    def wait_for(self, path: Path, count: int = 1) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: self.paths.count(path) >= count, timeout=WAIT)
        assert ok, f"{path} not reported {count} time(s) within {WAIT} s; got {self.paths}"


@pytest.fixture
def lists(tmp_path: Path) -> tuple[Path, Path]:
    """Two list files in one directory; the second serves as a sentinel for event ordering."""
    first, sentinel = tmp_path / "reading-list.md", tmp_path / "sentinel.md"
    first.write_text("- [ ] one\n")
    sentinel.write_text("- [ ] sentinel\n")
    return first.resolve(), sentinel.resolve()


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def watcher(lists: tuple[Path, Path], calls: Calls) -> Iterator[ListWatcher]:
    w = ListWatcher(list(lists), calls, debounce_seconds=0.2)
    w.start()
    yield w
    w.stop()


def atomic_save(path: Path, data: bytes) -> None:
    """Save like an editor: write a temp file beside the target, then rename it over the target."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def flush(sentinel: Path, calls: Calls) -> None:
    """Touch the sentinel and wait for it: every earlier event has settled by then."""
    sentinel.write_text(f"- [ ] sentinel {time.monotonic_ns()}\n")
    calls.wait_for(sentinel)


def test_plain_write_is_reported(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls
) -> None:
    """Writing the list in place leads to one call with the list's resolved path."""
    path, _ = lists
    path.write_text("- [x] one\n")
    calls.wait_for(path)
    assert calls.paths == [path]


def test_atomic_rename_save_is_reported(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls
) -> None:
    """A temp-file-then-rename save (a moved event onto the list) is reported."""
    path, _ = lists
    atomic_save(path, b"- [x] one\n")
    calls.wait_for(path)
    assert calls.paths == [path]


def test_burst_of_twenty_saves_gives_at_most_two_calls(
    lists: tuple[Path, Path], calls: Calls
) -> None:
    """Twenty saves within about a second are debounced into one call (two at most)."""
    path, sentinel = lists
    with ListWatcher(list(lists), calls, debounce_seconds=0.5):
        for n in range(20):
            if n % 2:
                atomic_save(path, f"- [ ] save {n}\n".encode())
            else:
                path.write_text(f"- [ ] save {n}\n")
            time.sleep(0.04)  # spreads the burst over ~0.8 s, as a user mashing save would
        flush(sentinel, calls)
    assert 1 <= calls.paths.count(path) <= 2


def test_own_write_is_not_reported(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls
) -> None:
    """Events from a write whose content hash zotmark declared do not lead to a call."""
    path, sentinel = lists
    data = b"- [x] one <!-- zotero:ABCD2345 -->\n"
    watcher.expect_own_write(path, content_hash(data))
    atomic_save(path, data)
    flush(sentinel, calls)
    assert path not in calls.paths


def test_user_save_after_own_write_is_reported(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls
) -> None:
    """Once the file holds content zotmark did not write, the change is reported."""
    path, sentinel = lists
    data = b"- [x] one\n"
    watcher.expect_own_write(path, content_hash(data))
    atomic_save(path, data)
    flush(sentinel, calls)
    path.write_text("- [x] one, edited by the user\n")
    calls.wait_for(path)
    assert calls.paths.count(path) == 1


def test_other_files_in_the_directory_are_ignored(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls, tmp_path: Path
) -> None:
    """Files beside the list (notes, editor swap files) never lead to a call."""
    _, sentinel = lists
    (tmp_path / "notes.txt").write_text("unrelated\n")
    atomic_save(tmp_path / "other.md", b"- [ ] other\n")
    flush(sentinel, calls)
    assert calls.paths == [sentinel]


def test_deleted_list_is_not_reported(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls
) -> None:
    """A list that is missing when its events settle is not reported (its re-creation will be)."""
    path, sentinel = lists
    path.unlink()
    flush(sentinel, calls)
    assert path not in calls.paths


def test_a_list_replaced_by_a_fifo_is_reported_without_being_read(
    watcher: ListWatcher, lists: tuple[Path, Path], calls: Calls
) -> None:
    """A FIFO in the list's place is never opened for a blocking read: the change is reported,
    and the run it starts says what is wrong with the file."""
    path, _ = lists
    path.unlink()
    os.mkfifo(path)
    calls.wait_for(path)


def test_failing_callback_does_not_stop_the_watcher(lists: tuple[Path, Path]) -> None:
    """An exception from ``on_change`` is logged and later changes are still reported."""
    path, _ = lists
    calls = Calls()
    failures = iter([True])

    def on_change(changed: Path) -> None:
        calls(changed)
        if next(failures, False):
            raise RuntimeError("boom")

    with ListWatcher([path], on_change, debounce_seconds=0.05):
        path.write_text("- [x] first\n")
        calls.wait_for(path)
        path.write_text("- [x] second\n")
        calls.wait_for(path, count=2)


def test_a_failure_that_ends_the_debounce_thread_goes_to_on_crash(
    lists: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not an ``on_change`` error (those are logged): a failure of the watcher itself, which
    would leave it deaf to every later save."""
    path, _ = lists
    crashes: list[tuple[str, BaseException]] = []
    crashed = threading.Event()

    def on_crash(name: str, error: BaseException) -> None:
        crashes.append((name, error))
        crashed.set()

    def broken(changed: Path) -> str | None:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(watcher_module, "_hash_file", broken)
    with ListWatcher([path], print, debounce_seconds=0.05, on_crash=on_crash):
        path.write_text("- [x] one\n")
        assert crashed.wait(WAIT)
    [(name, error)] = crashes
    assert name == "zotmark-debounce" and str(error) == "injected failure"


def test_a_debounce_longer_than_a_thread_can_wait_is_refused(lists: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="debounce_seconds must be from 0 to"):
        ListWatcher(list(lists), print, debounce_seconds=1e300)


def test_watches_the_parent_directory_with_a_file_filter(lists: tuple[Path, Path]) -> None:
    """The observer is scheduled on the list's directory (once), not on the list file itself."""
    scheduled: list[str] = []

    class RecordingObserver:
        def schedule(self, handler: Any, path: str, **kwargs: Any) -> None:
            scheduled.append(path)

        def start(self) -> None: ...
        def stop(self) -> None: ...
        def join(self) -> None: ...

    watcher = ListWatcher(list(lists), print, 0.1, observer_factory=RecordingObserver)  # type: ignore[arg-type]
    with watcher:
        pass
    assert scheduled == [str(lists[0].parent)]


def test_missing_directory_is_a_list_file_error(tmp_path: Path) -> None:
    """Watching a list whose directory does not exist fails with ListFileError."""
    watcher = ListWatcher([tmp_path / "nowhere" / "list.md"], print, 0.1)
    with pytest.raises(ListFileError, match="nowhere"):
        watcher.start()
    watcher.stop()


def test_stop_ends_the_watcher_threads(lists: tuple[Path, Path], calls: Calls) -> None:
    """After ``stop()`` no debounce or observer thread of the watcher is left running."""
    before = set(threading.enumerate())
    watcher = ListWatcher(list(lists), calls, debounce_seconds=0.1)
    watcher.start()
    watcher.stop()
    watcher.stop()  # idempotent
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []
