"""Helpers of the adversarial suite: real zotmark processes against an instrumented sandbox.

* :class:`Tripwire` watches every API request the in-process sandbox serves (when it arrives,
  when its answer goes out) and sends SIGKILL to a zotmark process at a chosen one: as the
  request arrives (it is then refused, never applied), as its answer is about to go out (the
  request was applied, the answer is never seen) or some milliseconds after the answer.
* :class:`World` is a temp directory with a config, a reading list and a state directory;
  it runs ``zotmark`` as a subprocess (``sys.executable -c "from zotmark.cli import
  entrypoint; entrypoint()"``), or in this process where only the outcome matters.
* :class:`Listing` reads a list back with regular expressions (not zotmark's parser), and the
  ``assert_*`` helpers check what every test asserts: no duplicate, no lost edit, one clear
  error paragraph, the API key nowhere.

Every wait polls with a deadline; nothing sleeps for a fixed time to await an event.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests import helpers

from zotmark.cli import main
from zotmark.sandbox import Sandbox
from zotmark.sandbox.faults import Fault, FaultSet
from zotmark.sandbox.stats import LoggedRequest, Stats

T = TypeVar("T")

# A long, distinctive API key: the sandbox is started with it (``Identity(api_key=KEY)``), every
# zotmark process gets it through ZOTERO_API_KEY, and no output, log, list or state may hold it.
KEY = "ZmAdversarial7Key4Never2Shown9In5Any3Output8x"
KEY_PART = KEY[:20]  # a leak of a long piece of the key counts too
SEED = int(os.environ.get("ZOTMARK_ADVERSARIAL_SEED") or 20261207)
POINTS = max(30, int(os.environ.get("ZOTMARK_ADVERSARIAL_POINTS") or 32))
ZOTMARK = [sys.executable, "-c", "from zotmark.cli import entrypoint; entrypoint()"]
WAIT = 30.0  # the bound on every wait; never reached when things work
TICK = 0.01
COLLECTION = "Reading List"
ORIGINAL = helpers.FIXTURES / "original-reading-list.md"


def wait_for(condition: Callable[[], T], what: str, timeout: float = WAIT) -> T:
    """:func:`tests.helpers.wait_for` with this suite's bound and tick."""
    return helpers.wait_for(condition, what, timeout, TICK)


