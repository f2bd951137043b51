"""Run ``zotmark daemon`` as a subprocess and observe it through its log (system-test helper).

The daemon logs one ``key=value`` line per event to stderr, which goes to a file here; the
helpers parse those lines and wait, with bounded polling, for conditions on them, on files and
on the sandbox. Nothing here sleeps for a fixed time except the polling interval itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tests.helpers import FIXTURES, wait_for

T = TypeVar("T")

WAIT = 20.0  # the bound on any wait; never reached when things work
TICK = 0.02
_FIELD = re.compile(r'([\w.]+)=("(?:[^"\\]|\\.)*"|\S*)')
ZOTMARK = [sys.executable, "-c", "from zotmark.cli import entrypoint; entrypoint()"]
OWN_WRITE_IGNORED = "ignoring events caused by zotmark's own write"  # the watcher's debug line


def run_zotmark(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """One ``zotmark`` command run to its end in a process of its own (text output kept)."""
    return subprocess.run(
        [sys.executable, "-m", "zotmark.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def original_list_config(
    directory: Path,
    url: str,
    *,
    collection: str = "Reading List",
    enrich: bool = False,
    extra: str = "",
    mode: int = 0o600,
) -> Path:
    """A copy of the original list (``list.md``) in ``directory`` and a ``zotmark.toml`` beside
    it syncing it with the server at ``url`` (no streaming, state in ``state``); ``extra`` goes
    into ``[zotero]``. Returns the config's path."""
    shutil.copyfile(FIXTURES / "original-reading-list.md", directory / "list.md")
    config = directory / "zotmark.toml"
    config.write_text(
        f'[zotero]\nbase_url = "{url}"\nstream_url = ""\n{extra}[state]\ndir = "state"\n'
        f'[[lists]]\nfile = "list.md"\ncollection = "{collection}"\n'
        f"enrich = {'true' if enrich else 'false'}\n"
    )
    config.chmod(mode)
    return config


def parse_line(line: str) -> dict[str, str]:
    """One log line's fields (quoted values unquoted)."""
    fields = {}
    for key, raw in _FIELD.findall(line):
        fields[key] = json.loads(raw) if raw.startswith('"') else raw
    return fields


def config_text(url: str, stream_url: str, *, poll: float = 3600, debounce: float = 0.3) -> str:
    """A config for ``list.md`` (collection "Reading List") in the config's directory."""
    return (
        f'[zotero]\nbase_url = "{url}"\nstream_url = "{stream_url}"\n'
        f'[state]\ndir = "state"\n'
        f"[daemon]\npoll_seconds = {poll}\ndebounce_seconds = {debounce}\n"
        f'[[lists]]\nname = "papers"\nfile = "list.md"\ncollection = "Reading List"\n'
        f"enrich = false\n"
    )


def environment(api_key: str) -> dict[str, str]:
    """The daemon's environment: the key, and no proxy for 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(ZOTERO_API_KEY=api_key, NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    return env


class DaemonProcess:
    """``zotmark daemon --config CONFIG --log-level debug``, stderr logged to ``log_path``."""

    def __init__(self, config: Path, api_key: str, *, streaming: bool) -> None:
        self.config = config
        self.streaming = streaming
        self.log_path = config.parent / "daemon.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [*ZOTMARK, "daemon", "--config", str(config), "--log-level", "debug"],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=environment(api_key),
            cwd=config.parent,
        )

    # --- the log ------------------------------------------------------------------------------
    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def events(self, msg: str | None = None) -> list[dict[str, str]]:
        """Every parsed log line (only those with ``msg`` when given)."""
        lines = [parse_line(line) for line in self.text().splitlines() if line.startswith("ts=")]
        return [f for f in lines if msg is None or f.get("msg") == msg]

    def runs(self) -> list[str]:
        """The reasons of the finished runs, in order."""
        return [event.get("reason", "") for event in self.events("run")]

    def started(self) -> list[str]:
        """The reasons of the runs started so far (the scheduler's debug line), in order."""
        prefix = "sync run starting ("
        return [
            e["msg"][len(prefix) : -1] for e in self.events() if e.get("msg", "").startswith(prefix)
        ]

    def wait_run_started(self, reason: str) -> None:
        """Until a run whose (coalesced) reasons include ``reason`` has started."""
        self.wait_log(
            lambda _events: any(reason in r.split("; ") for r in self.started()),
            f"a run for {reason!r} to start",
        )

    # --- waiting ------------------------------------------------------------------------------
    def wait_log(self, condition: Callable[[list[dict[str, str]]], Any], what: str) -> Any:
        def check() -> Any:
            self.check_alive()
            return condition(self.events())

        return wait_for(check, what)

    def wait_ready(self) -> None:
        """Until the start run (and, when streaming, the run after subscribing) finished, and,
        when a run created items (a first sync), the run that renews the list's runner."""
        wanted = ["start", "stream connected"] if self.streaming else ["start"]
        first = self.wait_log(lambda _events: self.events("list.synced"), "a synced list")[0]
        if not first.get("summary", "").startswith("0 created"):
            wanted.append(f"renew {first['list']}")
        for reason in wanted:
            self.wait_log(
                lambda events, r=reason: any(
                    e.get("msg") == "run" and r in e.get("reason", "").split("; ") for e in events
                ),
                f"a finished run for {reason!r}",
            )

    def wait_own_write_ignored(self, seen: int = 0) -> None:
        """Until, after the ``seen``-th log event, the watcher let the events of zotmark's own
        write pass (it logs that one debounce after their last event) and no run is in flight."""

        def settled(events: list[dict[str, str]]) -> bool:
            msgs = [e.get("msg", "") for e in events[seen:]]
            in_flight = sum(m.startswith("sync run starting") for m in msgs) != msgs.count("run")
            return not in_flight and any(m.startswith(OWN_WRITE_IGNORED) for m in msgs)

        self.wait_log(settled, "the events of zotmark's own write to be ignored")

    def wait_quiet(self, seconds: float) -> list[str]:
        """Until no run finished and none started for ``seconds``; the runs seen overall."""
        last = (len(self.runs()), len(self.started()))
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < seconds:
            time.sleep(TICK)
            self.check_alive()
            now = (len(self.runs()), len(self.started()))
            if now != last:
                last, quiet_since = now, time.monotonic()
            if time.monotonic() - quiet_since > WAIT:
                raise AssertionError("the daemon never went quiet")
        return self.runs()

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise AssertionError(f"the daemon exited with {code}:\n{self.text()}")

    # --- stopping -----------------------------------------------------------------------------
    def terminate(self, sig: int = signal.SIGTERM, timeout: float = WAIT) -> int:
        """Send ``sig`` and wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)
        self._log.close()
