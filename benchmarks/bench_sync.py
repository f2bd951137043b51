"""Sync benchmarks (DESIGN §8): requests and wall time against the sandbox at 50 ms latency.

Run: ``.venv/bin/python benchmarks/bench_sync.py [N] [--latency-ms 50] [--memory]``
(default N = 10,000 entries).

Measures, for a generated N-entry list:
- the first sync (every entry new): requests (target ≤ ceil(N/50) + 3), wall time, and how
  far it raised the process's resident memory above what it was before, per entry (the peak
  RSS, ``VmHWM``, less the RSS before: what the run cost the machine, allocator included);
  with ``--memory``, the peak of Python's allocations during it instead (``tracemalloc``,
  which slows the run and adds its own memory to the RSS) per entry (target ≤ 2 KB), and what
  an entry adds to it: the peak less that of a 100-entry first sync, per entry more. (Both
  after a first sync of another 100 entries, untraced, has loaded the modules a first sync
  needs: the ~3.3 MB of code they hold is paid once, whatever the list's length, and would
  count 330 B per entry at 10,000 entries and 66 at 50,000);
- a no-op sync as a whole ``zotmark sync`` process: requests (≤ 1), wall time (≤ 1 s) and the
  process's CPU time; and the CPU time of the run itself in this process;
- one box flipped: requests (≤ 2) and the run's CPU time, for a fresh runner (what
  ``zotmark sync`` makes) and for a kept one (the daemon's: after its first run, which reads
  and plans, it plans only what moved), median of 5 flips;
- the same no-op for ``tests/fixtures/original-reading-list.md`` (target ≤ 0.15 s of CPU for
  the whole process);
- a naive baseline: one create request per item, as a tool without batching would send.

The sandbox runs as its own process (``zotmark sandbox --latency-ms 50``), as zotero.org
would, so its CPU time does not compete with the client's for one interpreter lock.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyzotero.zotero import Zotero

from zotmark.core.plan import Policy
from zotmark.state import SqliteStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

ORIGINAL = Path(__file__).parents[1] / "tests" / "fixtures" / "original-reading-list.md"


def generate(n: int, first: int = 0) -> str:
    """A list of n entries in the original list's style, half with arXiv links: papers
    number ``first`` to ``first + n - 1`` (no two numbers share a title or a link)."""
    lines = []
    for i in range(first, first + n):
        if i % 2:
            link = f"https://arxiv.org/abs/{2001 + i % 12:04d}.{10000 + i:05d}"
        else:
            link = f"https://example.org/papers/{i}"
        lines.append(f"- [ ] **Generated paper number {i} on topic {i % 97}** ([Link]({link}))")
        lines.append("    - [ ] Relevant?")
    return "\n".join(lines) + "\n"


@dataclass
class RemoteSandbox:
    """A ``zotmark sandbox`` process, controlled over its admin routes."""

    url: str
    api_key: str
    user_id: int

    def _call(self, method: str, route: str) -> dict[str, object]:
        request = urllib.request.Request(self.url + route, method=method)
        with urllib.request.urlopen(request) as answer:
            body = answer.read()
        return json.loads(body) if body else {}

    def empty(self) -> None:
        """Empty the library (the user and the key stay)."""
        self._call("POST", "/_sandbox/reset")

    def reset_stats(self) -> None:
        self._call("POST", "/_sandbox/stats/reset")

    @property
    def request_count(self) -> int:
        return int(self._call("GET", "/_sandbox/stats?log=0")["requests"])  # type: ignore[call-overload]

    def zotero(self) -> Zotero:
        zot = Zotero(self.user_id, "user", self.api_key)
        zot.endpoint = self.url
        return zot


@contextmanager
def sandbox_process(latency_ms: float) -> Iterator[RemoteSandbox]:
    zotmark = str(Path(sys.executable).parent / "zotmark")
    process = subprocess.Popen(
        [zotmark, "sandbox", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        hello = json.loads(process.stdout.readline())
        yield RemoteSandbox(hello["url"], hello["api_key"], int(hello["user_id"]))
    finally:
        process.terminate()
        process.wait(timeout=30)


def runner(
    path: Path,
    client: ZoteroClient,
    store: SqliteStateStore,
    *,
    keep: bool = False,
    name: str = "bench",
) -> ListRunner:
    """A runner of the list ``name`` into a collection of that name (with ``keep``, the
    daemon's: it keeps what it read)."""
    document = ListDocument(path, {"Relevant?": "relevant"}, kept=keep)
    policy = Policy(collection=name.capitalize())
    return ListRunner(name, policy, ZoteroLibrary(client), store, document, keep=keep)


def flip(path: Path, number: int) -> None:
    """Tick (or clear) the box of generated paper ``number``."""
    text = path.read_text()
    at = text.index(f"] **Generated paper number {number} ") - 1
    path.write_text(text[:at] + ("x" if text[at] == " " else " ") + text[at + 1 :])


def timed_run(sandbox: RemoteSandbox, run: ListRunner) -> tuple[int, float, float]:
    """Requests, wall time and CPU time of one run."""
    sandbox.reset_stats()
    start, cpu = time.perf_counter(), time.process_time()
    run.run()
    return sandbox.request_count, time.perf_counter() - start, time.process_time() - cpu


def traced_run(sandbox: RemoteSandbox, run: ListRunner) -> tuple[int, float, float]:
    """Requests, wall time and the peak of Python's allocations (bytes) of one run."""
    tracemalloc.start()
    try:
        requests, wall, _cpu = timed_run(sandbox, run)
        return requests, wall, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


SMALL = 100
"""Entries of the lists whose first syncs come before the measured one, with ``--memory``."""


def traced_small_syncs(
    workdir: Path, sandbox: RemoteSandbox, client: ZoteroClient, store: SqliteStateStore, n: int
) -> float:
    """The peak of Python's allocations (bytes) in the first sync of a :data:`SMALL`-entry
    list, after that of another, untraced: the modules any first sync loads (the parser, the
    planner, the HTTP connection's) are then loaded, and what remains in the peak is a run's
    fixed part and its ``SMALL`` entries. Their lists, collections and state are their own;
    the library is emptied after them, so the measured list's first sync meets the empty
    library it would (and reads no page of their items)."""
    warm_up, small = workdir / "warm-up.md", workdir / "small.md"
    warm_up.write_text(generate(SMALL, first=n))
    small.write_text(generate(SMALL, first=n + SMALL))
    timed_run(sandbox, runner(warm_up, client, store, name="warm-up"))
    peak = traced_run(sandbox, runner(small, client, store, name="small"))[2]
    sandbox.empty()
    return peak


def rss_kb(field: str = "VmRSS") -> int:
    """This process's resident memory (``VmRSS``) or its peak so far (``VmHWM``), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def whole_process(workdir: Path, sandbox: RemoteSandbox) -> tuple[int, float, float]:
    """Requests, wall time and CPU time of a whole ``zotmark sync`` process."""
    config = workdir / "zotmark.toml"
    config.write_text(
        f'[zotero]\nlibrary_id = "{sandbox.user_id}"\nbase_url = "{sandbox.url}"\n'
        f'stream_url = ""\n[state]\ndir = "{workdir / "state"}"\n'
        f'[[lists]]\nname = "bench"\nfile = "list.md"\ncollection = "Bench"\nenrich = false\n'
    )
    config.chmod(0o600)
    env = {**os.environ, "ZOTERO_API_KEY": sandbox.api_key}
    zotmark = str(Path(sys.executable).parent / "zotmark")
    sandbox.reset_stats()
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run([zotmark, "sync", "--config", str(config)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return sandbox.request_count, time.perf_counter() - start, children_cpu() - cpu


def naive_baseline(sandbox: RemoteSandbox, n: int) -> tuple[int, float]:
    zot = sandbox.zotero()
    sandbox.reset_stats()
    start = time.perf_counter()
    for i in range(n):
        zot.create_items([{"itemType": "webpage", "title": f"Naive {i}"}])
    return sandbox.request_count, time.perf_counter() - start


def original_noop(sandbox: RemoteSandbox) -> tuple[float, float, float]:
    """The original list synced, then a no-op: its CPU time in process, the whole process's
    CPU time (best of 5) and wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        shutil.copyfile(ORIGINAL, workdir / "list.md")
        with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
            store = SqliteStateStore.in_dir(workdir / "state")
            runner(workdir / "list.md", client, store).run()
            in_process = min(timed_run(sandbox, runner(workdir / "list.md", client, store))[2]
                             for _ in range(5))  # fmt: skip
            store.close()
        runs = [whole_process(workdir, sandbox) for _ in range(5)]
    return in_process, min(r[2] for r in runs), min(r[1] for r in runs)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("entries", type=int, nargs="?", default=10_000)
    arguments.add_argument("--latency-ms", type=float, default=50.0)
    arguments.add_argument("--memory", action="store_true")
    args = arguments.parse_args()
    n, latency = args.entries, args.latency_ms
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(latency) as sandbox:
        workdir = Path(tmp)
        path = workdir / "list.md"
        path.write_text(generate(n))
        store = SqliteStateStore.in_dir(workdir / "state")
        with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
            if args.memory:
                marginal = traced_small_syncs(workdir, sandbox, client, store, n)
            measure = traced_run if args.memory else timed_run
            before = rss_kb()
            first = measure(sandbox, runner(path, client, store))
            rss_growth = (rss_kb("VmHWM") - before) * 1024
            noop_here = timed_run(sandbox, runner(path, client, store))
            flip(path, 7)
            flipped = timed_run(sandbox, runner(path, client, store))
            kept = runner(path, client, store, keep=True)
            warm = timed_run(sandbox, kept)  # its first run reads and plans, changing nothing
            kept_flips = []
            for number in range(11, 16):
                flip(path, number)
                kept_flips.append(timed_run(sandbox, kept))
            store.close()
            noop = whole_process(workdir, sandbox)  # (its state moves to the CLI's list key)
        original = original_noop(sandbox)
        naive_n = min(n, 500)
        naive = naive_baseline(sandbox, naive_n)
    budget = math.ceil(n / 50) + 3
    print(f"entries: {n}, sandbox latency {latency:.0f} ms")
    memory = ""
    if args.memory:
        per_entry = (first[2] - marginal) / (n - SMALL)
        memory = (
            f", peak {first[2] / n:.0f} B of allocations per entry ({per_entry:.0f} B per "
            f"entry above a {SMALL}-entry first sync's peak of {marginal / 1e6:.2f} MB)"
        )
    memory += f", peak RSS {rss_growth / n:.0f} B per entry above the RSS before"
    memory += " (with tracemalloc's own)" if args.memory else ""
    print(f"first sync:     {first[0]} requests (target <= {budget}), {first[1]:.1f} s{memory}")
    print(
        f"no-op process:  {noop[0]} requests (target <= 1), {noop[1]:.2f} s wall, "
        f"{noop[2]:.2f} s CPU; the run in process {noop_here[2] * 1000:.0f} ms CPU"
    )
    print(
        f"one box flip:   {flipped[0]} requests (target <= 2), {flipped[1]:.2f} s wall, "
        f"{flipped[2]:.2f} s CPU (a fresh runner: it reads the state and plans every pair)"
    )
    cpu = sorted(run[2] for run in kept_flips)
    print(
        f"kept runner (the daemon's): first run {warm[0]} request(s), {warm[2]:.2f} s CPU "
        f"(reads and plans, changes nothing); then a box flipped: "
        f"{max(run[0] for run in kept_flips)} requests (target <= 2), CPU median "
        f"{cpu[len(cpu) // 2] * 1000:.0f} ms of {len(cpu)} (target <= 300 ms at 50,000)"
    )
    print(
        f"original list no-op: run {original[0] * 1000:.0f} ms CPU in process; whole process "
        f"{original[1]:.2f} s CPU (target <= 0.15 s), {original[2]:.2f} s wall"
    )
    per = naive[1] / naive_n
    print(
        f"naive baseline: {naive[0]} requests for {naive_n} items ({per * 1000:.0f} ms each); "
        f"for {n}: ~{n} requests, ~{per * n:.0f} s"
    )


if __name__ == "__main__":
    main()
