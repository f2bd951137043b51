"""The sandbox at 50,000 items: persistence during a first sync, a full pull, key look-ups.

Run: ``.venv/bin/python benchmarks/bench_sandbox_scale.py [--items 50000] [--runs 3]
[--only sync|pull]``.

* ``sync`` — a first ``zotmark sync`` (a whole process) of a generated N-entry list against
  ``zotmark sandbox --latency-ms 50`` without and with ``--data FILE``, the two alternating,
  ``--runs`` times each: wall time of the sync, the sandbox's CPU time meanwhile (``/proc``), its
  requests, and (with ``--data``) the CPU and wall time of the shutdown save. Target: the sync
  with ``--data`` within 1.2 x the sync without.
* ``pull`` — a sandbox loaded from a data file of N items (written in process through the back
  door, not by N requests) serves a full pull as pyzotero does it
  (``zot.everything(zot.items(limit=100))``: pages of 100 following ``Link: rel="next"``), then
  200 ``itemKey=`` look-ups of 50 keys, 200 ``since=`` version checks and 200 single-item GETs.
  Reported: the sandbox's CPU time for each (target: the full pull <= 5 s of sandbox CPU).

Medians and ranges over the runs. Wall-clock figures move with the load of the machine (printed
before and after); CPU times of the sandbox process move much less. Small requests per second
are measured by ``benchmarks/bench_sandbox.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyzotero.zotero import Zotero

from bench_sync import generate

LATENCY_MS = 50.0
ZOTMARK = str(Path(sys.executable).parent / "zotmark")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1-minute load average and the core count, for the record."""
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


@dataclass
class Server:
    """A ``zotmark sandbox`` process and what its first line said."""

    process: subprocess.Popen[str]
    url: str
    api_key: str
    user_id: int

    @property
    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def requests(self) -> int:
        import urllib.request

        with urllib.request.urlopen(self.url + "/_sandbox/stats?log=0") as answer:
            return int(json.loads(answer.read())["requests"])

    def zotero(self) -> Zotero:
        zot = Zotero(self.user_id, "user", self.api_key)
        zot.endpoint = self.url
        return zot

    def stop(self) -> tuple[float, float]:
        """SIGTERM and wait; (CPU seconds, wall seconds) from the signal to the exit."""
        before = self.cpu
        start = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        # the CPU time of an exited process is gone from /proc: poll it until the exit
        after = before
        while self.process.poll() is None:
            try:
                after = self.cpu
            except (FileNotFoundError, ProcessLookupError, IndexError):
                break
            time.sleep(0.01)
        self.process.wait(120)
        return after - before, time.perf_counter() - start


