"""Benchmark: instructions one cold parse of the 10,000-entry list of ``bench_parse`` executes.

Wall-clock figures move with the load of the machine; an instruction count does not. This
runs Python under ``valgrind --tool=callgrind`` twice, once building the list and parsing it
and once only building it, and prints the difference: the instructions of the parse alone
(both processes end with ``os._exit``, so no teardown is counted). It takes ~30 s and needs
valgrind (Debian package ``valgrind``).

    .venv/bin/python benchmarks/parse_instructions.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ENTRIES = 10_000


def _child(parse_it: bool) -> None:
    """Build the list (and parse it once, cold), then end without tearing anything down."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_parse import reading_list
    from zotmark.markdown.parser import parse

    text = reading_list(ENTRIES)
    if parse_it:
        parse(text)
    sys.stdout.flush()
    os._exit(0)


def _instructions(parse_it: bool) -> int:
    """The instructions callgrind counts for one child process."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--child", "parse" if parse_it else "build",
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # the same string hashes every run
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found[1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2] == "parse")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    parse_only = _instructions(True) - _instructions(False)
    print(f"one cold parse of {ENTRIES:,} entries: {parse_only / 1e6:,.0f}M instructions")


if __name__ == "__main__":
    main()
