"""Benchmark: parse a generated 10,000-entry and a 100,000-entry reading list in process.

Target (DESIGN §8, issue 2): ≤ 100 ms for 10,000 entries. The generated lists mix entry
shapes as real lists do (:data:`MIX`); a third list uses only the shapes the parser's fast
path does not cover. Prints the median of several runs of the whole parse, and, to show where
time goes, of the parse with identifier normalisation (``core.model.identify``) replaced by a
no-op.

    .venv/bin/python benchmarks/bench_parse.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from unittest import mock

from zotmark.core.model import Ident
from zotmark.markdown import parser
from zotmark.markdown.parser import parse

TARGET_MS = 100.0


def _entry(i: int, shape: int) -> str:
    """Entry ``i`` in one of five shapes (see :data:`MIX`)."""
    arxiv = f"{2000 + i % 400:04d}.{i % 100000:05d}"
    title = f"Paper number {i}: a study of things"
    return (
        f"- [ ] **{title}** ([Link](https://ar5iv.labs.arxiv.org/html/{arxiv}))",
        f"- [x] [{title}](https://doi.org/10.1000/{i})",
        f"- [ ] {title} https://example.org/papers/{i}",
        f"- [ ] **{title}** (Link)[https://arxiv.org/abs/{arxiv}]",
        f"- [ ] **{title}**",
    )[shape]


# Shapes per 100 entries, as in real lists: mostly the original list's own shape.
MIX = (0,) * 80 + (1,) * 10 + (2,) * 5 + (3,) * 3 + (4,) * 2


def reading_list(entries: int, mix: tuple[int, ...] = MIX) -> str:
    """A list of ``entries`` entries with sections and ``Relevant?`` flag sub-items."""
    lines = []
    for i in range(entries):
        if i % 500 == 0:
            lines.append(f"## Section {i // 500}\n")
        shape = mix[i % len(mix)]
        lines.append(_entry(i, shape) + "\n")
        if shape == 0:
            lines.append(f"    - [{'x' if i % 7 == 0 else ' '}] Relevant?\n")
    return "".join(lines)


def median_ms(function: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``runs`` calls (CPU time is steadier on a
    machine busy with other work)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _no_ident(title: str, url: str | None, text: str = "") -> Ident:
    return Ident(url=url, title=title)


def _report(label: str, text: str, runs: int, target: bool) -> None:
    wall, cpu = median_ms(lambda: parse(text), runs)
    with mock.patch.object(parser, "identify", _no_ident):
        scan_wall, scan_cpu = median_ms(lambda: parse(text), runs)
    verdict = ("  OK" if wall <= TARGET_MS else "  OVER TARGET") if target else ""
    print(
        f"{label}: parse {wall:6.0f} ms wall / {cpu:6.0f} ms CPU{verdict}; without identifier "
        f"normalisation {scan_wall:6.0f} / {scan_cpu:6.0f} ms  (medians of {runs})"
    )


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--runs", type=int, default=7)
    runs = arguments.parse_args().runs
    for entries in (10_000, 100_000):
        text = reading_list(entries)
        assert len(parse(text).entries) == entries
        label = f"{entries:>7,} entries ({len(text) / 1e6:4.1f} MB)"
        _report(label, text, runs if entries <= 10_000 else max(3, runs // 2), entries == 10_000)
    rare = reading_list(10_000, mix=(1, 2, 3, 4))
    _report(" 10,000 entries, uncommon shapes only", rare, runs, False)
    print(f"target: parse 10,000 entries in <= {TARGET_MS:.0f} ms")


if __name__ == "__main__":
    main()
