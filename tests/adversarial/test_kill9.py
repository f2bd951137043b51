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

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from tests.adversarial.helpers import (
    LATENCY_MS,
    ORIGINAL,
    POINTS,
    SEED,
    KillPoint,
    Listing,
    Ran,
    Tripwire,
    World,
    assert_idle,
    assert_no_duplicates,
    assert_paired,
    in_collection,
    kill_points,
    strip_anchors,
    the_collection,
)

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]

Make = Callable[..., World]
ORIGINAL_TEXT = ORIGINAL.read_text(encoding="utf-8")


def generated_list(n: int) -> str:
    """A list of ``n`` entries in four link styles, with headings, prose and ticked boxes."""
    lines = ["# A generated reading list", "", "Papers in every link style zotmark reads.", ""]
    for i in range(n):
        if i % 30 == 0:
            lines += [f"## Part {i // 30 + 1}", ""]
        arxiv = f"2301.{10000 + i}"
        link = (
            f"([Link](https://arxiv.org/abs/{arxiv}))",
            f"(Link)[https://arxiv.org/abs/{arxiv}]",
            f"<https://example.org/papers/{i}>",
            "",
        )[i % 4]
        box = "x" if i % 5 == 0 else " "
        lines.append(f"- [{box}] **Synthetic Study {i:03d} of Crash-Safe Sync** {link}".rstrip())
        if i % 4 != 3:
            lines.append(f"    - [{'x' if i % 3 == 0 else ' '}] Relevant?")
        if i % 30 == 29:
            lines.append("")
    return "\n".join(lines) + "\n"


GENERATED = generated_list(120)  # creates in three batches of at most 50


# --- scenarios: what the killed run has to do, and what must hold once it is finished -----------


@dataclass(frozen=True)
class FirstSync:
    """The first sync of a list nobody synced yet."""

    text: str
    entries: int

    def prepare(self, make: Make, name: str) -> World:
        return make(self.text, name)

    def check(self, world: World) -> None:
        listing = world.listing()
        assert strip_anchors(listing.text) == self.text, "the list changed beyond its anchors"
        assert len(listing.rows) == self.entries
        assert_no_duplicates(world.sandbox, self.entries)
        assert_paired(world.sandbox, listing)


# The mixed edits, on the original list once synced. In the file:
TICKED = "Deep Cross-Modal Audio-Visual Generation"
FLAGGED = "Enriched Music Representations with Multiple Cross-modal Contrastive Learning"
RETITLED = "Vision Transformers: A Survey"
RETITLED_TO = "Vision Transformers: A Survey (Second Edition)"
REMOVED = "MMT: Transformer for Multi-modal Multi-label Self-supervised Learning"
BOTH = "See and Listen: Score-Informed Association of Sound Tracks to Players in Chamber"
ADDED = "Attention Is All You Need"
ADDED_BLOCK = f"- [ ] **{ADDED}** ([Link](https://arxiv.org/abs/1706.03762))\n    - [x] Relevant?\n"
# ... and in Zotero:
TAGGED = "Audio-Visual Embedding for Cross-Modal Music Video Retrieval"
TAGGED_RELEVANT = "Creating a Multitrack Classical Music Performance Dataset"
UNTAGGED = "Vision Transfomers are Robust Learners"
Z_RETITLED = "Neural Audio Synthesis of Musical Notes with WaveNet Autoencoders"
Z_RETITLED_TO = f"{Z_RETITLED}, Revisited"
TAKEN_OUT = "MIR-ST500: A Dataset for Music Information Retrieval"
TRASHED = "Audio to Body Dynamics: Predicting Musician Body Movements from Audio"
Z_ADDED = "Deep Residual Learning for Image Recognition"


def _line_of(lines: list[str], fragment: str) -> int:
    found = [i for i, line in enumerate(lines) if f"**{fragment}" in line]
    assert len(found) == 1, fragment
    return found[0]


def _tick(lines: list[str], at: int) -> None:
    lines[at] = lines[at].replace("[ ]", "[x]", 1)


def _file_edits(text: str) -> str:
    """The user's edits of the file (anchors, if any, kept)."""
    lines = text.split("\n")
    _tick(lines, _line_of(lines, TICKED))
    _tick(lines, _line_of(lines, FLAGGED) + 1)
    _tick(lines, _line_of(lines, BOTH))
    at = _line_of(lines, RETITLED)
    lines[at] = lines[at].replace(f"**{RETITLED}**", f"**{RETITLED_TO}**")
    at = _line_of(lines, REMOVED)
    del lines[at : at + 2]
    return "\n".join(lines) + "\n" + ADDED_BLOCK  # the original ends without a line ending