def environment() -> dict[str, str]:
    """A zotmark process's environment: the key, no proxy for 127.0.0.1, unbuffered output."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(ZOTERO_API_KEY=KEY, NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    return env


# --- the key, nowhere ----------------------------------------------------------------------------


def assert_no_key(*texts: str | bytes) -> None:
    """None of ``texts`` holds the API key (or a long piece of it)."""
    for text in texts:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        assert KEY_PART.encode() not in data, "the API key leaked"


def files_with_key(root: Path) -> list[Path]:
    """Every regular file under ``root`` whose bytes hold the key (state files included)."""
    found = []
    for path in root.rglob("*"):
        try:
            if not path.is_file() or path.is_symlink():
                continue
            if KEY_PART.encode() in path.read_bytes():
                found.append(path)
        except OSError:
            continue
    return found


# --- the sandbox, watched ------------------------------------------------------------------------


@dataclass
class _Target:
    action: Callable[[], None]
    mode: str  # "before" | "lost" | "after"
    request: int  # 1-based, counted from arming (0: the first request ``when`` accepts)
    delay: float = 0.0  # seconds, for "after"
    refuse: bool = False  # answer the request 503 instead of serving it
    when: Callable[[str, str], bool] | None = None
    base: int = 0


class Tripwire:
    """Counts the requests of one in-process sandbox and acts at a chosen one.

    Installed into the sandbox's state in place of its fault set and its stats (both keep
    working). ``arrived``/``answered`` count API requests (``/_sandbox`` excluded); a request
    whose answer was dropped counts as answered when the server is done with it. The action
    runs on the server's thread, so it is done before the server goes on with the request.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self._lock = threading.Lock()
        self.arrived = 0
        self.answered = 0
        self.arrivals: list[tuple[float, str, str]] = []
        self.fired = threading.Event()
        self._target: _Target | None = None
        self._timer: threading.Timer | None = None
        sandbox.state.faults = _WatchedFaults(self)
        sandbox.state.stats = _WatchedStats(self)

    def reset(self) -> None:
        self.disarm()
        with self._lock:
            self.arrivals.clear()
            self.fired.clear()

    def arm(self, process: subprocess.Popen[bytes], mode: str, request: int, delay: float) -> None:
        """SIGKILL ``process`` at its ``request``-th request from now: as it arrives ("before":
        the request is then refused, never applied), as its answer is about to go out ("lost":
        applied, never seen) or ``delay`` seconds after that ("after").
        ``Popen.send_signal`` never signals a process that was already reaped."""
        assert mode in ("before", "lost", "after") and request >= 1

        def kill() -> None:
            process.send_signal(signal.SIGKILL)

        self._set(_Target(kill, mode, request, delay, refuse=mode == "before"))

    def arm_action(self, action: Callable[[], None], when: Callable[[str, str], bool]) -> None:
        """Run ``action`` as the first request ``when(method, path)`` accepts arrives."""
        self._set(_Target(action, "before", 0, when=when))

    def _set(self, target: _Target) -> None:
        with self._lock:
            self.fired.clear()
            target.base = self.arrived if target.mode == "before" else self.answered
            self._target = target

    def disarm(self) -> None:
        with self._lock:
            self._target = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def idle(self) -> bool:
        """Whether no request is in flight (a killed client's request may still be served)."""
        with self._lock:
            return self.arrived == self.answered

    def wait_idle(self) -> None:
        wait_for(self.idle, "the sandbox to finish the requests in flight")

    # --- hooks, called on the server's thread ---------------------------------------------------
    def on_arrival(self, method: str, path: str) -> bool:
        """Count an arriving request; True when it is to be refused (its client was killed).

        While an "after" kill is pending, the request waits for it: the client cannot get
        further than the request it sent, however late the timer thread runs."""
        with self._lock:
            pending = self._timer
        if pending is not None:
            pending.join(WAIT)
        with self._lock:
            self.arrived += 1
            self.arrivals.append((time.monotonic(), method, path))
            target = self._target
            if target is None or target.mode != "before":
                return False
            if target.when is not None:
                due = target.when(method, path)
            else:
                due = self.arrived - target.base == target.request
            if due:
                self._fire(target)
                return target.refuse
        return False

    def on_answer(self) -> None:
        with self._lock:
            self.answered += 1
            target = self._target
            if target is None or target.mode == "before":
                return
            if self.answered - target.base != target.request:
                return
            if target.mode == "lost":
                self._fire(target)
            else:
                self._timer = threading.Timer(target.delay, self._fire_later, (target,))
                self._timer.start()

    def _fire_later(self, target: _Target) -> None:
        with self._lock:
            if self._target is target:
                self._fire(target)
            self._timer = None

    def _fire(self, target: _Target) -> None:
        """Act once (under the lock) and disarm."""
        self._target = None
        target.action()
        self.fired.set()


class _WatchedFaults(FaultSet):
    def __init__(self, tripwire: Tripwire) -> None:
        super().__init__()
        self._tripwire = tripwire

    def pick(self, method: str, path: str) -> list[Fault]:
        faults = super().pick(method, path)
        if self._tripwire.on_arrival(method, path):
            faults.append(Fault(kind="503", value=0))  # not applied; nobody reads the answer
        return faults


class _WatchedStats(Stats):
    def __init__(self, tripwire: Tripwire) -> None:
        self._tripwire = tripwire
        super().__init__()

    def record(self, entry: LoggedRequest, route: str) -> None:
        super().record(entry, route)
        self._tripwire.on_answer()


# --- kill points ---------------------------------------------------------------------------------

LATENCY_MS = 20.0
"""Sandbox latency while a process is to be killed: the window an "after" kill lands in."""


@dataclass(frozen=True)
class KillPoint:
    """Where one run is killed: at its request ``ceil(share × requests)`` (the run's request
    count is measured, so every point is a request the run makes), in ``mode``; ``again`` is a
    second kill, of the next run, at its request ``again[1]`` (mode ``again[0]``)."""

    scenario: str
    share: float
    mode: str
    delay_ms: float = 0.0
    again: tuple[str, int] | None = None

    def request(self, total: int) -> int:
        return max(1, min(total, math.ceil(self.share * total)))

    @property
    def id(self) -> str:
        delay = f"+{self.delay_ms:.0f}ms" if self.mode == "after" else ""
        twice = f"-then-{self.again[0]}@{self.again[1]}" if self.again else ""
        return f"{self.scenario}-{self.mode}{delay}@{self.share:.2f}{twice}"


