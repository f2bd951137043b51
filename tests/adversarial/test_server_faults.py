"""A real ``zotmark sync`` against a server in trouble: rate limits, outages, ``Backoff``,
answers dropped after the write was applied, a concurrent writer, and garbage answers.

Passing trouble is waited out and retried (exit 0, nothing duplicated). Lasting trouble and
garbage end the run (a real process) with exit 1 and one paragraph on stderr naming the server;
the next run against a sound server then finishes the job with nothing created twice.
"""

from __future__ import annotations

import pytest
from tests.adversarial.helpers import Tripwire, assert_idle
from tests.adversarial.scenarios import SCENARIOS, Make
from tests.helpers import FakeTime

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]


def _waited_after(
    tripwire: Tripwire, waits: list[tuple[int, float]], method: str, path: str
) -> float:
    """Seconds the client slept between the first ``method`` request whose path holds ``path``
    and the next request (``waits``: each sleep with the number of requests that had arrived)."""
    arrivals = tripwire.arrivals
    at = next(i for i, (_, m, p) in enumerate(arrivals) if m == method and path in p)
    assert at + 1 < len(arrivals), "no request after the faulted one"
    return sum(seconds for arrived, seconds in waits if arrived == at + 1)


TRANSIENT = [
    # (id, scenario, fault spec, (method, path, seconds) the request after that one waits for)
    ("429-retry-after-1s", "first17", "429=1,method=POST,path=/items", ("POST", "/items", 1.0)),
    ("429-twice-on-batch-2", "first120", "429=0,times=2,after=1,method=POST,path=/items", None),
    ("503-twice-at-the-start", "first17", "503=0,times=2", None),
    ("backoff-1s", "first17", "backoff=1,method=GET,path=/collections", ("GET", "/collect", 1.0)),
    ("create-answer-dropped", "first17", "drop,method=POST,path=/items", None),
    ("collection-answer-dropped", "first17", "drop,method=POST,path=/collections", None),
    ("update-answer-dropped", "mixed17", "drop,after=1,method=POST,path=/items", None),
    ("concurrent-writer-at-create", "first17", "concurrent,method=POST,path=/items", None),
    ("concurrent-writer-at-update", "mixed17", "concurrent,after=1,method=POST,path=/items", None),
]


@pytest.mark.parametrize(
    ("name", "spec", "waits"), [t[1:] for t in TRANSIENT], ids=[t[0] for t in TRANSIENT]
)
def test_passing_trouble_is_waited_out_and_nothing_is_duplicated(
    world: Make,
    server: Sandbox,
    tripwire: Tripwire,
    zotero_time: FakeTime,
    name: str,
    spec: str,
    waits: tuple[str, str, float] | None,
) -> None:
    scenario = SCENARIOS[name]
    subject = scenario.prepare(world, "subject")
    server.add_faults(spec)
    tripwire.reset()
    slept: list[tuple[int, float]] = []
    zotero_time.on_sleep = lambda seconds: slept.append((len(tripwire.arrivals), seconds))
    # Exit 0 expected: in this process, to save a start-up, and waiting on the fake clock.
    subject.run_here("sync").ok()
    assert not [f for f in server.state.faults.describe() if f["times"]], "the fault never fired"
    if waits is not None:
        method, path, seconds = waits
        assert _waited_after(tripwire, slept, method, path) >= seconds, "the server's wait ignored"
    scenario.check(subject)
    assert_idle(subject)


LASTING = [
    # (id, scenario, fault spec, what the message says)
    ("429-forever", "first17", "429=0,times=1000", "is rate-limiting zotmark"),
    ("503-forever", "first17", "503=0,times=1000", "is unavailable"),
    ("503-forever-on-updates", "mixed17", "503=0,times=1000,after=1,method=POST", "is unavailable"),
]


@pytest.mark.parametrize(
    ("name", "spec", "says"), [t[1:] for t in LASTING], ids=[t[0] for t in LASTING]
)
def test_lasting_trouble_exits_1_and_the_next_run_finishes_the_job(
    world: Make, server: Sandbox, name: str, spec: str, says: str
) -> None:
    scenario = SCENARIOS[name]
    subject = scenario.prepare(world, "subject")
    before = subject.list.read_bytes()
    server.add_faults(spec)
    message = subject.run("sync").error(1)
    assert f"The Zotero server at {server.url} {says}" in message, message
    assert subject.list.read_bytes() == before, "the file was written by a failed run"
    server.clear_faults()
    subject.run_here("sync").ok()
    scenario.check(subject)
    assert_idle(subject)


_GARBAGE = [
    # (scenario, garbage, method, path, matching requests to let through first)
    ("first17", "html", "GET", "/keys/current", 0),
    ("first17", "empty", "GET", "/collections", 0),
    ("first17", "null", "POST", "/collections", 0),
    ("first17", "list", "GET", "/items", 0),
    ("first17", "object", "POST", "/items", 0),
    ("first17", "truncated", "POST", "/items", 0),
    ("first17", "version", "POST", "/collections", 0),
    ("first17", "noversion", "GET", "/items", 0),
    ("mixed17", "html", "GET", "/items", 1),  # the changed items' JSON
    ("mixed17", "list", "GET", "/items", 1),  # none of them
    ("mixed17", "null", "GET", "/items", 0),  # the versions since the last run
    ("mixed17", "object", "GET", "/deleted", 0),
    ("mixed17", "truncated", "GET", "/deleted", 0),
    ("mixed17", "version", "POST", "/items", 0),  # the creates, applied
    ("mixed17", "noversion", "POST", "/items", 1),  # the updates, applied
    ("mixed17", "empty", "POST", "/items", 1),  # the updates, not applied
]
GARBAGE = [
    pytest.param(
        *case,
        id=f"{case[0]}-{case[1]}-{case[2]}-{str(case[3]).strip('/').replace('/', '-')}-{case[4]}",
    )
    for case in _GARBAGE
]
AMBIGUOUS = {("mixed17", "list")}
"""Well-formed answers that only lack what was asked for (an empty list of items): a client
may take them for a race with another client and carry on, or stop; either way the next run
must finish the job."""


@pytest.mark.parametrize(
    ("name", "garbage", "method", "path", "after"),
    GARBAGE,
)
def test_a_garbage_answer_exits_1_and_the_next_run_duplicates_nothing(
    world: Make, server: Sandbox, name: str, garbage: str, method: str, path: str, after: int
) -> None:
    scenario = SCENARIOS[name]
    subject = scenario.prepare(world, "subject")
    server.add_faults(f"garbage={garbage},method={method},path={path},after={after}")
    ran = subject.run("sync")
    assert not [f for f in server.state.faults.describe() if f["times"]], "the fault never fired"
    if (name, garbage) in AMBIGUOUS and ran.code == 0:
        ran.ok()
    else:
        message = ran.error(1)
        wanted = f"The server at {server.url} did not answer as a Zotero API does"
        assert wanted in message, message
    server.clear_faults()
    subject.run_here("sync").ok()
    scenario.check(subject)
    assert_idle(subject)
