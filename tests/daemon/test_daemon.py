"""Daemon wiring in-process: runs, heartbeat, errors, own writes, stream topics, lock, stop."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from zotmark.config import Config, load_config
from zotmark.daemon import watcher as watcher_module
from zotmark.daemon.daemon import Daemon
from zotmark.daemon.heartbeat import this_machine
from zotmark.daemon.threads import OnCrash
from zotmark.daemon.watcher import content_hash
from zotmark.errors import DaemonError, ExitCode, LockedError
from zotmark.sandbox import Sandbox
from zotmark.state import SqliteStateStore
from zotmark.zotero.client import RetryPolicy, ZoteroClient

WAIT = 10.0
LIST = "".join(
    f"- [ ] **Paper number {n}** ([Link](https://arxiv.org/abs/2101.0000{n}))\n"
    for n in range(1, 6)
)


class FakeScheduler:
    """Runs nothing by itself; the test calls ``run`` and sees the requests."""

    def __init__(self, run: Callable[[str], None], poll_seconds: float, on_crash: OnCrash) -> None:
        self.run = run
        self.poll_seconds = poll_seconds
        self.on_crash = on_crash
        self.requests: list[str] = []
        self.shut_down = False

    def start(self, *, run_now: bool = True) -> None:
        pass

    def request_run(self, reason: str) -> None:
        self.requests.append(reason)

    def next_poll_at(self) -> None:
        return None

    def shutdown(self, wait: bool = True) -> None:
        self.shut_down = True


class FakeWatcher:
    def __init__(
        self,
        paths: Sequence[Path],
        on_change: Callable[[Path], None],
        debounce: float,
        on_crash: OnCrash,
    ) -> None:
        self.paths = list(paths)
        self.on_change = on_change
        self.on_crash = on_crash
        self.expected: list[tuple[Path, str]] = []
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def expect_own_write(self, path: Path, hash_: str) -> None:
        self.expected.append((path, hash_))


class FakeStream:
    def __init__(
        self,
        url: str,
        on_update: Callable[[str, int], None],
        api_key: str,
        on_connected: Callable[[], None],
        *,
        on_crash: OnCrash,
    ) -> None:
        self.on_update = on_update
        self.on_connected = on_connected
        self.on_crash = on_crash
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self, timeout: float | None = 5.0) -> bool:
        self.stopped = True
        return True


class Parts:
    """The fakes a daemon was built with (filled in by the factories)."""

    scheduler: FakeScheduler
    watcher: FakeWatcher
    stream: FakeStream | None = None


@pytest.fixture
def config_for(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Config]:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    (tmp_path / "list.md").write_text(LIST, encoding="utf-8")

    def make(stream: bool = False, group_list: bool = False, extra: str = "") -> Config:
        path = tmp_path / "zotmark.toml"
        group = (
            f'[[lists]]\nname = "lab"\nfile = "list.md"\ncollection = "Lab"\nenrich = false\n'
            f'library_type = "group"\nlibrary_id = "{sandbox.group_id}"\n'
        )
        path.write_text(
            f'[zotero]\nlibrary_id = "{sandbox.user_id}"\nbase_url = "{sandbox.url}"\n'
            f'stream_url = "{sandbox.stream_url if stream else ""}"\n'
            f'[state]\ndir = "state"\n[[lists]]\nname = "papers"\nfile = "list.md"\n'
            f'collection = "Reading List"\nenrich = false\n{extra}{group if group_list else ""}'
        )
        path.chmod(0o600)
        return load_config(path)

    return make


def _no_retries(config: Config) -> ZoteroClient:
    zotero = config.zotero
    return ZoteroClient(
        zotero.library_type,
        zotero.library_id,
        config.api_key().reveal(),
        zotero.base_url,
        retry=RetryPolicy(max_retries=0, connect_retries=0),
    )


@pytest.fixture
def build(config_for: Callable[..., Config]) -> Iterator[Callable[..., tuple[Daemon, Parts]]]:
    daemons: list[Daemon] = []

    def make(
        stream: bool = False,
        group_list: bool = False,
        extra: str = "",
        client_factory: Callable[[Config], ZoteroClient] = _no_retries,
        **options: Any,
    ) -> tuple[Daemon, Parts]:
        parts = Parts()

        def scheduler(
            run: Callable[[str], None], poll: float, *, on_crash: OnCrash
        ) -> FakeScheduler:
            parts.scheduler = FakeScheduler(run, poll, on_crash)
            return parts.scheduler

        def watcher(
            paths: Sequence[Path], on_change: Any, debounce: float, *, on_crash: OnCrash
        ) -> FakeWatcher:
            parts.watcher = FakeWatcher(paths, on_change, debounce, on_crash)
            return parts.watcher

        def streamer(*args: Any, on_crash: OnCrash) -> FakeStream:
            parts.stream = FakeStream(*args, on_crash=on_crash)
            return parts.stream

        daemon = Daemon(
            config_for(stream, group_list, extra),
            client_factory=client_factory,
            scheduler_factory=scheduler,
            watcher_factory=watcher,
            stream_factory=streamer,
            **options,
        )
        daemons.append(daemon)
        return daemon, parts

    yield make
    for daemon in daemons:
        daemon.stop()


def _meta(config: Config) -> dict[str, str]:
    with SqliteStateStore.in_dir(config.state.dir) as store:
        meta = store.load(config.state_key(config.lists[0])).meta
    return {k.removeprefix("daemon."): v for k, v in meta.items() if k.startswith("daemon.")}


def test_a_run_writes_a_running_heartbeat_with_pid_and_next_poll(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")
    meta = _meta(daemon.config)
    assert meta["state"] == "running"
    assert meta["pid"] == str(os.getpid())
    assert meta["heartbeat"] and meta["next_poll"] > meta["heartbeat"]
    assert meta["last_error"] == ""


def test_stopping_marks_the_state_stopped_and_drops_the_pid(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")
    daemon.stop()
    meta = _meta(daemon.config)
    assert meta["state"] == "stopped" and "pid" not in meta
    assert parts.scheduler.shut_down and not parts.watcher.running


def test_a_run_exports_the_lists_bibtex(build: Any) -> None:
    daemon, parts = build(extra='bibtex = "list.bib"\n')
    daemon.start()
    parts.scheduler.run("start")
    bib = daemon.config.lists[0].bibtex
    assert bib is not None and bib.read_text().count("@") == 5


def test_a_failing_run_is_recorded_and_the_next_run_still_happens(
    build: Any, sandbox: Sandbox
) -> None:
    daemon, parts = build()
    daemon.start()
    sandbox.add_faults("503,times=1")
    parts.scheduler.run("poll")
    assert daemon.failures == 1 and "papers" in (daemon.last_error or "")
    assert _meta(daemon.config)["last_error"] == daemon.last_error
    parts.scheduler.run("poll")
    assert (daemon.runs, daemon.failures) == (2, 1)
    assert len(sandbox.items()) == 5


def test_a_good_run_clears_the_error_of_an_earlier_one(build: Any, sandbox: Sandbox) -> None:
    """The heartbeat no longer carries an error a later run got past (it kept the first)."""
    daemon, parts = build()
    daemon.start()
    sandbox.add_faults("503,times=1")
    parts.scheduler.run("poll")
    assert _meta(daemon.config)["last_error"]
    parts.scheduler.run("poll")
    assert daemon.last_error is None
    assert (_meta(daemon.config)["last_error"], _meta(daemon.config)["last_error_at"]) == ("", "")


def test_the_heartbeat_says_on_which_machine_its_pid_runs(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")
    meta = _meta(daemon.config)
    assert (meta["host"], meta["boot"], meta["pidns"]) == this_machine()


def test_an_unreachable_server_fails_each_run_within_seconds_and_the_daemon_goes_on(
    build: Any,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    slept: list[float] = []

    def unreachable(config: Config) -> ZoteroClient:
        zotero = config.zotero
        key = config.api_key().reveal()
        return ZoteroClient(zotero.library_type, zotero.library_id, key, url, sleep=slept.append)

    daemon, parts = build(client_factory=unreachable)
    daemon.start()
    for _ in range(3):
        parts.scheduler.run("poll")
    assert (daemon.runs, daemon.failures) == (3, 3)
    assert f"Could not connect to the Zotero server at {url}" in (daemon.last_error or "")
    assert _meta(daemon.config)["last_error"] == daemon.last_error
    assert len(slept) <= 3 * 2 and sum(slept) <= 3 * 3.0  # each run: a retry or two, quick


def test_a_guard_stop_is_logged_with_a_hint_and_changes_nothing(
    build: Any, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")
    listfile = daemon.config.lists[0].file
    listfile.write_text(listfile.read_text().splitlines(keepends=True)[0], encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="zotmark.daemon"):
        parts.scheduler.run("file list.md")
    [record] = [r for r in caplog.records if r.getMessage() == "list.stopped"]
    fields = record.kv  # type: ignore[attr-defined]
    assert fields["error"] == "GuardError" and "--force-delete" in fields["hint"]
    assert sum(1 for item in sandbox.items().values() if item["collections"]) == 5


def test_its_own_file_write_is_announced_with_the_hash_of_the_bytes_written(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")  # the first run anchors every entry
    listfile = daemon.config.lists[0].file
    assert parts.watcher.expected == [(listfile, content_hash(listfile.read_bytes()))]


def test_a_first_run_that_created_items_asks_for_a_run_of_a_renewed_runner(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")  # creates the 5 items
    assert parts.scheduler.requests == ["renew papers"]


def test_the_renewal_run_changes_nothing_and_sends_one_request(
    build: Any, sandbox: Sandbox
) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")
    listfile = daemon.config.lists[0].file
    synced = listfile.read_text(encoding="utf-8")
    sandbox.reset_stats()
    parts.scheduler.run("renew papers")
    assert sandbox.request_count == 1 and daemon.failures == 0
    assert listfile.read_text(encoding="utf-8") == synced


def test_a_later_run_that_creates_items_keeps_its_runner(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.scheduler.run("start")
    parts.scheduler.run("renew papers")
    listfile = daemon.config.lists[0].file
    with listfile.open("a", encoding="utf-8") as handle:
        handle.write("- [ ] **Paper number 6** ([Link](https://arxiv.org/abs/2101.00006))\n")
    parts.scheduler.run("file list.md")  # creates the sixth item
    assert listfile.read_text(encoding="utf-8").count("<!-- zotero:") == 6
    assert parts.scheduler.requests == ["renew papers"]


def test_a_file_change_requests_a_run(build: Any) -> None:
    daemon, parts = build()
    daemon.start()
    parts.watcher.on_change(daemon.config.lists[0].file)
    assert parts.scheduler.requests == ["file list.md"]


def test_a_stream_update_of_our_library_requests_a_run(build: Any, sandbox: Sandbox) -> None:
    daemon, parts = build(stream=True)
    daemon.start()
    assert parts.stream is not None and parts.stream.started
    parts.stream.on_update(f"/users/{sandbox.user_id}", 7)
    parts.stream.on_update(f"/groups/{sandbox.group_id}", 8)  # another library: ignored
    parts.stream.on_connected()
    assert parts.scheduler.requests == ["stream", "stream connected"]


def test_a_stream_update_of_a_group_a_list_lives_in_requests_a_run(
    build: Any, sandbox: Sandbox
) -> None:
    daemon, parts = build(stream=True, group_list=True)
    daemon.start()
    assert parts.stream is not None
    parts.stream.on_update(f"/groups/{sandbox.group_id}", 8)
    parts.stream.on_update("/groups/999", 9)  # a group no list lives in: ignored
    assert parts.scheduler.requests == ["stream"]


def test_without_a_stream_url_no_listener_is_started(build: Any) -> None:
    daemon, parts = build(stream=False)
    daemon.start()
    assert parts.stream is None


def test_a_second_daemon_for_the_same_state_dir_is_refused(build: Any) -> None:
    first, _ = build()
    first.start()
    second, _ = build()
    with pytest.raises(LockedError, match=str(os.getpid())):
        second.start()


def test_serve_beats_on_the_timer_and_returns_when_asked_to_stop(build: Any) -> None:
    daemon, _ = build(heartbeat_seconds=0.05)
    stop = threading.Event()
    server = threading.Thread(target=daemon.serve, args=(stop,))
    server.start()
    deadline = time.monotonic() + WAIT
    while _state_of(daemon) != "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _state_of(daemon) == "running"  # written by the timer: the fake scheduler never runs
    stop.set()
    server.join(WAIT)
    assert not server.is_alive() and _state_of(daemon) == "stopped"


def _state_of(daemon: Daemon) -> str | None:
    path = Path(daemon.config.state.dir)
    if not (path / "state.sqlite3").exists():
        return None
    return _meta(daemon.config).get("state")


class Serving:
    """``daemon.serve`` on a helper thread; ``outcome`` is what it raised (``None``: returned)."""

    def __init__(self, daemon: Daemon) -> None:
        self.stop = threading.Event()
        self.outcome: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, args=(daemon,), daemon=True)
        self.thread.start()

    def _serve(self, daemon: Daemon) -> None:
        try:
            daemon.serve(self.stop)
        except BaseException as error:  # handed to the test thread
            self.outcome = error

    def ended(self) -> bool:
        """Whether serve ended within ``WAIT`` seconds (if not, it is asked to stop)."""
        self.thread.join(WAIT)
        if self.thread.is_alive():
            self.stop.set()
            self.thread.join(WAIT)
            return False
        return True


class Started(logging.Handler):
    """Set once the daemon logged ``daemon.started`` (its parts are running)."""

    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "daemon.started":
            self.event.set()


@pytest.fixture
def started() -> Iterator[threading.Event]:
    handler = Started()
    daemon_logger = logging.getLogger("zotmark.daemon")
    level = daemon_logger.level
    daemon_logger.setLevel(logging.INFO)
    daemon_logger.addHandler(handler)
    yield handler.event
    daemon_logger.removeHandler(handler)
    daemon_logger.setLevel(level)


@pytest.mark.parametrize("part", ["watcher", "scheduler", "stream"])
def test_a_part_whose_thread_dies_stops_the_daemon_with_an_error(
    build: Any, part: str, caplog: pytest.LogCaptureFixture, started: threading.Event
) -> None:
    daemon, parts = build(stream=True)
    serving = Serving(daemon)
    assert started.wait(WAIT)
    getattr(parts, part).on_crash("zotmark-x", RuntimeError("injected"))
    assert serving.ended(), "serve kept running after a part's thread died"
    assert isinstance(serving.outcome, DaemonError)
    assert serving.outcome.exit_code == ExitCode.ERROR
    assert "its thread zotmark-x died (RuntimeError: injected)" in serving.outcome.message
    assert [r.getMessage() for r in caplog.records].count("daemon.part_died") == 1
    assert _state_of(daemon) == "stopped" and not parts.watcher.running


def test_a_watcher_thread_that_dies_stops_the_daemon_instead_of_leaving_it_deaf(
    config_for: Callable[..., Config],
    monkeypatch: pytest.MonkeyPatch,
    started: threading.Event,
) -> None:
    """The real watcher's debounce thread fails on a save: the daemon must not go on without
    it, looking alive while saves no longer sync."""

    def broken(path: Path) -> str | None:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(watcher_module, "_hash_file", broken)
    config = config_for()
    serving = Serving(Daemon(config, client_factory=_no_retries))
    assert started.wait(WAIT)
    config.lists[0].file.write_text(LIST + "- [ ] **One more**\n", encoding="utf-8")
    assert serving.ended(), "serve kept running after the watcher's thread died"
    assert isinstance(serving.outcome, DaemonError)
    assert "zotmark-debounce died (RuntimeError: injected failure)" in serving.outcome.message