def kill_points(seed: int, count: int, scenarios: Sequence[tuple[str, float]]) -> list[KillPoint]:
    """``count`` kill points spread over ``scenarios`` (name, weight), drawn from ``seed``:
    stratified over each run's requests, modes and delays at random, a quarter killed twice."""
    rng = random.Random(seed)
    total = sum(weight for _, weight in scenarios)
    points: list[KillPoint] = []
    for name, weight in scenarios:
        n = max(1, round(count * weight / total))
        for i in range(n):
            mode = rng.choice(("before", "lost", "after"))
            delay = rng.uniform(0, 0.9 * LATENCY_MS) if mode == "after" else 0.0
            again = None
            if rng.random() < 0.25:
                again = (rng.choice(("before", "lost")), rng.randint(1, 2))
            share = (i + rng.random()) / n
            points.append(KillPoint(name, round(share, 3), mode, round(delay, 1), again))
    return points


# --- running zotmark -----------------------------------------------------------------------------


@dataclass
class Ran:
    """A finished zotmark: exit code (negative: killed by that signal), stdout, stderr."""

    code: int
    out: str
    err: str

    def __post_init__(self) -> None:
        assert_no_key(self.out, self.err)

    def ok(self) -> Ran:
        """This run, once checked to have exited 0 without a traceback."""
        assert self.code == 0, f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"
        assert "Traceback" not in self.err, self.err
        return self

    def json(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.out)
        return result

    def error(self, code: int) -> str:
        """The error, once checked: exit ``code``, no traceback, one paragraph starting with
        ``error:`` that ends stderr (warnings before it are fine); returned on one line."""
        err = self.err
        assert self.code == code, f"exit {self.code}, wanted {code}\nstderr:\n{err}"
        assert "Traceback" not in err and "Exception" not in err, err
        lines = err.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("error: ")]
        assert len(starts) == 1, f"not one error paragraph:\n{err}"
        paragraph = "\n".join(lines[starts[0] :]).strip()
        assert paragraph and "\n\n" not in paragraph, f"not one paragraph:\n{err}"
        return " ".join(paragraph.split())


