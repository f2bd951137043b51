"""One zotmark per state directory: the flock-based StateLock."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from zotmark.errors import LockedError, StateError
from zotmark.state import DaemonLock, StateLock


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock of ``tmp_path`` until it is killed."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from zotmark.state import StateLock
        lock = StateLock(Path({str(tmp_path)!r}))
        lock.acquire()
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "locked\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def test_a_lock_held_by_another_process_is_refused_naming_its_pid(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    """Acquiring while another process holds the lock raises LockedError with that pid."""
    with pytest.raises(LockedError) as caught:
        StateLock(tmp_path).acquire()
    assert caught.value.message.startswith(f"another zotmark (pid {holder.pid}) is running")
    assert str(tmp_path) in caught.value.message


def test_the_os_releases_the_lock_of_a_crashed_process(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    """After the holder is killed (SIGKILL, no cleanup), the lock can be taken."""
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    with StateLock(tmp_path) as lock:
        assert lock.held


def test_a_second_lock_in_another_thread_is_refused(tmp_path: Path) -> None:
    """Two StateLocks on one directory exclude each other, also across threads."""
    errors: list[BaseException] = []

    def try_lock() -> None:
        try:
            StateLock(tmp_path).acquire()
        except LockedError as error:
            errors.append(error)

    with StateLock(tmp_path):
        thread = threading.Thread(target=try_lock)
        thread.start()
        thread.join(timeout=30)
    assert len(errors) == 1
    assert f"pid {os.getpid()}" in str(errors[0])


def test_a_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    """Leaving the ``with`` block releases the lock; the lock file stays."""
    with StateLock(tmp_path):
        pass
    with StateLock(tmp_path) as again:
        assert again.held
    assert again.held is False
    assert (tmp_path / "zotmark.lock").exists()


def test_the_holders_pid_is_written_in_the_lock_file(tmp_path: Path) -> None:
    """The lock file holds the pid of the process holding it."""
    with StateLock(tmp_path / "state") as lock:
        assert lock.path.read_text() == f"{os.getpid()}\n"


def test_release_is_idempotent(tmp_path: Path) -> None:
    """Releasing twice, or without acquiring, does nothing."""
    lock = StateLock(tmp_path)
    lock.release()
    lock.acquire()
    lock.release()
    lock.release()
    assert not lock.held


def test_an_unusable_state_dir_is_a_state_error(tmp_path: Path) -> None:
    """A state directory that cannot be created raises StateError naming it."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(StateError, match=r"cannot open the state directory .*file/state"):
        StateLock(tmp_path / "file" / "state").acquire()


def test_deleting_the_lock_file_does_not_let_a_second_lock_in(tmp_path: Path) -> None:
    """The lock is on the directory: a lock file removed while it is held changes nothing."""
    with StateLock(tmp_path) as first:
        first.path.unlink()
        with pytest.raises(LockedError) as caught:
            StateLock(tmp_path).acquire()
    assert caught.value.message == (
        f"another zotmark is running for state dir {tmp_path}; stop it or wait for it to finish."
    )


def test_deleting_the_lock_file_of_another_process_does_not_let_a_lock_in(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    (tmp_path / "zotmark.lock").unlink()
    with pytest.raises(LockedError, match="another zotmark is running"):
        StateLock(tmp_path).acquire()
    assert not (tmp_path / "zotmark.lock").exists()  # the refused lock created no new file


def test_a_zotmark_that_locks_only_the_lock_file_is_kept_out(tmp_path: Path) -> None:
    """Versions before the directory lock flock only zotmark.lock; they still exclude."""
    fd = os.open(tmp_path / "zotmark.lock", os.O_RDWR | os.O_CREAT)
    try:
        os.write(fd, b"4242\n")
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock = StateLock(tmp_path)
        with pytest.raises(LockedError, match=r"another zotmark \(pid 4242\)"):
            lock.acquire()
        assert not lock.held
    finally:
        os.close(fd)
    with StateLock(tmp_path) as lock:  # the refusal left nothing locked behind
        assert lock.held


def test_a_second_daemon_of_a_list_is_refused_naming_the_list_and_the_pid(
    tmp_path: Path,
) -> None:
    with (
        DaemonLock(tmp_path, ["key-a"]),
        pytest.raises(LockedError) as caught,
        DaemonLock(tmp_path, ["key-b", "key-a"], lambda key: f"file of {key}"),
    ):
        pass
    assert caught.value.message == (
        f"another zotmark daemon (pid {os.getpid()}) already syncs file of key-a; stop it "
        "first, or let it do the work."
    )


def test_daemons_of_different_lists_share_a_state_dir(tmp_path: Path) -> None:
    with DaemonLock(tmp_path, ["key-a"]), DaemonLock(tmp_path, ["key-b"]):
        pass
    with DaemonLock(tmp_path, ["key-a", "key-b"]):  # released on exit
        pass


def test_a_waiting_acquire_takes_the_lock_once_it_is_released(tmp_path: Path) -> None:
    holder = StateLock(tmp_path)
    holder.acquire()
    told: list[str | None] = []

    def sleep(_seconds: float) -> None:
        holder.release()  # the other run finishes while this one waits

    waiting = StateLock(tmp_path, sleep=sleep)
    waiting.acquire(wait=60, on_wait=told.append)
    assert waiting.held
    assert told == [str(os.getpid())]
    waiting.release()


def test_a_waiting_acquire_gives_up_after_its_wait(tmp_path: Path) -> None:
    now = [0.0]
    with StateLock(tmp_path):
        waiting = StateLock(
            tmp_path, sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0]
        )
        with pytest.raises(LockedError):
            waiting.acquire(wait=1.0)
    assert 1.0 <= now[0] < 1.2
