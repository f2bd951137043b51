"""RunScheduler: runs on request and on the poll, single-flight, coalesced, failure-tolerant."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from zotmark.daemon.scheduler import RunScheduler
from zotmark.errors import ZoteroError

WAIT = 10.0  # upper bound for any asynchronous step; never reached when things work
HOUR = 3600.0  # a poll interval long enough never to fire during a test


class Runs:
    """The ``run`` callable: records reasons; ``hold()`` makes the next run block until released."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.concurrent = 0
        self.max_concurrent = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.fail_with: Exception | None = None
        self._cond = threading.Condition()

    def hold(self) -> None:
        self.started.clear()
        self.release.clear()

    def __call__(self, reason: str) -> None:
        with self._cond:
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        self.started.set()
        assert self.release.wait(WAIT)
        with self._cond:
            self.concurrent -= 1
            self.reasons.append(reason)
            self._cond.notify_all()
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error

    def wait_until(self, predicate: Callable[[list[str]], bool]) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.reasons), timeout=WAIT)
        assert ok, f"condition not met within {WAIT} s; runs so far: {self.reasons}"

    def wait_for_count(self, count: int) -> None:
        self.wait_until(lambda reasons: len(reasons) >= count)


@pytest.fixture
def runs() -> Runs:
    return Runs()


@pytest.fixture
def scheduler(runs: Runs) -> Iterator[RunScheduler]:
    s = RunScheduler(runs, poll_seconds=HOUR)
    yield s
    runs.release.set()
    s.shutdown()


def test_start_runs_once_at_once(scheduler: RunScheduler, runs: Runs) -> None:
    """``start()`` makes a first run with reason ``start`` without waiting for the poll."""
    scheduler.start()
    runs.wait_for_count(1)
    assert runs.reasons == ["start"]


def test_request_run_runs_now(scheduler: RunScheduler, runs: Runs) -> None:
    """A request leads to a run with the request's reason long before the next poll."""
    scheduler.start(run_now=False)
    scheduler.request_run("file changed")
    runs.wait_for_count(1)
    assert runs.reasons == ["file changed"]


def test_requests_during_a_run_coalesce_into_one_follow_up(
    scheduler: RunScheduler, runs: Runs
) -> None:
    """Many requests while a run is in flight cause exactly one follow-up run."""
    scheduler.start(run_now=False)
    runs.hold()
    scheduler.request_run("first")
    assert runs.started.wait(WAIT)
    for reason in ["a", "b", "a", "c", "b"]:
        scheduler.request_run(reason)
    runs.release.set()
    runs.wait_for_count(2)
    scheduler.request_run("probe")
    runs.wait_for_count(3)
    assert runs.reasons == ["first", "a; b; c", "probe"]
    assert runs.max_concurrent == 1


