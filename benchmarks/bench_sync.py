"""Sync benchmarks (DESIGN §8): requests and wall time against the sandbox at 50 ms latency.

Run: ``.venv/bin/python benchmarks/bench_sync.py [N]`` (default N = 10,000 entries).

Measures, for a generated N-entry list:
- the first sync (every entry new): requests (target ≤ ceil(N/50) + 10) and wall time;
- a no-op sync as a whole ``zotmark sync`` process: requests (≤ 1) and wall time (≤ 1 s);
- one box flipped: requests (≤ 3);
- a naive baseline: one create request per item, as a tool without batching would send.

The sandbox runs as its own process (``zotmark sandbox --latency-ms 50``), as zotero.org
would, so its CPU time does not compete with the client's for one interpreter lock.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyzotero.zotero import Zotero

from zotmark.core.actions import Policy
from zotmark.state import SqliteStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

LATENCY_MS = 50.0


def generate(n: int) -> str:
    """A list of n entries in the original list's style, half with arXiv links."""
    lines = []
    for i in range(n):
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


def runner(path: Path, client: ZoteroClient, store: SqliteStateStore) -> ListRunner:
    document = ListDocument(path, {"Relevant?": "relevant"})
    return ListRunner("bench", Policy(collection="Bench"), ZoteroLibrary(client), store, document)


def timed_run(sandbox: RemoteSandbox, run: ListRunner) -> tuple[int, float]:
    sandbox.reset_stats()
    start = time.perf_counter()
    run.run()
    return sandbox.request_count, time.perf_counter() - start


def whole_process(workdir: Path, sandbox: RemoteSandbox) -> tuple[int, float]:
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
    start = time.perf_counter()
    subprocess.run([zotmark, "sync", "--config", str(config)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return sandbox.request_count, time.perf_counter() - start


def naive_baseline(sandbox: RemoteSandbox, n: int) -> tuple[int, float]:
    zot = sandbox.zotero()
    sandbox.reset_stats()
    start = time.perf_counter()
    for i in range(n):
        zot.create_items([{"itemType": "webpage", "title": f"Naive {i}"}])
    return sandbox.request_count, time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(LATENCY_MS) as sandbox:
        workdir = Path(tmp)
        path = workdir / "list.md"
        path.write_text(generate(n))
        store = SqliteStateStore.in_dir(workdir / "state")
        with ZoteroClient("user", sandbox.user_id, sandbox.api_key, sandbox.url) as client:
            first = timed_run(sandbox, runner(path, client, store))
            timed_run(sandbox, runner(path, client, store))  # settles our own writes' version
            store.close()
            noop = whole_process(workdir, sandbox)
            store = SqliteStateStore.in_dir(workdir / "state")
            text = path.read_text()
            path.write_text(
                text.replace(
                    "- [ ] **Generated paper number 7 ", "- [x] **Generated paper number 7 ", 1
                )
            )
            flip = timed_run(sandbox, runner(path, client, store))
            store.close()
        naive_n = min(n, 500)
        naive = naive_baseline(sandbox, naive_n)
    budget = math.ceil(n / 50) + 10
    print(f"entries: {n}, sandbox latency {LATENCY_MS:.0f} ms")
    print(
        f"first sync:     {first[0]} requests (target <= {budget}), {first[1]:.1f} s "
        f"(target <= {1.2 * first[0] * LATENCY_MS / 1000:.1f} s)"
    )
    print(f"no-op process:  {noop[0]} requests (target <= 1), {noop[1]:.2f} s (target <= 1 s)")
    print(f"one box flip:   {flip[0]} requests (target <= 3), {flip[1]:.2f} s")
    per = naive[1] / naive_n
    print(
        f"naive baseline: {naive[0]} requests for {naive_n} items ({per * 1000:.0f} ms each); "
        f"for {n}: ~{n} requests, ~{per * n:.0f} s"
    )


if __name__ == "__main__":
    main()
