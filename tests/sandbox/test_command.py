"""``zotmark sandbox`` as a process: the JSON first line, serving, saving on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

WAIT = 20.0
pytestmark = pytest.mark.system


def _start(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from zotmark.cli import entrypoint; entrypoint()", "sandbox"]
    return subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, object], Path]]:
    data = tmp_path / "sandbox.json"
    process = _start("--port", "0", "--data", str(data), "--faults", "backoff=3,times=1")
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()  # the server prints it once it accepts requests
        yield process, json.loads(first_line), data
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(WAIT)


def test_first_line_is_json_with_url_key_and_user(
    running: tuple[subprocess.Popen[str], dict[str, object], Path],
) -> None:
    """The first stdout line has ``url``, ``api_key`` and ``user_id``; the URL serves the API."""
    _, info, _ = running
    assert {"url", "api_key", "user_id"} <= set(info)
    response = httpx2.get(
        f"{info['url']}/users/{info['user_id']}/items",
        headers={"Zotero-API-Key": str(info["api_key"])},
        trust_env=False,
    )
    assert response.status_code == 200
    assert response.headers["Backoff"] == "3"  # the --faults spec is active


def test_sigterm_saves_the_data_file(
    running: tuple[subprocess.Popen[str], dict[str, object], Path],
) -> None:
    """After SIGTERM the process exits and the data file holds the written item."""
    process, info, data = running
    report = httpx2.post(
        f"{info['url']}/users/{info['user_id']}/items",
        json=[{"itemType": "book", "title": "persisted"}],
        headers={"Zotero-API-Key": str(info["api_key"])},
        trust_env=False,
    ).json()
    process.send_signal(signal.SIGTERM)
    assert process.wait(WAIT) == 0
    saved = json.loads(data.read_text())
    items = {o["key"]: o for lib in saved["libraries"] for o in lib["items"]}
    assert items[report["success"]["0"]]["data"]["title"] == "persisted"


def test_a_killed_sandbox_keeps_what_it_had_saved(
    running: tuple[subprocess.Popen[str], dict[str, object], Path],
) -> None:
    """SIGKILL after a save reached the journal: a new sandbox on the same file serves the
    item (the snapshot and the journal it names are replayed)."""
    process, info, data = running
    headers = {"Zotero-API-Key": str(info["api_key"])}
    url = f"{info['url']}/users/{info['user_id']}/items"
    report = httpx2.post(
        url, json=[{"itemType": "book", "title": "journaled"}], headers=headers, trust_env=False
    ).json()
    deadline = time.monotonic() + WAIT
    while not any(j.stat().st_size for j in data.parent.glob("*.journal")):
        assert time.monotonic() < deadline, "no journal line was written"
        time.sleep(0.05)
    process.kill()
    process.wait(WAIT)
    again = _start("--port", "0", "--data", str(data))
    try:
        assert again.stdout is not None
        second = json.loads(again.stdout.readline())
        key = report["success"]["0"]
        response = httpx2.get(
            f"{second['url']}/users/{second['user_id']}/items/{key}",
            headers={"Zotero-API-Key": str(second["api_key"])},
            trust_env=False,
        )
        assert response.json()["data"]["title"] == "journaled"
    finally:
        again.kill()
        again.wait(WAIT)


def test_invalid_fault_spec_is_a_usage_error() -> None:
    """A malformed ``--faults`` exits 2 with a message naming the problem."""
    process = _start("--faults", "teapot")
    _, stderr = process.communicate(timeout=WAIT)
    assert process.returncode == 2
    assert "teapot" in stderr
