"""The daemon's latencies and idle cost (DESIGN §8), against a ``zotmark sandbox`` subprocess.

``zotmark daemon`` runs as a subprocess with the default ``debounce_seconds`` (0.5) on a
20-entry list, and this script measures:

* save → Zotero: a box ticked in the file (plain and atomic-rename saves alternate) until the
  item carries the tag on the server, over ``--saves`` saves (target p95 ≤ 2 s);
* Zotero → file with streaming: a tag added through the API (as the Zotero app would) until
  the box is ticked in the file, over ``--edits`` edits (target ≤ 3 s);
* Zotero → file without streaming: the same with ``stream_url = ""`` and ``poll_seconds = 5``
  over ``--poll-edits`` edits (target ≤ poll_seconds + 2 s);
* idle: the daemon's CPU time (``/proc/PID/stat``) and RSS (``/proc/PID/status``) over
  ``--idle-seconds`` with nothing changing (targets < 1 % of one core, RSS < 120 MB).

Latencies are measured by polling the observable end (the server's item, the file) every 10 ms.
Between two samples the script waits until the daemon logged no run for 0.5 s.

At scale (``--entries 50000 --debounce 0.05 --saves 10 --edits 0 --poll-edits 0``) the list
has that many entries (the daemon's first sync creates them all) and each save also reports
the daemon's CPU time for the run it caused (``/proc/PID/stat`` before the save and once the
daemon is quiet again; targets at 50,000 entries: median save → Zotero ≤ 0.5 s, ≤ 0.3 s of
CPU per run, idle RSS ≤ 150 MB). With ``--restart`` the daemon is then stopped and started
again on the synced list (the common case: a daemon restarted), and the idle figures, the
saves and the idle figures once more are measured for it: it reads nothing of the state nor
parses the list until the first change, which therefore costs the most.

Run: ``.venv/bin/python benchmarks/bench_daemon.py [--saves 20] [--edits 20] [--idle-seconds 60]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

ZOTMARK = [sys.executable, "-c", "from zotmark.cli import entrypoint; entrypoint()"]
ANCHOR = re.compile(r"<!-- zotero:([A-Z0-9]{8}) -->")
RENEWED = re.compile(r'msg=run reason="[^"]*\brenew ')  # (requests served together join)
TICK = 0.01


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(TICK)
    return value


class Server:
    """``zotmark sandbox`` and a small API client for it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [*ZOTMARK, "sandbox"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.info: dict[str, Any] = json.loads(self.process.stdout.readline())
        self.http = httpx2.Client(
            base_url=f"{self.info['url']}/users/{self.info['user_id']}",
            headers={"Zotero-API-Key": self.info["api_key"]},
            trust_env=False,
        )

    def tags(self, key: str) -> set[str]:
        data = self.http.get(f"/items/{key}").json()["data"]
        return {t["tag"] for t in data["tags"]}

    def add_tag(self, key: str, tag: str) -> None:
        data = self.http.get(f"/items/{key}").json()["data"]
        headers = {"If-Unmodified-Since-Version": str(data["version"])}
        body = {"tags": [*data["tags"], {"tag": tag}]}
        self.http.patch(f"/items/{key}", json=body, headers=headers).raise_for_status()

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(10)


class Daemon:
    """``zotmark daemon`` on a fresh list of ``entries`` entries in ``root``."""

    def __init__(
        self,
        root: Path,
        server: Server,
        *,
        streaming: bool,
        poll: float,
        entries: int = 20,
        debounce: float = 0.5,
    ) -> None:
        self.root = root
        self.list = root / "list.md"
        self.entries = entries
        self.list.write_text(
            "".join(
                f"- [ ] **Benchmark paper {n}** ([Link](https://arxiv.org/abs/{2101 + n // 99999}."
                f"{n % 99999:05d}))\n    - [ ] Relevant?\n"
                for n in range(1, entries + 1)
            )
        )
        config = root / "zotmark.toml"
        stream = server.info["stream_url"] if streaming else ""
        config.write_text(
            f'[zotero]\nbase_url = "{server.info["url"]}"\nstream_url = "{stream}"\n'
            f'[state]\ndir = "state"\n[daemon]\npoll_seconds = {poll}\n'
            f"debounce_seconds = {debounce}\n"
            f'[[lists]]\nfile = "list.md"\ncollection = "Bench"\nenrich = false\n'
        )
        config.chmod(0o600)
        self.config = config
        self.log = root / "daemon.log"
        self.env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.env["ZOTERO_API_KEY"] = server.info["api_key"]
        self.process = self._start()
        try:
            timeout = 60 + entries / 100
            wait_for(lambda: len(ANCHOR.findall(self.list.read_text())) == entries, timeout)
            wait_for(lambda: self.runs() >= 1, timeout)  # the first sync goes on after its
            # file write (it records the state): a save's figures must not include its end;
            # nor the run that renews the list's runner after the first sync created its items
            wait_for(lambda: RENEWED.search(self.log.read_text()), timeout)
        except BaseException:
            self.stop()
            raise
        self.quiet()

    def _start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen(
                [*ZOTMARK, "daemon", "--config", str(self.config)],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=self.env,
            )

    def restart(self) -> None:
        """Stop the daemon and start another on the same list and state (synced): it starts
        with a run that finds nothing changed."""
        self.stop()
        runs = self.runs()
        self.process = self._start()
        wait_for(lambda: self.runs() > runs, 60 + self.entries / 100)
        self.quiet()

    def runs(self) -> int:
        return self.log.read_text().count(" msg=run ")

    def quiet(self, seconds: float = 0.5) -> None:
        """Wait until no run finished for ``seconds``."""
        last, since = self.runs(), time.monotonic()
        while time.monotonic() - since < seconds:
            time.sleep(TICK)
            if (now := self.runs()) != last:
                last, since = now, time.monotonic()

    def lines(self) -> list[str]:
        return self.list.read_text().splitlines(keepends=True)

    def item_keys(self) -> list[str]:
        return [m.group(1) for line in self.lines() if (m := ANCHOR.search(line))]

    def ticked(self, key: str) -> bool:
        return any(line.startswith("- [x]") and key in line for line in self.lines())

    def tick(self, key: str, *, atomic: bool) -> None:
        text = "".join(
            line.replace("- [ ]", "- [x]", 1) if key in line else line for line in self.lines()
        )
        if atomic:
            temp = self.root / ".list.md.tmp"
            temp.write_text(text)
            os.replace(temp, self.list)
        else:
            with self.list.open("w") as handle:
                handle.write(text)

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def save_to_zotero(
    daemon: Daemon, server: Server, count: int, cpu: list[float] | None = None, first: int = 0
) -> list[float]:
    """Latencies of ``count`` saves (ticking the entries from the ``first``th on); ``cpu``,
    when given, gets the daemon's CPU time per run."""
    samples = []
    for i, key in enumerate(daemon.item_keys()[first : first + count]):
        before = cpu_seconds(daemon.process.pid)
        started = time.monotonic()
        daemon.tick(key, atomic=i % 2 == 1)
        wait_for(lambda key=key: "read" in server.tags(key))
        samples.append(time.monotonic() - started)
        daemon.quiet()
        if cpu is not None:
            cpu.append(cpu_seconds(daemon.process.pid) - before)
    return samples


def zotero_to_file(daemon: Daemon, server: Server, count: int, offset: int = 0) -> list[float]:
    samples = []
    for key in daemon.item_keys()[offset : offset + count]:
        started = time.monotonic()
        server.add_tag(key, "read")
        wait_for(lambda key=key: daemon.ticked(key))
        samples.append(time.monotonic() - started)
        daemon.quiet()
    return samples


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def idle(daemon: Daemon, seconds: float) -> tuple[float, float, float]:
    """CPU % of one core, the largest RSS sampled (MB) and the peak RSS (VmHWM, MB)."""
    pid = daemon.process.pid
    cpu0, wall0, largest = cpu_seconds(pid), time.monotonic(), 0.0
    while time.monotonic() - wall0 < seconds:
        largest = max(largest, rss_mb(pid))
        time.sleep(1.0)
    cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0) * 100
    return cpu, largest, rss_mb(pid, "VmHWM")


