"""Benchmark: instructions a cold parse (and a cold parse + plan) of a 10,000-entry list executes.

Wall-clock figures move with the load of the machine; an instruction count does not. This
runs Python under ``valgrind --tool=callgrind`` twice per figure, once building the inputs and
doing the work and once only building the inputs, and prints the difference: the instructions
of the work alone (the processes end with ``os._exit``, so no teardown is counted; the hash
seed is fixed, so the count is the same every run). The work:

- ``parse``: one cold parse of ``bench_parse``'s 10,000-entry list;
- ``first-sync`` and ``box-flip``: one cold parse + plan of ``bench_plan``'s two runs.

Each figure takes ~30 s; valgrind is needed (Debian package ``valgrind``).

    .venv/bin/python benchmarks/parse_instructions.py [--plan]
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ENTRIES = 10_000


def _child(work: str, do_it: bool) -> None:
    """Build the inputs of ``work`` (and do it once, cold), then end without tearing down."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_parse import _forget, reading_list
    from bench_plan import parse_and_plan, synced_sides
    from zotmark.core.model import BaseRecord
    from zotmark.core.planner import ZoteroSnapshot
    from zotmark.markdown.parser import parse

    zotero, base = ZoteroSnapshot({}, frozenset()), dict[str, BaseRecord]()
    text = reading_list(ENTRIES, anchored=work == "box-flip")
    if work == "box-flip":  # the synced sides of the list, then one box flipped in it
        zotero, base = synced_sides(text)
        text = text.replace("- [ ] ", "- [x] ", 1)
    _forget()  # cold: building the sides parsed the list
    if do_it and work == "parse":
        parse(text)
    elif do_it:
        parse_and_plan(text, zotero, base, itertools.count())
    sys.stdout.flush()
    os._exit(0)


def _instructions(work: str, do_it: bool) -> int:
    """The instructions callgrind counts for one child process."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--child", work, "do" if do_it else "build",
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # the same string hashes every run
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found[1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3] == "do")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    labels = {
        "parse": "one cold parse",
        "first-sync": "one cold parse + plan, first sync,",
        "box-flip": "one cold parse + plan, one box flipped,",
    }
    works = list(labels) if sys.argv[1:2] == ["--plan"] else ["parse"]
    for work in works:
        count = _instructions(work, True) - _instructions(work, False)
        print(f"{labels[work]} of {ENTRIES:,} entries: {count / 1e6:,.0f}M instructions")


if __name__ == "__main__":
    main()