class World:
    """A temp directory with ``zotmark.toml``, a list file and a state directory."""

    def __init__(
        self,
        root: Path,
        sandbox: Sandbox,
        text: str | bytes,
        *,
        list_name: str = "list.md",
        stream: bool = False,
        poll: float = 3600,
        debounce: float = 0.2,
    ) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.sandbox = sandbox
        self.list = root / list_name
        if isinstance(text, bytes):
            self.list.write_bytes(text)
        else:
            self.list.write_bytes(text.encode("utf-8"))
        self.state = root / "state"
        self.config = root / "zotmark.toml"
        self.write_config(
            f'[zotero]\nbase_url = "{sandbox.url}"\n'
            f'stream_url = "{sandbox.stream_url if stream else ""}"\n'
            f'[state]\ndir = "state"\n'
            f"[daemon]\npoll_seconds = {poll}\ndebounce_seconds = {debounce}\n"
            f'[[lists]]\nname = "papers"\nfile = "{list_name}"\ncollection = "{COLLECTION}"\n'
            "enrich = false\n"
        )
        self.runs = root / "runs"
        self.runs.mkdir(exist_ok=True)
        self._count = 0

    def write_config(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")
        self.config.chmod(0o600)

    # --- the list ---------------------------------------------------------------------------------
    def text(self) -> str:
        return self.list.read_bytes().decode("utf-8")

    def listing(self) -> Listing:
        return Listing(self.text())

    # --- zotmark ----------------------------------------------------------------------------------
    def _outputs(self, command: str) -> tuple[Path, Path]:
        self._count += 1
        stem = self.runs / f"{self._count:02d}-{command}"
        return stem.with_suffix(".out"), stem.with_suffix(".err")

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> Running:
        """Start ``zotmark ARGS`` (``--config`` added after the command) as a subprocess."""
        argv = [args[0], "--config", str(self.config), *args[1:]]
        out, err = self._outputs(args[0])
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [*ZOTMARK, *argv],
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env=env or environment(),
                cwd=self.root,
            )
        return Running(process, out, err)

    def run(self, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> Ran:
        """``zotmark ARGS`` as a subprocess, to its end."""
        return self.spawn(*args, env=env).wait(timeout)

    def run_here(self, *args: str) -> Ran:
        """``zotmark ARGS`` in this process (cheaper; for runs whose outcome only is checked)."""
        out, err = io.StringIO(), io.StringIO()
        saved = os.environ.get("ZOTERO_API_KEY")
        os.environ["ZOTERO_API_KEY"] = KEY
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main([args[0], "--config", str(self.config), *args[1:]])
        finally:
            if saved is None:
                del os.environ["ZOTERO_API_KEY"]
            else:
                os.environ["ZOTERO_API_KEY"] = saved
        return Ran(code, out.getvalue(), err.getvalue())


@dataclass
class Running:
    """A zotmark subprocess whose stdout and stderr go to files."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float = 60) -> Ran:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(WAIT)
            raise AssertionError(f"zotmark ran longer than {timeout} s:\n{self.stderr()}") from None
        return Ran(code, self.stdout(), self.stderr())

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


# --- the list, read back without zotmark's parser ------------------------------------------------

_KEY = "[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}"
ANCHOR = re.compile(rf" <!-- zotero:({_KEY}) -->(?=\r?$)", re.MULTILINE)
_ENTRY = re.compile(rf"^- \[(?P<box>[ xX])\] (?P<body>.*?)(?: <!-- zotero:(?P<key>{_KEY}) -->)?$")
_FLAG = re.compile(r"^(?:    |\t)- \[(?P<box>[ xX])\] Relevant\?$")
_TITLE = re.compile(r"^(?P<strike>~~)?\*\*(?P<title>.+?)\*\*(?(strike)~~)")


def strip_anchors(text: str) -> str:
    """``text`` without zotmark's anchors: what the user's own file looked like."""
    return ANCHOR.sub("", text)


@dataclass
class Row:
    """One top-level entry of a list: its line (0-based), boxes, title, anchor."""

    line: int
    read: bool
    title: str
    struck: bool
    key: str | None
    relevant: bool | None = None


@dataclass
class Listing:
    """A list read with regular expressions: top-level ``- [ ]`` entries with a bold title
    (struck or not), each optionally followed by a ``Relevant?`` box indented by 4 spaces or
    a tab. Lines that are not entries are kept as text only."""

    text: str
    rows: list[Row] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = []
        for number, line in enumerate(self.text.splitlines()):
            entry, flag = _ENTRY.match(line), _FLAG.match(line)
            if entry:
                title = _TITLE.match(entry["body"])
                assert title, f"line {number + 1}: an entry without a bold title: {line!r}"
                read = entry["box"] != " "
                struck = bool(title["strike"])
                self.rows.append(Row(number, read, title["title"], struck, entry["key"]))
            elif flag and self.rows and self.rows[-1].line == number - 1:
                self.rows[-1].relevant = flag["box"] != " "

    def by_title(self) -> dict[str, Row]:
        titles = [row.title for row in self.rows]
        assert len(titles) == len(set(titles)), f"an entry is listed twice: {titles}"
        return {row.title: row for row in self.rows}

    def row(self, fragment: str) -> Row:
        found = [row for row in self.rows if fragment in row.title]
        assert len(found) == 1, f"{len(found)} entries titled like {fragment!r}"
        return found[0]


# --- the library ---------------------------------------------------------------------------------


def tags(item: dict[str, Any]) -> set[str]:
    return {t["tag"] for t in item.get("tags", [])}


def the_collection(sandbox: Sandbox) -> str:
    """The key of the one collection named :data:`COLLECTION` (two would be a duplicate)."""
    named = [k for k, c in sandbox.collections().items() if c.get("name") == COLLECTION]
    assert len(named) == 1, f"{len(named)} collections named {COLLECTION!r}"
    return named[0]


def in_collection(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """The items in the collection and not in the trash, by key."""
    collection = the_collection(sandbox)
    return {
        key: item
        for key, item in sandbox.items().items()
        if collection in item.get("collections", []) and not item.get("deleted")
    }


def assert_no_duplicates(sandbox: Sandbox, total: int) -> None:
    """Exactly ``total`` items in the library, no two with the same title."""
    titles = [
        " ".join(str(i.get("title", "")).casefold().split()) for i in sandbox.items().values()
    ]
    assert len(titles) == len(set(titles)), f"two items of one paper: {sorted(titles)}"
    assert len(titles) == total, f"{len(titles)} items in the library, expected {total}"


def assert_paired(sandbox: Sandbox, listing: Listing) -> None:
    """Both sides agree: each live entry is anchored to its own item in the collection whose
    title and tags match its boxes; struck entries' items are out of it; nothing else is in."""
    keys = [row.key for row in listing.rows]
    assert None not in keys, f"an entry without an anchor: {listing.rows}"
    assert len(keys) == len(set(keys)), f"two entries anchored to one item: {keys}"
    live = in_collection(sandbox)
    for row in listing.rows:
        assert row.key is not None
        if row.struck:
            assert row.key not in live, f"{row.title!r} is struck but its item is in the collection"
            continue
        item = live.get(row.key)
        assert item is not None, f"{row.title!r}: its item {row.key} is not in the collection"
        assert item["title"] == row.title, (item["title"], row.title)
        assert ("read" in tags(item)) == row.read, (
            f"{row.title!r}: box {row.read}, tags {tags(item)}"
        )
        if row.relevant is not None:
            relevant = "relevant" in tags(item)
            assert relevant == row.relevant, f"{row.title!r}: Relevant? {row.relevant}"
    extra = set(live) - {row.key for row in listing.rows if not row.struck}
    assert not extra, f"items in the collection with no entry: {extra}"


def assert_idle(world: World) -> None:
    """A further sync sends at most one request and changes nothing on either side."""
    sandbox = world.sandbox
    before, version = world.list.read_bytes(), sandbox.library_version()
    sandbox.reset_stats()
    world.run_here("sync").ok()
    assert sandbox.request_count <= 1, sandbox.stats()["by_route"]
    assert world.list.read_bytes() == before
    assert sandbox.library_version() == version


# --- the daemon ----------------------------------------------------------------------------------

_FIELD = re.compile(r'([\w.]+)=("(?:[^"\\]|\\.)*"|\S*)')


def log_fields(line: str) -> dict[str, str]:
    """One key=value log line's fields (quoted values unquoted)."""
    return {k: json.loads(v) if v.startswith('"') else v for k, v in _FIELD.findall(line)}


class Daemon:
    """``zotmark daemon --log-level debug`` of a world; its log goes to ``log``."""

    def __init__(self, world: World, log: str = "daemon.log") -> None:
        self.world = world
        self.log = world.root / log
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [*ZOTMARK, "daemon", "--config", str(world.config), "--log-level", "debug"],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env=environment(),
                cwd=world.root,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def events(self, msg: str | None = None) -> list[dict[str, str]]:
        lines = [log_fields(line) for line in self.text().splitlines() if line.startswith("ts=")]
        return [e for e in lines if msg is None or e.get("msg") == msg]

    def runs(self) -> list[dict[str, str]]:
        """The finished runs (``msg=run``), in order."""
        return self.events("run")

    def started(self) -> int:
        return sum(1 for e in self.events() if e.get("msg", "").startswith("sync run starting"))

    def alive(self) -> bool:
        return self.process.poll() is None

    def check_alive(self) -> None:
        assert self.alive(), f"the daemon exited with {self.process.returncode}:\n{self.text()}"

    def wait(self, condition: Callable[[], T], what: str) -> T:
        def check() -> T:
            self.check_alive()
            return condition()

        return wait_for(check, what)

    def wait_ready(self) -> None:
        self.wait(lambda: any("start" in e.get("reason", "") for e in self.runs()), "the start run")

    def wait_quiet(self, seconds: float) -> int:
        """Until no run started or finished for ``seconds``; the number of finished runs."""
        last = (len(self.runs()), self.started())
        quiet_since = began = time.monotonic()
        while time.monotonic() - quiet_since < seconds:
            time.sleep(TICK)
            self.check_alive()
            now = (len(self.runs()), self.started())
            if now != last:
                last, quiet_since = now, time.monotonic()
            assert time.monotonic() - began < WAIT, f"the daemon never went quiet:\n{self.text()}"
        return last[0]

    def stop(self, timeout: float = WAIT) -> int:
        """SIGTERM and the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)

    def kill_now(self) -> None:
        """SIGKILL without waiting (from any thread; a reaped process is not signalled)."""
        self.process.send_signal(signal.SIGKILL)
