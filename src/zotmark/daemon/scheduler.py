"""Decide *when* a sync run happens: on request, on the poll interval, never two at once.

``RunScheduler`` owns one runner thread that calls the injected ``run(reason)``, and an APScheduler
3.x ``BackgroundScheduler`` with one interval job (the Zotero poll, ``max_instances=1``,
``coalesce=True``) whose only work is to *request* a run. Requests are queued; the runner takes
all queued requests at once, so however many arrive during a run, exactly one follow-up run
serves them (coalesced, single-flight). A poll tick that finds a run in flight is dropped (that
run already checks Zotero), and every finished run restarts the poll interval.

Why not let APScheduler run the sync job itself: with ``max_instances=1`` it *drops* a wake-up
that finds the job running instead of queueing it, and a wake-up issued from a job-finished
listener can be overwritten by the scheduler's own next-run bookkeeping. A plain condition
variable in front of one thread has neither problem. Errors in a run are logged and recorded in
``status()``; they never stop the scheduler. A failure that ends the runner thread itself goes
to ``on_crash`` (:mod:`zotmark.daemon.threads`), never unnoticed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from zotmark.daemon.threads import OnCrash, log_crash, worker
from zotmark.errors import ZotmarkError

__all__ = ["POLL_REASON", "START_REASON", "RunScheduler", "RunStatus"]

logger = logging.getLogger(__name__)

POLL_REASON = "poll"
START_REASON = "start"
_POLL_JOB_ID = "zotmark-poll"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunStatus:
    """A snapshot of the scheduler for the heartbeat and ``zotmark status``.

    ``runs`` counts finished runs (successful or not), ``failures`` those that raised.
    ``last_error`` is ``"<ExceptionType>: <message>"`` of the latest failed run, kept after later
    successes (compare ``last_error_at`` with ``last_success_at``). Times come from the clock.
    """

    running: bool
    runs: int
    failures: int
    last_started_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    next_poll_at: datetime | None


class RunScheduler:
    """Calls ``run(reason)`` every ``poll_seconds`` and on ``request_run``, one run at a time.

    ``reason`` is ``"poll"``, ``"start"``, or the requests' reasons joined with ``"; "`` (each
    once, in arrival order) when several were coalesced into one run. ``run`` executes on the
    scheduler's runner thread and must not call ``shutdown``. ``clock`` only stamps the times in
    ``status()``. ``on_crash(thread_name, error)`` is told when a failure ends the runner thread
    (default: it is logged). All methods are thread-safe.
    """

    def __init__(
        self,
        run: Callable[[str], None],
        poll_seconds: float,
        *,
        clock: Callable[[], datetime] = _utcnow,
        on_crash: OnCrash = log_crash,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        self._run = run
        self._interval = timedelta(seconds=poll_seconds)
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: list[str] = []
        self._running = self._started = self._closing = False
        self._runs = self._failures = 0
        self._last_started_at: datetime | None = None
        self._last_success_at: datetime | None = None
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._runner = worker("zotmark-runs", self._serve, on_crash)

    def start(self, *, run_now: bool = True) -> None:
        """Start the poll; with ``run_now`` the first run (reason ``"start"``) happens at once."""
        with self._cond:
            if self._started or self._closing:
                return
            self._started = True
            if run_now:
                self._pending.append(START_REASON)
        self._scheduler.add_job(
            self._poll_tick,
            IntervalTrigger(seconds=self._interval.total_seconds(), timezone=UTC),
            id=_POLL_JOB_ID,
            name="zotmark poll",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()
        self._runner.start()

    def request_run(self, reason: str) -> None:
        """Ask for a run now; during a run, the request is served by one follow-up run.

        Ignored (logged at debug level) before ``start()`` and after ``shutdown()``.
        """
        with self._cond:
            if not self._started or self._closing:
                logger.debug("run request %r ignored: the scheduler is not running", reason)
                return
            self._pending.append(reason)
            self._cond.notify_all()

    def next_poll_at(self) -> datetime | None:
        """When the poll runs next (UTC), or ``None`` before start / after shutdown."""
        with self._cond:
            if not self._started or self._closing:
                return None
        job = self._scheduler.get_job(_POLL_JOB_ID)
        when: datetime | None = None if job is None else job.next_run_time
        return when

    def status(self) -> RunStatus:
        """The counters and times of the runs so far, and the next poll."""
        next_poll = self.next_poll_at()
        with self._cond:
            return RunStatus(
                running=self._running,
                runs=self._runs,
                failures=self._failures,
                last_started_at=self._last_started_at,
                last_success_at=self._last_success_at,
                last_error=self._last_error,
                last_error_at=self._last_error_at,
                next_poll_at=next_poll,
            )

    def shutdown(self, wait: bool = True) -> None:
        """Stop scheduling; with ``wait``, return only after the run in flight has finished.

        Requests not yet served are dropped. Idempotent.
        """
        with self._cond:
            started, already = self._started, self._closing
            self._closing = True
            dropped, self._pending = self._pending, []
            self._cond.notify_all()
        if not started or already:
            return
        if dropped:
            logger.info("shutting down; %d pending run request(s) dropped", len(dropped))
        self._scheduler.shutdown(wait=wait)
        if wait:
            self._runner.join()

    def _poll_tick(self) -> None:
        """The APScheduler job: request a poll run unless a run is in flight (it polls anyway)."""
        with self._cond:
            if self._running:
                logger.debug("poll skipped: a run is in flight")
                return
        self.request_run(POLL_REASON)

    def _next_reason(self) -> str | None:
        """Block until requests are queued, take them all as one reason; ``None`` on shutdown."""
        with self._cond:
            self._running = False
            self._cond.wait_for(lambda: bool(self._pending) or self._closing)
            if self._closing:
                return None
            reasons = list(dict.fromkeys(self._pending))
            self._pending.clear()
            self._running = True
            return "; ".join(reasons)

    def _serve(self) -> None:
        """The runner thread: one run at a time, each followed by a restart of the poll interval."""
        while (reason := self._next_reason()) is not None:
            self._run_once(reason)
            self._postpone_poll()

    def _postpone_poll(self) -> None:
        """A run just checked Zotero: the next poll is due one interval from now."""
        with contextlib.suppress(JobLookupError):  # the job is gone once shut down
            self._scheduler.modify_job(_POLL_JOB_ID, next_run_time=_utcnow() + self._interval)

    def _run_once(self, reason: str) -> None:
        """Call ``run`` once, record the outcome, never raise."""
        started = self._clock()
        with self._cond:
            self._last_started_at = started
        logger.debug("sync run starting (%s)", reason)
        try:
            self._run(reason)
        except Exception as exc:
            if isinstance(exc, ZotmarkError):
                logger.error("sync run failed (%s): %s", reason, exc)
            else:
                logger.exception("sync run failed (%s) with an unexpected error", reason)
            with self._cond:
                self._runs += 1
                self._failures += 1
                self._last_error = f"{type(exc).__name__}: {exc}"
                self._last_error_at = self._clock()
            return
        with self._cond:
            self._runs += 1
            self._last_success_at = self._clock()