def describe(name: str, samples: list[float], target: float) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    verdict = "ok" if p95 <= target else "OVER TARGET (p95)"
    print(
        f"{name}: n={len(samples)} p50={statistics.median(samples):.2f}s p95={p95:.2f}s "
        f"max={ordered[-1]:.2f}s (target p95 <= {target:.1f}s: {verdict})"
    )


def untick_all(daemon: Daemon, server: Server) -> None:
    """Untick every box in the file and wait until Zotero agrees."""
    text = re.sub(r"^- \[x\]", "- [ ]", daemon.list.read_text(), flags=re.M)
    daemon.list.write_text(text)
    wait_for(lambda: all("read" not in server.tags(k) for k in daemon.item_keys()))
    daemon.quiet()


def streaming_figures(server: Server, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as root:
        started = time.monotonic()
        daemon = Daemon(
            Path(root), server, streaming=True, poll=60, entries=args.entries,
            debounce=args.debounce,
        )  # fmt: skip
        print(f"first sync of {args.entries} entries: {time.monotonic() - started:.1f} s wall")
        try:
            runs: list[float] = []
            saves = save_to_zotero(daemon, server, args.saves, runs)
            describe("save -> Zotero", saves, 2.0 if args.entries <= 20 else 0.5)
            print(
                f"daemon CPU per save (debounce {args.debounce} s): median "
                f"{statistics.median(runs):.3f} s, max {max(runs):.3f} s"
            )
            if args.edits:
                untick_all(daemon, server)
                samples = zotero_to_file(daemon, server, args.edits)
                describe("Zotero -> file (streaming)", samples, 3.0)
            report_idle(daemon, args.idle_seconds)
            if args.restart:
                daemon.restart()
                print("restarted on the synced list:")
                report_idle(daemon, args.idle_seconds)
                runs = []
                saves = save_to_zotero(daemon, server, args.saves, runs, first=args.saves)
                describe("save -> Zotero (restarted)", saves, 2.0 if args.entries <= 20 else 0.5)
                print(f"daemon CPU per save (restarted): {', '.join(f'{r:.3f}' for r in runs)} s")
                report_idle(daemon, args.idle_seconds)
        finally:
            print(f"daemon exit code after SIGTERM: {daemon.stop()}")


def report_idle(daemon: Daemon, seconds: float) -> None:
    cpu, rss, peak = idle(daemon, seconds)
    print(
        f"idle over {seconds:.0f}s: cpu={cpu:.2f}% of one core (target < 1%), "
        f"rss={rss:.1f} MB (peak {peak:.1f} MB; target < 120 MB, 150 MB at 50,000)"
    )


def polling_figures(server: Server, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as root:
        daemon = Daemon(Path(root), server, streaming=False, poll=5)
        try:
            samples = zotero_to_file(daemon, server, args.poll_edits)
            describe("Zotero -> file (poll 5 s, no streaming)", samples, 5 + 2.0)
        finally:
            daemon.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--poll-edits", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--debounce", type=float, default=0.5)
    parser.add_argument(
        "--restart", action="store_true",
        help="then restart the daemon on the synced list: its idle RSS, saves and idle again",
    )  # fmt: skip
    args = parser.parse_args()
    server = Server()
    try:
        streaming_figures(server, args)
        if args.poll_edits:
            polling_figures(server, args)
    finally:
        server.close()


if __name__ == "__main__":
    main()
