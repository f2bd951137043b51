"""A line left out of the sync because the survivor of its twin is on another line."""

from __future__ import annotations

from dataclasses import replace

from tests.core.test_planner import ARXIV, PAPER, POLICY, entry, item, record, run, snapshot

from zotmark.core.actions import AdoptItem

EARLIER = replace(item("EARL2345", PAPER.title, ARXIV), added=20260101000000)
TRASHED = replace(item("ABCD2345", PAPER.title, ARXIV, deleted=True), added=20260102000000)
UNANCHORED = POLICY._replace(anchors=False)


def test_a_held_line_keeps_the_row_of_its_twin_so_the_next_run_finds_it_held_again() -> None:
    first = entry(PAPER.title, ARXIV, line=1)
    second = entry(PAPER.title, ARXIV, line=2, state="x")
    base = {"EARL2345": record(first, "EARL2345"), "ABCD2345": record(second, "ABCD2345")}
    result = run([first, second], snapshot(EARLIER, TRASHED), base, UNANCHORED)
    assert result.forget == () and result.records == {} and result.zotero == ()
    assert any("line 2 holds a twin" in note for note in result.notes)


def test_a_line_of_a_trashed_twin_is_its_own_paper_when_the_survivors_line_retitles_it() -> None:
    retitled = entry(f"{PAPER.title}: Revisited", ARXIV, line=1, anchor="EARL2345")
    own = entry(PAPER.title, ARXIV, line=2, anchor="ABCD2345")  # (the state was lost)
    result = run([retitled, own], snapshot(EARLIER, TRASHED))
    assert AdoptItem("ABCD2345", own) in result.zotero
    assert not any("holds a twin" in note for note in result.notes)
