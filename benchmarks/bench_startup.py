"""Start-up cost: the CPU seconds (user + sys) a whole ``zotmark`` process spends.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--runs 11] [--no-bytecode]``.

Each command runs as a subprocess ``--runs`` times; the figure is the median of the child's
own user + sys time (``os.wait4``'s resource usage, so neither this script nor the sandbox is
counted). As an installed zotmark does, the children read cached bytecode (the warm-up runs
write it; ``PYTHONDONTWRITEBYTECODE`` is dropped from their environment); ``--no-bytecode``
keeps the variable, so an editable install compiles zotmark's modules in every run. To measure
another checkout with the same environment, put its ``src`` first: ``PYTHONPATH=../other/src``.
Commands:

* ``python -c 'import typer, httpx2, httpcore2'``: the libraries every no-op sync imports (the
  CLI, and the client and connection pool of its one HTTP request), a floor under zotmark's own
  cost. Not rich: typer loads it only to show help or an error, and zotmark only to style
  output on a terminal (:mod:`zotmark.cli.output`), while the bench's no-op writes to a pipe;
* ``python -c 'from zotmark.cli import entrypoint'``: the import of the CLI alone;
* ``zotmark --help``;
* ``zotmark check``: the same list parsed and shown (no config, no network);
* ``zotmark sync``: a no-op run of ``tests/fixtures/original-reading-list.md`` (17 entries)
  against a ``zotmark sandbox`` subprocess without latency, after a first sync and a second
  that settles its own writes (target ≤ 0.15 s);
* ``zotmark status``: the same list's state (no network; the Docker image's health check runs
  it every minute).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL_LIST = ROOT / "tests" / "fixtures" / "original-reading-list.md"
ZOTMARK = str(Path(sys.executable).parent / "zotmark")
NOOP_SYNC_TARGET = 0.15


def cpu_seconds(command: Sequence[str], env: dict[str, str]) -> float:
    """Run ``command`` to its end (output discarded) and return its user + sys CPU seconds;
    a failing command stops the benchmark."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return usage.ru_utime + usage.ru_stime


def median_cpu(command: Sequence[str], env: dict[str, str], runs: int) -> float:
    """The median of ``runs`` measurements of :func:`cpu_seconds`."""
    return statistics.median(cpu_seconds(command, env) for _ in range(runs))


@contextmanager
def sandbox() -> Iterator[dict[str, str]]:
    """A ``zotmark sandbox`` subprocess without latency; yields its hello line."""
    process = subprocess.Popen([ZOTMARK, "sandbox"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=30)


def write_config(workdir: Path, hello: dict[str, str]) -> Path:
    """A config syncing a copy of the original list with a collection of the sandbox."""
    shutil.copy(ORIGINAL_LIST, workdir / "list.md")
    config = workdir / "zotmark.toml"
    config.write_text(
        f'[zotero]\nlibrary_id = "{hello["user_id"]}"\nbase_url = "{hello["url"]}"\n'
        f'stream_url = ""\n[state]\ndir = "{workdir / "state"}"\n'
        f'[[lists]]\nname = "bench"\nfile = "list.md"\ncollection = "Bench"\nenrich = false\n'
    )
    config.chmod(0o600)
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="measurements per command")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE for the runs"
    )
    arguments = parser.parse_args()
    runs = arguments.runs
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, sandbox() as hello:
        workdir = Path(tmp)
        config = write_config(workdir, hello)
        env = {**os.environ, "ZOTERO_API_KEY": hello["api_key"]}
        if not arguments.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        sync = [ZOTMARK, "sync", "--config", str(config)]
        cpu_seconds(sync, env)  # the first sync creates the items
        cpu_seconds(sync, env)  # settles the library version of its own writes
        cpu_seconds([ZOTMARK, "--help"], env)  # every module used has its bytecode cached now
        figures = {
            "floor: typer, httpx2 imports": median_cpu(
                [sys.executable, "-c", "import typer, httpx2, httpcore2"], env, runs
            ),
            "import zotmark.cli": median_cpu(
                [sys.executable, "-c", "from zotmark.cli import entrypoint"], env, runs
            ),
            "zotmark --help": median_cpu([ZOTMARK, "--help"], env, runs),
            "zotmark check (17 entries)": median_cpu(
                [ZOTMARK, "check", str(workdir / "list.md")], env, runs
            ),
            "zotmark sync (no-op, 17 entries)": median_cpu(sync, env, runs),
            "zotmark status": median_cpu([ZOTMARK, "status", "--config", str(config)], env, runs),
        }
    cached = "without cached bytecode" if arguments.no_bytecode else "bytecode cached"
    load = f"load {load_before:.2f} → {os.getloadavg()[0]:.2f} (1-minute average)"
    print(f"CPU seconds (user + sys), median of {runs} runs, {cached}, {load}:")
    for name, seconds in figures.items():
        print(f"  {name:<34} {seconds:.3f} s")
    print(f"  target for the no-op sync: <= {NOOP_SYNC_TARGET} s")


if __name__ == "__main__":
    main()
