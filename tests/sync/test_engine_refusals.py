"""Writes Zotero refuses (an over-long title, an invalid field): reported with the entry's line
and the server's reason, held in the state until the entry changes, retried under the same key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.sync.test_engine_regressions import ATTENTION, World

from zotmark.sandbox import Sandbox

HUGE = "日" * 30_000  # 90,000 UTF-8 bytes: over the server's 65,535-byte field limit
HUGE_ENTRY = f"- [ ] **{HUGE}** ([Link](https://example.org/huge))"


@pytest.fixture
def world(sandbox: Sandbox, tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "reading-list.md"
    path.write_text(f"# Reading list\n\n{ATTENTION}\n{HUGE_ENTRY}\n")
    yield World(sandbox, path)


def _titles(world: World) -> list[str]:
    return [str(data.get("title", "")) for data in world.sandbox.items().values()]


def test_refused_create_is_reported_with_its_line_and_the_servers_reason(world: World) -> None:
    report = world.run()
    assert not report.complete
    [refusal] = report.refused
    assert refusal.line == 4
    assert refusal.title == HUGE
    assert "too long" in refusal.message and "(413)" in refusal.message
    assert "1 refused" in report.summary
    assert report.created == 1  # Attention only
    assert "zotero:" not in world.path.read_text().splitlines()[3]  # no anchor for it


def test_refused_create_is_not_sent_again_while_its_entry_is_unchanged(world: World) -> None:
    first = world.run()
    world.sandbox.reset_stats()
    again = world.run()
    assert again.requests == 1
    assert [r.item_key for r in again.refused] == [r.item_key for r in first.refused]
    assert world.store.load("reading-list").last_run.ok is False


def test_refused_create_is_retried_under_the_same_key_once_its_entry_changes(
    world: World,
) -> None:
    [refusal] = world.run().refused
    world.edit(HUGE, "A title of a sane length")
    report = world.run()
    assert report.complete and report.refused == ()
    assert world.sandbox.items()[refusal.item_key]["title"] == "A title of a sane length"
    assert f"zotero:{refusal.item_key}" in world.path.read_text()
    state = world.store.load("reading-list")
    assert state.refused == {} and state.pending == {} and state.last_run.ok


def test_refused_update_is_held_and_pushed_once_fixed(world: World) -> None:
    world.edit(HUGE_ENTRY + "\n", "")
    world.run()
    key = world.key_of("https://arxiv.org/abs/1706.03762")
    world.edit("**Attention Is All You Need**", f"**{HUGE}**")
    [refusal] = world.run().refused
    assert (refusal.item_key, refusal.line) == (key, 3)
    world.sandbox.reset_stats()
    assert world.run().requests == 1
    world.edit(f"**{HUGE}**", "**Attention, Revisited**")
    report = world.run()
    assert report.complete
    assert world.sandbox.items()[key]["title"] == "Attention, Revisited"


def test_refusal_of_a_deleted_entry_is_dropped(world: World) -> None:
    world.run()
    world.edit(HUGE_ENTRY + "\n", "")
    report = world.run()
    assert report.complete
    state = world.store.load("reading-list")
    assert state.refused == {} and state.pending == {}
    assert HUGE not in _titles(world)
