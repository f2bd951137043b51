"""Worker threads hand a failure that would end them to ``on_crash``; they never die unnoticed."""

from __future__ import annotations

import logging
import threading

import pytest

from zotmark.daemon.threads import guarded, worker

WAIT = 10.0  # upper bound for a thread to end; never reached when things work


class Crashes:
    """An ``on_crash`` that records its calls; ``wait`` blocks (bounded) until the first."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, BaseException]] = []
        self.called = threading.Event()

    def __call__(self, name: str, error: BaseException) -> None:
        self.calls.append((name, error))
        self.called.set()


def test_an_exception_that_ends_a_worker_goes_to_on_crash_with_its_name() -> None:
    crashes, error = Crashes(), OverflowError("timestamp too large")

    def work() -> None:
        raise error

    thread = worker("zotmark-test", work, crashes)
    thread.start()
    thread.join(WAIT)
    assert crashes.calls == [("zotmark-test", error)]
    assert thread.name == "zotmark-test" and thread.daemon


def test_a_worker_whose_work_returns_reports_nothing() -> None:
    crashes = Crashes()
    thread = worker("zotmark-test", lambda: None, crashes)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive() and crashes.calls == []


def test_a_guarded_call_passes_its_arguments_through() -> None:
    seen: list[tuple[int, str]] = []
    guarded("zotmark-test", lambda n, word: seen.append((n, word)), Crashes())(1, word="one")
    assert seen == [(1, "one")]


def test_an_on_crash_that_fails_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def boom() -> None:
        raise RuntimeError("the work failed")

    def failing(name: str, error: BaseException) -> None:
        raise ValueError("the handler failed too")

    with caplog.at_level(logging.CRITICAL, logger="zotmark.daemon.threads"):
        guarded("zotmark-test", boom, failing)()
    [record] = caplog.records
    assert "zotmark-test (its crash handler) died: ValueError" in record.getMessage()