def _zotero_echo(text: str) -> str:
    """What the Zotero edits do to the file (anchors, if any, kept)."""
    lines = text.split("\n")
    _tick(lines, _line_of(lines, TAGGED))
    _tick(lines, _line_of(lines, TAGGED_RELEVANT) + 1)
    _tick(lines, _line_of(lines, BOTH) + 1)
    at = _line_of(lines, UNTAGGED) + 1
    lines[at] = lines[at].replace("[x]", "[ ]")
    at = _line_of(lines, Z_RETITLED)
    lines[at] = lines[at].replace(f"**{Z_RETITLED}**", f"**{Z_RETITLED_TO}**")
    for struck in (TAKEN_OUT, TRASHED):
        at = _line_of(lines, struck)
        start = lines[at].index("**")
        end = lines[at].index("**", start + 2) + 2
        lines[at] = f"{lines[at][:start]}~~{lines[at][start:end]}~~{lines[at][end:]}"
    return "\n".join(lines)


class MixedEdits:
    """Edits on both sides of the synced original list: boxes, tags, titles, an entry added
    and one removed in the file, an item added, one taken out and one trashed in Zotero."""

    entries = 17

    def prepare(self, make: Make, name: str) -> World:
        world = make(ORIGINAL_TEXT, name)
        world.run_here("sync").ok()
        sandbox = world.sandbox
        world.list.write_text(_file_edits(world.text()), encoding="utf-8")
        rows = world.listing()
        collection = the_collection(sandbox)

        def edit(fragment: str, change: Callable[[dict[str, object]], dict[str, object]]) -> None:
            key = rows.row(fragment).key
            assert key is not None
            sandbox.update_item(key, change(sandbox.items()[key]))

        def tag(item: dict[str, object], name: str, on: bool = True) -> dict[str, object]:
            kept = [t for t in item["tags"] if t["tag"] != name]  # type: ignore[attr-defined]
            return {"tags": [*kept, {"tag": name}] if on else kept}

        edit(TAGGED, lambda item: tag(item, "read"))
        edit(TAGGED_RELEVANT, lambda item: tag(item, "relevant"))
        edit(UNTAGGED, lambda item: tag(item, "relevant", on=False))
        edit(BOTH, lambda item: tag(item, "relevant"))
        edit(Z_RETITLED, lambda item: {"title": Z_RETITLED_TO})
        edit(TAKEN_OUT, lambda item: {"collections": []})
        edit(TRASHED, lambda item: {"deleted": 1})
        sandbox.add_items(
            [
                {
                    "itemType": "journalArticle",
                    "title": Z_ADDED,
                    "DOI": "10.1109/CVPR.2016.90",
                    "url": "https://doi.org/10.1109/CVPR.2016.90",
                    "collections": [collection],
                    "tags": [{"tag": "read"}],
                }
            ]
        )
        return world

    def check(self, world: World) -> None:
        listing = world.listing()
        added = listing.row(Z_ADDED)
        assert added.read and not added.struck, added
        assert added.line > listing.row(ADDED).line, "the Zotero item was not appended"
        lines = strip_anchors(listing.text).split("\n")
        end = added.line + (2 if added.relevant is not None else 1)
        del lines[added.line : end]
        expected = _zotero_echo(_file_edits(ORIGINAL_TEXT))
        assert "\n".join(lines) == expected, "the list is not the user's edits plus the Zotero echo"
        sandbox = world.sandbox
        assert_no_duplicates(sandbox, self.entries + 2)
        assert_paired(sandbox, listing)
        items = sandbox.items()
        removed = [i for i in items.values() if i["title"] == REMOVED]
        assert len(removed) == 1 and not removed[0].get("deleted"), "policy: out of the collection"
        assert ADDED in {i["title"] for i in in_collection(sandbox).values()}


SCENARIOS: dict[str, FirstSync | MixedEdits] = {
    "first17": FirstSync(ORIGINAL_TEXT, 17),
    "first120": FirstSync(GENERATED, 120),
    "mixed17": MixedEdits(),
}
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
    assert Listing(subject.text()).rows  # the list still reads