def test_no_request_is_lost_under_concurrent_requests(scheduler: RunScheduler, runs: Runs) -> None:
    """Requests from several threads racing with runs' ends are all served, one run at a time."""
    scheduler.start(run_now=False)
    expected = {f"t{t}-{n}" for t in range(4) for n in range(50)}

    def requester(t: int) -> None:
        for n in range(50):
            scheduler.request_run(f"t{t}-{n}")

    threads = [threading.Thread(target=requester, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)

    def served(reasons: list[str]) -> bool:
        return expected <= {r for reason in reasons for r in reason.split("; ")}

    runs.wait_until(served)
    assert runs.max_concurrent == 1


def test_failing_run_does_not_stop_later_runs(scheduler: RunScheduler, runs: Runs) -> None:
    """A run that raises is recorded as a failure and the next request still runs."""
    runs.fail_with = ZoteroError("The Zotero server answered 500.")
    scheduler.start()
    runs.wait_for_count(1)
    scheduler.request_run("again")
    runs.wait_for_count(2)
    status = scheduler.status()
    assert (status.runs, status.failures) == (2, 1)
    assert status.last_error == "ZoteroError: The Zotero server answered 500."


def test_unexpected_exception_does_not_stop_later_runs(scheduler: RunScheduler, runs: Runs) -> None:
    """Even a non-zotmark exception in a run leaves the scheduler working."""
    runs.fail_with = KeyError("bug")
    scheduler.start()
    runs.wait_for_count(1)
    scheduler.request_run("again")
    runs.wait_for_count(2)
    assert scheduler.status().failures == 1


def test_poll_runs_every_poll_seconds(runs: Runs) -> None:
    """Without requests, the poll job runs repeatedly with reason ``poll``."""
    scheduler = RunScheduler(runs, poll_seconds=0.05)
    scheduler.start(run_now=False)
    try:
        runs.wait_for_count(3)
    finally:
        scheduler.shutdown()
    assert set(runs.reasons) == {"poll"}


def test_shutdown_waits_for_the_run_in_flight(scheduler: RunScheduler, runs: Runs) -> None:
    """``shutdown(wait=True)`` returns only after the running run has finished."""
    runs.hold()
    scheduler.start()
    assert runs.started.wait(WAIT)
    stopper = threading.Thread(target=scheduler.shutdown)
    stopper.start()
    stopper.join(0.2)
    assert stopper.is_alive(), "shutdown returned while a run was still in flight"
    runs.release.set()
    stopper.join(WAIT)
    assert not stopper.is_alive()
    assert runs.reasons == ["start"]


def test_no_follow_up_run_after_shutdown(scheduler: RunScheduler, runs: Runs) -> None:
    """A request pending when shutdown begins is dropped, not run."""
    runs.hold()
    scheduler.start()
    assert runs.started.wait(WAIT)
    scheduler.request_run("late")
    stopper = threading.Thread(target=scheduler.shutdown)
    stopper.start()
    stopper.join(0.2)
    runs.release.set()
    stopper.join(WAIT)
    assert runs.reasons == ["start"]


def test_next_poll_at_is_one_interval_ahead(scheduler: RunScheduler) -> None:
    """Started without a run, the next poll is ``poll_seconds`` ahead; none after shutdown."""
    before = datetime.now(UTC)
    scheduler.start(run_now=False)
    after = datetime.now(UTC)
    next_poll = scheduler.next_poll_at()
    assert next_poll is not None
    assert before + timedelta(seconds=HOUR) <= next_poll <= after + timedelta(seconds=HOUR)
    scheduler.shutdown()
    assert scheduler.next_poll_at() is None


def test_a_run_restarts_the_poll_interval(scheduler: RunScheduler, runs: Runs) -> None:
    """After a requested run, the next poll is one interval after that run, not the earlier one."""
    scheduler.start(run_now=False)
    first_poll = scheduler.next_poll_at()
    assert first_poll is not None
    requested_at = datetime.now(UTC)
    scheduler.request_run("saved")
    runs.wait_for_count(1)
    scheduler.request_run("saved again")  # served only after the first run's bookkeeping
    runs.wait_for_count(2)
    next_poll = scheduler.next_poll_at()
    assert next_poll is not None
    assert next_poll > first_poll
    assert next_poll >= requested_at + timedelta(seconds=HOUR)


def test_status_times_come_from_the_clock(runs: Runs) -> None:
    """The times in ``status()`` are the injected clock's."""
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    scheduler = RunScheduler(runs, poll_seconds=HOUR, clock=lambda: moment)
    scheduler.start()
    runs.wait_for_count(1)
    scheduler.shutdown()
    status = scheduler.status()
    assert (status.last_started_at, status.last_success_at) == (moment, moment)
    assert status.last_error is None and not status.running


def test_shutdown_leaves_no_threads(runs: Runs) -> None:
    """After ``shutdown()`` the scheduler's own and its workers' threads are gone."""
    before = set(threading.enumerate())
    scheduler = RunScheduler(runs, poll_seconds=HOUR)
    scheduler.start()
    runs.wait_for_count(1)
    scheduler.shutdown()
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


class Fatal(BaseException):
    """A failure a run does not catch (as ``Exception`` handlers do not), ending the runner."""


def test_a_failure_that_ends_the_runner_thread_goes_to_on_crash() -> None:
    crashes: list[tuple[str, BaseException]] = []
    crashed = threading.Event()

    def run(reason: str) -> None:
        raise Fatal("the runner cannot go on")

    def on_crash(name: str, error: BaseException) -> None:
        crashes.append((name, error))
        crashed.set()

    scheduler = RunScheduler(run, poll_seconds=HOUR, on_crash=on_crash)
    scheduler.start()
    try:
        assert crashed.wait(WAIT)
    finally:
        scheduler.shutdown()
    [(name, error)] = crashes
    assert name == "zotmark-runs" and isinstance(error, Fatal)
