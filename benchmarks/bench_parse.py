"""Benchmark: parse a generated 10,000-entry and a 100,000-entry reading list in process.

No target of its own: issue 16 retired the 100 ms one (the largest real list holds 463
entries); ``bench_plan`` measures the target that stands, parse + plan of 10,000 entries. The
generated lists mix entry shapes as real lists do (:data:`MIX`), with a ``Relevant?`` flag
under most entries. Two figures per list:

- **cold**: the first parse of a text, every ``functools`` memo of the parser's modules
  emptied first: what ``zotmark check`` or a first sync pays;
- **warm**: a parse of the same text again: what the daemon pays when it re-reads a list
  after an edit.

Further lines show the same list with every entry anchored (as after a first sync) and a list
of a shape with more markup in its lines. Medians of several runs, wall and CPU time.

    .venv/bin/python benchmarks/bench_parse.py [--runs N]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

from zotmark.core import identifiers, model
from zotmark.markdown import inline, parser
from zotmark.markdown.parser import parse


def _entry(i: int, shape: int) -> str:
    """Entry ``i`` in one of six shapes (see :data:`MIX`)."""
    arxiv = f"{16 + i % 9:02d}{1 + i % 12:02d}.{i % 100000:05d}"  # a valid id: 1601.00000 on
    title = f"Paper number {i}: a study of things"
    return (
        f"- [ ] **{title}** ([Link](https://ar5iv.labs.arxiv.org/html/{arxiv}))",
        f"- [x] [{title}](https://doi.org/10.1000/{i})",
        f"- [ ] {title} https://example.org/papers/{i}",
        f"- [ ] **{title}** (Link)[https://arxiv.org/abs/{arxiv}]",
        f"- [ ] **{title}**",
        f"- [ ] *{title}* — [`pdf`](https://example.org/{i}.pdf) <!-- note -->",
    )[shape]


# Shapes per 100 entries: mostly the original list's own shape.
MIX = (0,) * 80 + (1,) * 10 + (2,) * 5 + (3,) * 3 + (4,) * 2
# A shape with more markup in its lines: emphasis, a code span, an extra comment.
GENERAL = (5,)


def reading_list(entries: int, mix: tuple[int, ...] = MIX, anchored: bool = False) -> str:
    """A list of ``entries`` entries with sections and ``Relevant?`` flag sub-items."""
    lines = []
    for i in range(entries):
        if i % 500 == 0:
            lines.append(f"## Section {i // 500}\n")
        shape = mix[i % len(mix)]
        anchor = f" <!-- zotero:{model.ITEM_KEY_ALPHABET[i % 33]}{i:07d} -->" if anchored else ""
        lines.append(_entry(i, shape) + anchor + "\n")
        if shape == 0:
            lines.append(f"    - [{'x' if i % 7 == 0 else ' '}] Relevant?\n")
    return "".join(lines)


def _forget() -> None:
    """Empty every memo a parse fills: the ``functools`` caches of the parser's modules (none
    today) and the table of normalised title characters."""
    for module in (identifiers, model, parser, inline):
        for value in vars(module).values():
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()
    identifiers._PLAIN_CHARS.clear()


def median_ms(function: Callable[[], object], runs: int, before: Callable[[], None]) -> str:
    """Median wall-clock and CPU milliseconds of ``runs`` calls, ``before`` run untimed first
    (and the result of each call freed untimed after it)."""
    wall, cpu = [], []
    for _ in range(runs):
        before()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        del result  # freeing the previous document is not part of the next parse
    return f"{statistics.median(wall):6.0f} ms wall / {statistics.median(cpu):4.0f} CPU"


def _report(label: str, text: str, runs: int) -> None:
    cold_figure = median_ms(lambda: parse(text), runs, _forget)
    parse(text)
    warm_figure = median_ms(lambda: parse(text), runs, lambda: None)
    print(f"{label}: cold {cold_figure}; warm {warm_figure}  (medians of {runs})")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--runs", type=int, default=7)
    runs = arguments.parse_args().runs
    for entries in (10_000, 100_000):
        text = reading_list(entries)
        assert len(parse(text).entries) == entries
        label = f"{entries:>7,} entries ({len(text) / 1e6:4.1f} MB)"
        _report(label, text, runs if entries <= 10_000 else max(3, runs // 2))
    _report(" 10,000 entries, all anchored       ", reading_list(10_000, anchored=True), runs)
    _report(" 10,000 entries, more markup        ", reading_list(10_000, mix=GENERAL), runs)


if __name__ == "__main__":
    main()
