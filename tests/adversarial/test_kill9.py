"""``kill -9`` of a real ``zotmark sync`` at seeded points of a first sync and of mixed edits.

A point is a request of the run (its share of the run's measured request count) and a way to
die there: as the request arrives (never applied), as its answer goes out (applied, never
seen) or milliseconds after the answer (in the client's own work: planning, writing the file,
recording the state). A quarter of the points kill the next run too. Then one ``zotmark sync``
runs to completion (in this process: the killed runs are the ones that must be real), and both
sides must agree with every edit made before the kill, with no duplicate, the list intact but
for zotmark's surgical edits, and a further sync idle.

``ZOTMARK_ADVERSARIAL_SEED`` and ``ZOTMARK_ADVERSARIAL_POINTS`` draw other points (CI: fixed).
"""

from __future__ import annotations

import pytest
from tests.adversarial.helpers import (
    LATENCY_MS,
    POINTS,
    SEED,
    KillPoint,
    Ran,
    Tripwire,
    World,
    assert_idle,
    kill_points,
)
from tests.adversarial.scenarios import SCENARIOS, Make

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]

KILL_POINTS = kill_points(SEED, POINTS, [("first17", 10), ("first120", 8), ("mixed17", 14)])
_REQUESTS: dict[str, int] = {}


def _requests_of(name: str, make: Make, sandbox: Sandbox) -> int:
    """How many requests the scenario's run makes when nothing kills it (measured once)."""
    if name not in _REQUESTS:
        world = SCENARIOS[name].prepare(make, f"calibration-{name}")
        sandbox.reset_stats()
        world.run_here("sync").ok()
        _REQUESTS[name] = sandbox.request_count
        SCENARIOS[name].check(world)
        sandbox.reset()
    return _REQUESTS[name]


def _killed_run(world: World, tripwire: Tripwire, mode: str, request: int, delay: float) -> Ran:
    """``zotmark sync`` killed at its ``request``-th request in ``mode``."""
    tripwire.wait_idle()
    running = world.spawn("sync")
    tripwire.arm(running.process, mode, request, delay)
    ran = running.wait()
    tripwire.disarm()
    tripwire.wait_idle()
    return ran


def test_kill_points_are_enough_and_spread() -> None:
    assert len(KILL_POINTS) >= 30
    assert {p.scenario for p in KILL_POINTS} == set(SCENARIOS)
    assert {p.mode for p in KILL_POINTS} == {"before", "lost", "after"}


@pytest.mark.parametrize("point", KILL_POINTS, ids=lambda p: p.id)
def test_a_run_killed_anywhere_is_finished_by_the_next_one(
    point: KillPoint, world: Make, server: Sandbox, tripwire: Tripwire
) -> None:
    scenario = SCENARIOS[point.scenario]
    total = _requests_of(point.scenario, world, server)
    subject = scenario.prepare(world, "subject")
    server.latency_ms = LATENCY_MS
    request = point.request(total)
    ran = _killed_run(subject, tripwire, point.mode, request, point.delay_ms / 1000)
    may_finish = point.mode == "after" and request == total
    assert ran.code == -9 or (may_finish and ran.code == 0), (
        f"request {request} of {total}: exit {ran.code}\n{ran.err}"
    )
    if point.again is not None:
        again = _killed_run(subject, tripwire, *point.again, 0.0)
        assert again.code in (-9, 0), again.err
    server.latency_ms = 0
    subject.run_here("sync").ok()  # a fresh `zotmark sync`; in this process, to save a start-up
    scenario.check(subject)
    assert_idle(subject)
