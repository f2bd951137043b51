"""``zotmark daemon`` as a subprocess against the sandbox: saves, streaming, polling, bursts,
its own writes, a server outage and SIGTERM in the middle of a run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx2
import pytest
from tests.helpers import wait_for
from tests.system.daemon_process import (
    ZOTMARK,
    DaemonProcess,
    config_text,
    environment,
)

from zotmark.cli import main
from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

LIST = """# Papers

- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))
    - [ ] Relevant?
- [ ] **Deep Residual Learning for Image Recognition** ([Link](https://arxiv.org/abs/1512.03385))
    - [ ] Relevant?
- [ ] **Denoising Diffusion Probabilistic Models** ([Link](https://arxiv.org/abs/2006.11239))
    - [ ] Relevant?
"""
ATTENTION, RESNET, DIFFUSION = "Attention Is All", "Deep Residual", "Denoising Diffusion"
_ANCHOR = re.compile(r"<!-- zotero:([A-Z0-9]{8}) -->")


class World:
    """A temp dir with a config and list, a sandbox, and the daemon running on them."""

    def __init__(self, root: Path, url: str, stream_url: str, api_key: str, **conf: Any) -> None:
        self.root = root
        self.list = root / "list.md"
        self.list.write_text(LIST, encoding="utf-8")
        self.config = root / "zotmark.toml"
        self.config.write_text(config_text(url, stream_url, **conf), encoding="utf-8")
        self.config.chmod(0o600)
        self.api_key = api_key
        self.daemon = DaemonProcess(self.config, api_key, streaming=bool(stream_url))

    def text(self) -> str:
        return self.list.read_text(encoding="utf-8")

    def key_of(self, title: str) -> str:
        line = next(line for line in self.text().splitlines() if title in line)
        match = _ANCHOR.search(line)
        assert match, f"no anchor on {line!r}"
        return match.group(1)

    def ticked(self, title: str) -> bool:
        return any(line.startswith("- [x]") and title in line for line in self.text().splitlines())

    def save(self, text: str, *, atomic: bool = False) -> None:
        """Save as an editor would: in place, or a temp file renamed over the list."""
        if atomic:
            temp = self.root / ".list.md.swp"
            temp.write_text(text, encoding="utf-8")
            os.replace(temp, self.list)
        else:
            with self.list.open("w", encoding="utf-8") as handle:
                handle.write(text)

    def tick(self, title: str, text: str | None = None) -> str:
        """The list text with ``title``'s own box ticked."""
        lines = (text if text is not None else self.text()).splitlines(keepends=True)
        return "".join(
            line.replace("- [ ]", "- [x]", 1) if title in line else line for line in lines
        )

    def sync(self, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
        """``zotmark sync --json`` in-process (the daemon must have stopped)."""
        capsys.readouterr()
        os.environ["ZOTERO_API_KEY"] = self.api_key
        try:
            code = main(["sync", "--config", str(self.config), "--json", *args])
        finally:
            del os.environ["ZOTERO_API_KEY"]
        out = capsys.readouterr().out
        assert code == 0, out
        result: dict[str, Any] = json.loads(out)["lists"][0]
        return result


def _tags(item: dict[str, Any]) -> set[str]:
    return {t["tag"] for t in item.get("tags", [])}


def _item(sandbox: Sandbox, key: str) -> dict[str, Any]:
    return sandbox.items().get(key, {})


def _file_writer(world: World, seen: int) -> str:
    """The reason of the first run after log event ``seen`` that wrote the file."""
    synced = world.daemon.wait_log(
        lambda events: [e for e in events[seen:] if e.get("msg") == "list.synced"
                        and "file changed" in e.get("summary", "")],
        "the run that wrote the file",
    )  # fmt: skip
    return str(synced[0]["reason"])


@pytest.fixture
def start(tmp_path: Path, sandbox: Sandbox) -> Iterator[Any]:
    worlds: list[World] = []

    def make(*, streaming: bool = True, **conf: Any) -> World:
        stream_url = sandbox.stream_url if streaming else ""
        world = World(tmp_path, sandbox.url, stream_url, sandbox.api_key, **conf)
        worlds.append(world)
        world.daemon.wait_ready()
        return world

    yield make
    for world in worlds:
        world.daemon.kill()


def test_plain_write_save_reaches_zotero(start: Any, sandbox: Sandbox) -> None:
    world = start()
    key = world.key_of(RESNET)
    world.save(world.tick(RESNET))
    wait_for(lambda: "read" in _tags(_item(sandbox, key)), "the read tag in Zotero")
    assert world.daemon.terminate() == 0


def test_atomic_rename_save_reaches_zotero(start: Any, sandbox: Sandbox) -> None:
    world = start()
    key = world.key_of(DIFFUSION)
    world.save(world.tick(DIFFUSION), atomic=True)
    wait_for(lambda: "read" in _tags(_item(sandbox, key)), "the read tag in Zotero")
    assert world.daemon.terminate() == 0


def test_tag_toggled_in_zotero_reaches_the_file_via_streaming(start: Any, sandbox: Sandbox) -> None:
    world = start(poll=3600)
    key, seen = world.key_of(ATTENTION), len(world.daemon.events())
    sandbox.update_item(key, {"tags": [{"tag": "read"}]})
    wait_for(lambda: world.ticked(ATTENTION), "the box ticked in the file")
    assert "stream" in _file_writer(world, seen).split("; ")


def test_tag_toggled_in_zotero_reaches_the_file_via_the_poll_without_streaming(
    start: Any, sandbox: Sandbox
) -> None:
    world = start(streaming=False, poll=1)
    key, seen = world.key_of(ATTENTION), len(world.daemon.events())
    sandbox.update_item(key, {"tags": [{"tag": "read"}]})
    wait_for(lambda: world.ticked(ATTENTION), "the box ticked in the file")
    assert _file_writer(world, seen) == "poll"


def test_burst_of_twenty_saves_within_a_second_causes_at_most_two_runs(
    start: Any, sandbox: Sandbox
) -> None:
    world = start(streaming=False, debounce=0.5)
    world.daemon.wait_own_write_ignored()  # the start run's anchors
    before = len(world.daemon.runs())
    sandbox.reset_stats()
    original, key = world.text(), world.key_of(RESNET)
    saved_at = []
    for i in range(20):  # alternate ticked/unticked, ending ticked; half plain, half atomic
        world.save(world.tick(RESNET, original) if i % 2 else original, atomic=i % 4 == 1)
        saved_at.append(time.monotonic())
        time.sleep(0.04)  # a user's pace, 20 saves within a second
    # A gap a busy machine stretched past the debounce lets one more run in, rightly.
    stretched = sum(b - a > 0.5 for a, b in pairwise(saved_at))
    wait_for(lambda: "read" in _tags(_item(sandbox, key)), "the read tag in Zotero")
    runs = world.daemon.wait_quiet(1.5)[before:]
    assert 1 <= len(runs) <= 2 + stretched, runs
    assert sandbox.stats()["writes"] <= 2 + stretched


def test_zotmarks_own_write_triggers_no_run(start: Any, sandbox: Sandbox) -> None:
    world = start()
    key, seen = world.key_of(RESNET), len(world.daemon.events())
    sandbox.update_item(key, {"tags": [{"tag": "read"}]})
    wait_for(lambda: world.ticked(RESNET), "the box ticked in the file")
    world.daemon.wait_own_write_ignored(seen)  # the watcher saw the events and let them pass
    runs = world.daemon.runs()
    assert not [reason for reason in runs if "file" in reason], runs


def test_sigterm_during_a_run_finishes_it_and_both_sides_converge(
    start: Any, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    world = start()
    sandbox.latency_ms = 400  # every request of the next run takes 0.4 s
    text = world.tick(ATTENTION, world.tick(DIFFUSION))
    text += "- [ ] **Language Models are Few-Shot Learners** (https://arxiv.org/abs/2005.14165)\n"
    world.save(text)
    world.daemon.wait_run_started("file list.md")
    assert world.daemon.terminate() == 0
    sandbox.latency_ms = 0
    events = [e.get("msg") for e in world.daemon.events()]
    tail = events[events.index("signal") :]
    assert "run" in tail and tail[-1] == "daemon.stopped"  # the run in flight was finished
    again = world.sync(capsys)
    assert again["zotero_actions"] == [] and again["file_actions"] == []
    assert world.ticked(ATTENTION) and world.ticked(DIFFUSION)
    titles = [item.get("title") for item in sandbox.items().values()]
    assert sorted(titles) == sorted(set(titles)) and len(titles) == 4


# --- the sandbox going down and coming back ------------------------------------------------------


class SandboxProcess:
    """``zotmark sandbox --data FILE [--port P]`` as a subprocess."""

    def __init__(self, data: Path, port: int = 0) -> None:
        command = [*ZOTMARK, "sandbox", "--data", str(data), "--port", str(port)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.info: dict[str, Any] = json.loads(self.process.stdout.readline())

    @property
    def port(self) -> int:
        return int(self.info["url"].rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(20)

    def item(self, key: str) -> dict[str, Any]:
        url = f"{self.info['url']}/users/{self.info['user_id']}/items/{key}"
        headers = {"Zotero-API-Key": self.info["api_key"]}
        with httpx2.Client(headers=headers, trust_env=False) as client:
            response = client.get(url)
            response.raise_for_status()
            data: dict[str, Any] = response.json()["data"]
            return data

    def tag_read(self, key: str) -> None:
        """Tag an item ``read`` through the API, as another client would."""
        data = self.item(key)
        url = f"{self.info['url']}/users/{self.info['user_id']}/items/{key}"
        headers = {
            "Zotero-API-Key": self.info["api_key"],
            "If-Unmodified-Since-Version": str(data["version"]),
        }
        with httpx2.Client(headers=headers, trust_env=False) as client:
            body = {"tags": [*data["tags"], {"tag": "read"}]}
            client.patch(url, json=body).raise_for_status()


def test_the_sandbox_going_down_and_back_up_is_survived(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.json"
    server = SandboxProcess(data)
    world: World | None = None
    try:
        info = server.info
        world = World(tmp_path, info["url"], info["stream_url"], info["api_key"], poll=1)
        world.daemon.wait_ready()
        resnet, diffusion = world.key_of(RESNET), world.key_of(DIFFUSION)
        server.stop()
        world.save(world.tick(RESNET))  # the run for it meets a dead server and retries
        world.daemon.wait_run_started("file list.md")
        server = SandboxProcess(data, server.port)
        wait_for(lambda: "read" in _tags(server.item(resnet)), "the save to reach Zotero")
        server.tag_read(diffusion)
        wait_for(lambda: world.ticked(DIFFUSION), "the Zotero edit to reach the file")
        world.daemon.check_alive()
        assert world.daemon.terminate() == 0
    finally:
        if world is not None:
            world.daemon.kill()
        server.stop()


def test_a_second_daemon_on_the_same_state_dir_exits_1(start: Any, sandbox: Sandbox) -> None:
    world = start()
    second = subprocess.run(
        [*ZOTMARK, "daemon", "--config", str(world.config)],
        env=environment(sandbox.api_key),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == 1
    assert "another zotmark" in second.stderr
    world.daemon.check_alive()


def test_the_api_key_never_appears_in_the_log(start: Any, sandbox: Sandbox) -> None:
    world = start()
    world.save(world.tick(ATTENTION))
    wait_for(lambda: "read" in _tags(_item(sandbox, world.key_of(ATTENTION))), "the tag")
    assert world.daemon.terminate() == 0
    assert sandbox.api_key not in world.daemon.text()


def _status(world: World) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ZOTMARK, "status", "--config", str(world.config)],
        env={**environment(world.api_key), "COLUMNS": "300"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_status_shows_a_daemon_killed_with_sigkill_as_not_running_at_once(
    start: Any, sandbox: Sandbox
) -> None:
    """Its heartbeat still says "running" (a killed process writes nothing) and is fresh, but
    its pid is gone: status says so right away and exits 1 (before: "running" for minutes)."""
    world = start()
    before = _status(world)
    assert before.returncode == 0, before.stdout + before.stderr
    assert f"daemon: running (pid {world.daemon.process.pid})" in before.stdout
    world.daemon.terminate(signal.SIGKILL)
    after = _status(world)
    assert after.returncode == 1
    assert f"daemon: not running: its process (pid {world.daemon.process.pid}) is gone" in (
        after.stdout
    )
