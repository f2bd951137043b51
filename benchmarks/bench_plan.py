"""Benchmark: parse and plan a 10,000-entry list in process (issue 16: target ≤ 300 ms cold).

Two runs a daemon or ``zotmark sync`` makes, each timed from the list's text to the plan:

- **first sync**: no entry anchored, Zotero and the base empty (every entry a create);
- **one box flipped**: every entry anchored to its item, the base agreeing with both sides,
  then one entry's box ticked in the text (the plan: one update, one recorded box).

*Cold* as ``bench_parse`` means it (every memo emptied before each run: what ``zotmark sync``
pays), *warm* with whatever memos a daemon has filled by its previous run. The garbage
collector runs as it does in a run. Medians of several runs.

    .venv/bin/python benchmarks/bench_plan.py [--runs N]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_parse import _forget, median_ms, reading_list
from zotmark.core.actions import UpdateItem
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import Plan, Policy
from zotmark.core.planner import ZoteroSnapshot, plan
from zotmark.core.states import state_tag
from zotmark.markdown.parser import parse

TARGET_MS = 300.0
ENTRIES = 10_000
COLLECTION = "COLL2345"
POLICY = Policy(collection="Reading list")


def _tags(entry: Entry) -> frozenset[str]:
    state = state_tag(entry.state, POLICY)
    return frozenset({state} if state else set()) | {t for t, on in entry.flags.items() if on}


def synced_sides(text: str) -> tuple[ZoteroSnapshot, dict[str, BaseRecord]]:
    """Zotero and the base as a completed sync of ``text`` (an anchored list) leaves them."""
    library, base = {}, {}
    for entry in (listed.entry for listed in parse(text).entries):
        assert entry.anchor is not None
        tags = _tags(entry)
        library[entry.anchor] = Item(
            entry.anchor, 7, "preprint", entry.title, entry.url, entry.ident, tags,
            frozenset({COLLECTION}),
        )  # fmt: skip
        base[entry.anchor] = BaseRecord(
            entry.anchor, entry.ident.primary or "", entry.title, entry.url, entry.state,
            dict(entry.flags), 7, entry.title,
        )  # fmt: skip
    return ZoteroSnapshot(library, frozenset(library)), base


def parse_and_plan(
    text: str, zotero: ZoteroSnapshot, base: dict[str, BaseRecord], keys: itertools.count[int]
) -> Plan:
    """What a run does before it talks to anyone: parse the list, then plan."""
    entries = [listed.entry for listed in parse(text).entries]
    return plan(entries, zotero, base, POLICY, new_key=lambda: f"K{next(keys):07d}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--runs", type=int, default=9)
    runs = arguments.parse_args().runs
    keys = itertools.count()

    fresh = reading_list(ENTRIES)
    empty = ZoteroSnapshot({}, frozenset())
    first = parse_and_plan(fresh, empty, {}, keys)
    assert len(first.zotero) == ENTRIES  # every entry a create
    first_run = lambda: parse_and_plan(fresh, empty, {}, keys)  # noqa: E731
    first_figures = median_ms(first_run, runs, _forget), median_ms(first_run, runs, lambda: None)

    synced = reading_list(ENTRIES, anchored=True)
    zotero, base = synced_sides(synced)
    assert parse_and_plan(synced, zotero, base, keys).zotero == ()  # nothing to do
    flipped = synced.replace("- [ ] ", "- [x] ", 1)
    flip = parse_and_plan(flipped, zotero, base, keys)
    assert [type(action) for action in flip.zotero] == [UpdateItem]
    flip_run = lambda: parse_and_plan(flipped, zotero, base, keys)  # noqa: E731
    flip_figures = median_ms(flip_run, runs, _forget), median_ms(flip_run, runs, lambda: None)

    for label, (cold, warm) in (("first sync", first_figures), ("one box flipped", flip_figures)):
        print(f"{ENTRIES:,} entries, {label:15}: cold {cold}; warm {warm}  (medians of {runs})")
    worst = max(float(figures[0].split()[0]) for figures in (first_figures, flip_figures))
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    print(f"target: parse + plan of {ENTRIES:,} in <= {TARGET_MS:.0f} ms, cold: {verdict}")


if __name__ == "__main__":
    main()
