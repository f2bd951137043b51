"""``zotmark daemon``: keep every configured list in sync until SIGINT/SIGTERM.

Wiring only; the parts live next door (what the daemon needs of them: :mod:`.parts`; how
signals stop it: :mod:`.signals`). One :class:`Daemon` per state directory holds the
:class:`~zotmark.state.StateLock` for its whole life and one session (the store, one Zotero client
per library). A :class:`~zotmark.daemon.watcher.ListWatcher` turns saves of any list into run
requests; the Zotero streaming API (when ``stream_url`` is set) turns ``topicUpdated`` for the
lists' libraries and every (re)subscription into run requests; a
:class:`~zotmark.daemon.scheduler.RunScheduler` runs one sync of all lists at a time (each list
followed by its BibTeX export): on start, on request and every ``poll_seconds``. zotmark's own
file writes are announced to the watcher (by content hash) before they happen, so they trigger
no run. A failing list is logged and recorded and never stops the daemon or the other lists.

A heartbeat (:mod:`zotmark.daemon.heartbeat`) goes into each list's state meta and the log after
every run and on a timer. ``serve`` returns after SIGINT/SIGTERM once the run in flight has
finished (a second Ctrl-C aborts at once). When a failure ends one of the parts' threads (the
watcher's, the scheduler's or the stream listener's), the daemon logs it, stops as on a signal
and ``serve`` raises :class:`~zotmark.errors.DaemonError` (exit 1): a supervisor restarts it,
and it never runs on without the part, looking alive.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zotmark.config import Config, ListSettings
from zotmark.daemon.heartbeat import Beat, heartbeat_meta, stopped_meta, this_machine
from zotmark.daemon.parts import (
    Scheduler,
    SchedulerFactory,
    StreamFactory,
    Watcher,
    WatcherFactory,
    stream_listener,
)
from zotmark.daemon.scheduler import RunScheduler
from zotmark.daemon.signals import stop_on_signals
from zotmark.daemon.watcher import ListWatcher, content_hash
from zotmark.errors import (
    ConfigError,
    ConflictError,
    DaemonError,
    GuardError,
    ListFileError,
    ZotmarkError,
)
from zotmark.markdown.encoding import encode_list
from zotmark.presentation.logs import kv
from zotmark.presentation.render import refusal_lines
from zotmark.state import DaemonLock
from zotmark.state.commit import RunCommit
from zotmark.sync.places import state_dir
from zotmark.sync.report import RunReport
from zotmark.sync.session import ClientFactory, Session, default_client, open_session

__all__ = ["Daemon"]

logger = logging.getLogger("zotmark.daemon")

RUN_LOCK_WAIT = 600.0
"""How long a daemon's run waits for another zotmark's run on the same state directory."""

_HINTS: dict[type[ZotmarkError], str] = {
    ListFileError: "fix the list file (create it if it is missing); the daemon keeps running and "
    "syncs it when it changes and at every poll",
    GuardError: "nothing was changed; check the list, then run `zotmark sync --force-delete` "
    "if the deletions are wanted (the daemon never forces them)",
    ConflictError: "settle the field in the file or in Zotero; the daemon retries on the next "
    "change or poll",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Daemon:
    """The sync service for one configuration (and so one state directory).

    Factories are seams for tests; the defaults are the production parts. ``heartbeat_seconds``
    is the timer heartbeat's period (default: ``poll_seconds``). Use :meth:`serve` (blocks until
    a signal or ``stop_event``), or :meth:`start` and :meth:`stop`. Raises
    :class:`~zotmark.errors.LockedError` when another zotmark holds the state directory.
    ``runs``, ``failures`` and ``last_error`` describe the runs so far (a run is one sync of
    every list; it failed when any list did). ``crash`` is the error a dead part's thread
    stopped the daemon with (``None`` while every part runs).
    """

    def __init__(
        self,
        config: Config,
        *,
        client_factory: ClientFactory = default_client,
        watcher_factory: WatcherFactory = ListWatcher,
        scheduler_factory: SchedulerFactory = RunScheduler,
        stream_factory: StreamFactory = stream_listener,
        clock: Callable[[], datetime] = _utcnow,
        heartbeat_seconds: float | None = None,
    ) -> None:
        self.config = config
        self._client_factory = client_factory
        self._watcher_factory = watcher_factory
        self._scheduler_factory = scheduler_factory
        self._stream_factory = stream_factory
        self._clock = clock
        self._poll = timedelta(seconds=config.daemon.poll_seconds)
        self._heartbeat_seconds = heartbeat_seconds or config.daemon.poll_seconds
        self._stack: ExitStack | None = None
        self._session: Session | None = None
        self._watcher: Watcher | None = None
        self._scheduler: Scheduler | None = None
        self._beat_lock = threading.Lock()
        self._last_beat = float("-inf")
        self.runs = self.failures = 0
        self.last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._refused: dict[str, frozenset[str]] = {}  # per list: the refusals last logged
        self._ran: set[str] = set()  # the lists that had a run that did not fail
        self._machine = this_machine()  # where the heartbeat's pid means something
        self.crash: DaemonError | None = None
        self._wake: threading.Event | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Lock the state dir, open the session, start watching, scheduling and streaming."""
        _check_list_directories(self.config)
        stack = ExitStack()
        try:
            files = {self.config.state_key(s): str(s.file) for s in self.config.lists}
            stack.enter_context(DaemonLock(state_dir(self.config), files, files.__getitem__))
            session = stack.enter_context(
                open_session(self.config, client_factory=self._client_factory)
            )
            session.before_write = self._before_write
            session.keep = True  # each list's runner keeps its state and snapshot between runs
            session.lock_wait = RUN_LOCK_WAIT
            self._session = session
            stack.callback(self._write_stopped)
            self._start_parts(stack)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        logger.info("daemon.started", extra=self._started_fields())

    def _start_parts(self, stack: ExitStack) -> None:
        settings = self.config.daemon
        crashed = self._crashed
        scheduler = self._scheduler_factory(self._run, settings.poll_seconds, on_crash=crashed)
        self._scheduler = scheduler
        stack.callback(scheduler.shutdown, True)
        files = [s.file for s in self.config.lists]
        watcher = self._watcher_factory(
            files, self._file_changed, settings.debounce_seconds, on_crash=crashed
        )
        watcher.start()
        self._watcher = watcher
        stack.callback(watcher.stop)
        scheduler.start(run_now=True)
        url = self.config.zotero.stream_url
        if url:
            key = self.config.api_key().reveal()
            listener = self._stream_factory(
                url, self._stream_update, key, self._stream_connected, on_crash=crashed
            )
            listener.start()
            stack.callback(listener.stop)

    def stop(self) -> None:
        """Stop watching and streaming, finish the run in flight, mark the state stopped,
        release the lock. Idempotent."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()
            logger.info("daemon.stopped", extra=kv(runs=self.runs, failures=self.failures))

    def serve(self, stop_event: threading.Event | None = None) -> None:
        """Run until SIGINT/SIGTERM (or ``stop_event``), beating on the timer; then stop.

        Signal handlers are installed only when called from the main thread. Raises
        :class:`~zotmark.errors.DaemonError` after stopping when a part's thread died.
        """
        stop = stop_event or threading.Event()
        restore = (
            stop_on_signals(stop) if threading.current_thread() is threading.main_thread() else {}
        )
        self._wake = stop
        try:
            self.start()
            while not stop.wait(self._heartbeat_seconds):
                if time.monotonic() - self._last_beat >= self._heartbeat_seconds / 2:
                    scheduler = self._scheduler
                    self._beat(scheduler.next_poll_at() if scheduler else None)
            logger.info("daemon.stopping", extra=kv(pid=os.getpid()))
        finally:
            self._wake = None
            self.stop()
            for signum, handler in restore.items():
                signal.signal(signum, handler)
        if self.crash is not None:
            raise self.crash

    def _crashed(self, thread: str, error: BaseException) -> None:
        """A part's thread died (its ``on_crash``): log one line, stop serving with an error."""
        reason = f"{type(error).__name__}: {error}"
        logger.critical("daemon.part_died", extra=kv(thread=thread, error=reason), exc_info=error)
        if self.crash is None:
            self.crash = DaemonError(
                f"the daemon stopped because its thread {thread} died ({reason}); it does not "
                "run on without it. This is a bug in zotmark or a problem of the machine: the "
                "log holds the traceback. Start the daemon again (under systemd, "
                "Restart=on-failure does it)."
            )
        wake = self._wake
        if wake is not None:
            wake.set()

    # --- events -------------------------------------------------------------------------------

    def _before_write(self, path: Path, text: str) -> None:
        if self._watcher is not None:
            self._watcher.expect_own_write(path, content_hash(encode_list(text, path)))

    def _file_changed(self, path: Path) -> None:
        logger.debug("file.changed", extra=kv(file=path))
        if self._scheduler is not None:
            self._scheduler.request_run(f"file {path.name}")

    def _stream_update(self, topic: str, version: int) -> None:
        ours = self._library_topics()
        if ours is not None and topic not in ours:
            logger.debug("stream.ignored", extra=kv(topic=topic, version=version))
            return
        logger.debug("stream.update", extra=kv(topic=topic, version=version))
        if self._scheduler is not None:
            self._scheduler.request_run("stream")

    def _stream_connected(self) -> None:
        if self._scheduler is not None:
            self._scheduler.request_run("stream connected")

    def _library_topics(self) -> set[str] | None:
        """The stream topics of the lists' libraries (``/users/ID``, ``/groups/ID``); ``None``
        while a user library's id is not known yet (before its first request)."""
        if self._session is None:
            return None
        topics = set()
        for library, client in self._session.clients.items():
            if not client.library_id:
                return None
            kind = "users" if library.library_type == "user" else "groups"
            topics.add(f"/{kind}/{client.library_id}")
        return topics

    # --- runs ---------------------------------------------------------------------------------

    def _run(self, reason: str) -> None:
        """One run of every list (the scheduler's ``run``); never raises."""
        started = time.monotonic()
        errors = [error for s in self.config.lists if (error := self._run_list(s, reason))]
        self.runs += 1
        if errors:
            self.failures += 1
            self.last_error, self._last_error_at = "; ".join(errors), self._clock()
        else:  # a good run: the old error no longer stands (the heartbeat shows none)
            self.last_error, self._last_error_at = None, None
        fields = kv(reason=reason, seconds=round(time.monotonic() - started, 3), ok=not errors)
        logger.info("run", extra=fields)
        self._beat(self._clock() + self._poll)

    def _run_list(self, settings: ListSettings, reason: str) -> str | None:
        """Sync one list (and export its BibTeX); the error (for the heartbeat) if it failed."""
        assert self._session is not None
        fields = {"list": settings.name, "reason": reason}
        try:
            [report] = self._session.sync(settings.name)
        except ZotmarkError as error:
            hint = next((h for kind, h in _HINTS.items() if isinstance(error, kind)), None)
            event = (
                "list.stopped" if isinstance(error, GuardError | ConflictError) else "list.failed"
            )
            kind = type(error).__name__
            logger.error(event, extra=kv(**fields, error=kind, message=error.message, hint=hint))
            return f"{settings.name}: {error.message}"
        except Exception as error:
            logger.exception("list.crashed", extra=kv(**fields))
            return f"{settings.name}: unexpected {type(error).__name__}: {error}"
        changed = bool(report.plan.zotero or report.plan.file)
        logger.log(
            logging.INFO if changed else logging.DEBUG,
            "list.synced",
            extra=kv(**fields, summary=report.summary, version=report.library_version),
        )
        self._log_refusals(settings.name, report)
        if report.created and settings.name not in self._ran:
            self._renew(settings.name)
        self._ran.add(settings.name)
        return None

    def _renew(self, name: str) -> None:
        """After the list's first run created items (a first sync), let its runner go and ask
        for a run that reads the list and the state afresh (one request; it plans, changing
        nothing). The runner kept what it made the items from, and the allocator keeps the
        memory of the run's peak wherever one of those objects stays: a daemon that kept them
        held 256 MB idle at 50,000 entries, one renewed 181 MB (RSS, in process), as one
        restarted does. The run comes once this one's report is gone (kept meanwhile, it
        keeps the new runner's memory apart from the old one's: 246 MB)."""
        assert self._session is not None
        self._session.release(name)
        if self._scheduler is not None:
            self._scheduler.request_run(f"renew {name}")

    def _log_refusals(self, name: str, report: RunReport) -> None:
        """Log the changes Zotero refused, once per set: a poll that finds the same ones
        standing says nothing new (``zotmark status`` lists them)."""
        lines = frozenset(refusal_lines(report))
        if lines != self._refused.get(name, frozenset()):
            for line in sorted(lines):
                logger.warning("list.refused", extra=kv(list=name, refused=line))
        self._refused[name] = lines

    # --- heartbeat ----------------------------------------------------------------------------

    def _beat(self, next_poll: datetime | None) -> None:
        """Write the heartbeat into every list's meta and log it; never raises."""
        beat = Beat(
            self._clock(), os.getpid(), next_poll, self.last_error, self._last_error_at,
            self._machine,
        )  # fmt: skip
        self._write_meta(heartbeat_meta(beat))
        logger.info(
            "heartbeat",
            extra=kv(runs=self.runs, failures=self.failures, next_poll=next_poll,
                     last_error=self.last_error),
        )  # fmt: skip

    def _write_stopped(self) -> None:
        self._write_meta(stopped_meta(self._clock()))

    def _write_meta(self, meta: dict[str, str | None]) -> None:
        session = self._session
        if session is None:
            return
        with self._beat_lock:
            try:
                for settings in self.config.lists:
                    session.store.commit_run(session.key(settings), RunCommit(meta=meta))
            except ZotmarkError as error:
                logger.error("heartbeat.failed", extra=kv(message=error.message))
            self._last_beat = time.monotonic()

    def _started_fields(self) -> dict[str, object]:
        config, settings = self.config, self.config.daemon
        libraries = dict.fromkeys(config.library(s) for s in config.lists)
        return kv(
            pid=os.getpid(),
            config=config.path,
            lists=",".join(s.name for s in config.lists),
            libraries=",".join(f"{kind}:{id_ or 'key'}" for kind, id_ in libraries),
            poll_seconds=settings.poll_seconds,
            debounce_seconds=settings.debounce_seconds,
            streaming="on" if config.zotero.stream_url else "off",
        )


def _check_list_directories(config: Config) -> None:
    """A list whose directory is missing cannot be watched: a configuration error (exit 2,
    which the systemd unit does not restart on). A missing list *file* is no error here: the
    daemon logs it at each run and syncs the file once it appears."""
    for settings in config.lists:
        directory = settings.file.parent
        if not directory.is_dir():
            raise ConfigError(
                f"the directory {directory} of the list {settings.name!r} does not exist (or is "
                f"not a directory), so the daemon cannot watch it: create it, or fix `file` in "
                f"{config.path}, then start the daemon again."
            )
