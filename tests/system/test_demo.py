"""``zotmark demo`` as a user runs it: the whole loop, its output, and nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

WAVENET_TICKED = "+- [x] **WaveNet: A Generative Model for Raw Audio**"
APPENDED = "+- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))"


def _demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``zotmark demo`` with ``$TMPDIR`` pointed at an empty directory of its own."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    dead_proxy = "http://127.0.0.1:9"  # any request that is not to the sandbox would fail
    env = {**os.environ, "TMPDIR": str(scratch), "COLUMNS": "120"}
    env |= {"HTTP_PROXY": dead_proxy, "HTTPS_PROXY": dead_proxy, "http_proxy": dead_proxy}
    for name in ("ZOTERO_API_KEY", "NO_PROXY", "no_proxy"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "zotmark.cli", "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    return result, scratch


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One plain ``zotmark demo`` run, shared by the tests that only read what it did."""
    return _demo(tmp_path_factory.mktemp("demo"))


def test_demo_creates_the_seventeen_papers_and_shows_them(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo
    assert result.returncode == 0, result.stderr
    assert "First sync: 17 created" in result.stdout
    assert "(17 items)" in result.stdout
    assert "Vision Transfomers are Robust Learners" in result.stdout


def test_demo_diff_shows_the_ticked_box_and_the_appended_entry(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo
    assert result.returncode == 0, result.stderr
    diff = result.stdout[result.stdout.index("What the second sync changed") :]
    assert WAVENET_TICKED in diff
    assert APPENDED in diff
    assert "+    - [x] Relevant?" in diff


def test_demo_leaves_nothing_in_the_temp_directory(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, scratch = demo
    assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []


def test_demo_json_is_one_document_with_both_runs_and_the_diff(tmp_path: Path) -> None:
    result, scratch = _demo(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["first_sync"]["created"] == 17
    assert len(document["zotero_items"]) == 17
    assert document["second_sync"]["file_changed"] is True
    assert WAVENET_TICKED in document["diff"]
    assert APPENDED in document["diff"]
    assert list(scratch.iterdir()) == []
