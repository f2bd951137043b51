"""A line moving onto the survivor of its twin, whose own line was removed from the list."""

from __future__ import annotations

from dataclasses import replace

from tests.core.test_planner import ARXIV, PAPER, SYNCED, entry, item, record, run, snapshot

from zotmark.core.actions import SetBox, UpdateItem


def test_the_survivors_edit_in_zotero_since_its_line_was_removed_reaches_the_moving_line() -> None:
    removed = entry(PAPER.title, ARXIV, anchor="EARL2345")  # the survivor's line, removed since
    earlier = item("EARL2345", PAPER.title, ARXIV, tags={"read"})  # ticked in Zotero since
    survivor = replace(earlier, added=20260101000000)
    twin = replace(SYNCED, added=20260102000000)
    base = {"EARL2345": record(removed, "EARL2345"), "ABCD2345": record(PAPER, "ABCD2345")}
    result = run([PAPER], snapshot(survivor, twin), base)
    assert SetBox(1, "x") in result.file and result.records["EARL2345"].state == "x"
    assert not any(isinstance(a, UpdateItem) and a.remove_tags for a in result.zotero)