@contextmanager
def sandbox(data: Path | None, latency_ms: float = 0.0) -> Iterator[Server]:
    command = [ZOTMARK, "sandbox", "--latency-ms", str(latency_ms)]
    if data is not None:
        command += ["--data", str(data)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        hello = json.loads(process.stdout.readline())
        yield Server(process, hello["url"], hello["api_key"], int(hello["user_id"]))
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(120)


# --- (a) first sync, without and with --data ---------------------------------------------------


def first_sync(workdir: Path, n: int, with_data: bool) -> dict[str, float]:
    """One first sync of n entries in a fresh directory; the sandbox's figures."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / "list.md").write_text(generate(n))
    data = workdir / "sandbox.json" if with_data else None
    with sandbox(data, LATENCY_MS) as server:
        config = workdir / "zotmark.toml"
        config.write_text(
            f'[zotero]\nlibrary_id = "{server.user_id}"\nbase_url = "{server.url}"\n'
            f'stream_url = ""\n[state]\ndir = "{workdir / "state"}"\n'
            f'[[lists]]\nname = "bench"\nfile = "list.md"\ncollection = "Bench"\n'
            "enrich = false\n"
        )
        config.chmod(0o600)
        env = {**os.environ, "ZOTERO_API_KEY": server.api_key}
        cpu = server.cpu
        start = time.perf_counter()
        subprocess.run(
            [ZOTMARK, "sync", "--config", str(config)], env=env, check=True, capture_output=True
        )
        wall = time.perf_counter() - start
        figures = {"wall": wall, "cpu": server.cpu - cpu, "requests": server.requests()}
        stop_cpu, stop_wall = server.stop()
    figures["stop_cpu"], figures["stop_wall"] = stop_cpu, stop_wall
    if data is not None:
        figures["file_mb"] = data.stat().st_size / 1e6
    return figures


def run_sync(n: int, runs: int) -> None:
    print(f"(a) first sync of {n:,} entries, sandbox latency {LATENCY_MS:.0f} ms; {load()}")
    results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for with_data in (False, True):
                figures = first_sync(Path(tmp) / "run", n, with_data)
                results[with_data].append(figures)
                label = "--data" if with_data else "no data"
                extra = (
                    f"; shutdown save {figures['stop_cpu']:.2f} s CPU, "
                    f"{figures['stop_wall']:.2f} s wall, file {figures['file_mb']:.1f} MB"
                    if with_data
                    else ""
                )
                print(
                    f"  run {run + 1} {label:>7}: sync {figures['wall']:6.1f} s wall, "
                    f"sandbox CPU {figures['cpu']:5.1f} s, {figures['requests']:.0f} requests"
                    f"{extra}; {load()}"
                )
    plain = [f["wall"] for f in results[False]]
    data = [f["wall"] for f in results[True]]
    ratio = statistics.median(data) / statistics.median(plain)
    for label, rows in (("no data", results[False]), ("--data", results[True])):
        print(
            f"  {label:>7}: wall {_summary([r['wall'] for r in rows])} s, "
            f"sandbox CPU {_summary([r['cpu'] for r in rows])} s"
        )
    verdict = "meets" if ratio <= 1.2 else "MISSES"
    print(f"  ratio of medians (--data / no data): {ratio:.2f} — {verdict} <= 1.2")


# --- (b) full pull and look-ups of a seeded library ---------------------------------------------


def seeded_file(path: Path, n: int) -> None:
    """A sandbox data file holding n items (in one collection, half of them tagged)."""
    from zotmark.sandbox.backdoor import seed
    from zotmark.sandbox.harness import Identity, build_store
    from zotmark.sandbox.persistence import dump_store, write_atomic

    store = build_store(Identity())
    library = store.libraries["/users/1"]
    collection = seed(store, library, "collections", [{"name": "Bench"}])[0]
    batch = []
    for i in range(n):
        item: dict[str, Any] = {
            "itemType": "preprint" if i % 2 else "webpage",
            "title": f"Generated paper number {i} on topic {i % 97}",
            "url": f"https://example.org/papers/{i}",
            "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": f"Doe{i % 50}"}],
            "tags": [{"tag": "relevant"}] if i % 2 else [],
            "collections": [collection],
        }
        if i % 2:
            item["date"] = f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}"
        batch.append(item)
    seed(store, library, "items", batch)
    write_atomic(path, dump_store(store))


def timed(server: Server, action: Callable[[], Any]) -> tuple[float, float, Any]:
    cpu = server.cpu
    start = time.perf_counter()
    result = action()
    return server.cpu - cpu, time.perf_counter() - start, result


def pull_once(template: Path, workdir: Path, n: int) -> dict[str, float]:
    data = workdir / "pull.json"
    shutil.copyfile(template, data)
    rng = random.Random(5)
    with sandbox(data) as server:
        zot = server.zotero()
        cpu, wall, items = timed(server, lambda: zot.everything(zot.items(limit=100)))
        assert len(items) == n, len(items)
        keys = [item["key"] for item in items]
        version = int(zot.request.headers["Last-Modified-Version"])

        def lookups() -> None:
            for _ in range(200):
                chunk = rng.sample(keys, 50)
                assert len(zot.items(itemKey=",".join(chunk), limit=50)) == 50

        key_cpu, _, _ = timed(server, lookups)

        def since() -> None:
            for i in range(200):
                zot.item_versions(since=version - 1 - i % 10)

        since_cpu, _, _ = timed(server, since)

        def singles() -> None:
            for key in rng.sample(keys, 200):
                zot.item(key)

        single_cpu, _, _ = timed(server, singles)
    return {
        "pull_cpu": cpu,
        "pull_wall": wall,
        "key_cpu": key_cpu / 200 * 1000,
        "since_cpu": since_cpu / 200 * 1000,
        "single_cpu": single_cpu / 200 * 1000,
    }


def run_pull(n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "seed.json"
        start = time.perf_counter()
        seeded_file(template, n)
        print(
            f"(b) {n:,} seeded items ({template.stat().st_size / 1e6:.1f} MB, written in "
            f"{time.perf_counter() - start:.1f} s); {load()}"
        )
        rows = []
        for run in range(runs):
            figures = pull_once(template, Path(tmp), n)
            rows.append(figures)
            print(
                f"  run {run + 1}: full pull {figures['pull_cpu']:.2f} s sandbox CPU "
                f"({figures['pull_wall']:.1f} s wall); per request, sandbox CPU: "
                f"itemKey x50 {figures['key_cpu']:.1f} ms, since {figures['since_cpu']:.1f} ms, "
                f"one item {figures['single_cpu']:.1f} ms; {load()}"
            )
    pull = [r["pull_cpu"] for r in rows]
    walls = [r["pull_wall"] for r in rows]
    print(f"  full pull: sandbox CPU {_summary(pull)} s (wall {_summary(walls)} s)")
    for name, label in (
        ("key_cpu", "itemKey x50"),
        ("since_cpu", "since="),
        ("single_cpu", "one item"),
    ):
        print(f"  {label}: {_summary([r[name] for r in rows])} ms of sandbox CPU per request")
    verdict = "meets" if statistics.median(pull) <= 5 else "MISSES"
    print(f"  full pull median {statistics.median(pull):.2f} s — {verdict} <= 5 s")


def _summary(values: list[float]) -> str:
    """``median (min–max)``."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("sync", "pull"))
    args = parser.parse_args()
    if args.only != "sync":
        run_pull(args.items, args.runs)
    if args.only != "pull":
        run_sync(args.items, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
