"""The global ``--quiet``/``--verbose`` options on ``zotmark sync`` (run as a subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox) -> Path:
    shutil.copyfile(FIXTURES / "original-reading-list.md", tmp_path / "list.md")
    path = tmp_path / "zotmark.toml"
    path.write_text(
        f'[zotero]\nbase_url = "{sandbox.url}"\nstream_url = ""\n[state]\ndir = "state"\n'
        '[[lists]]\nfile = "list.md"\ncollection = "Reading List"\nenrich = false\n'
    )
    path.chmod(0o644)  # readable by others: a warning on stderr
    return path


def _zotmark(config: Path, sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZOTERO_API_KEY": sandbox.api_key, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "zotmark.cli", *args],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sync_shows_the_first_plan_lines_and_counts_the_rest(
    config: Path, sandbox: Sandbox
) -> None:
    result = _zotmark(config, sandbox, "sync")
    assert result.returncode == 0, result.stderr
    assert "17 created" in result.stdout
    assert "… and 4 more (--verbose shows them all)" in result.stdout  # 34 lines, 30 shown


def test_verbose_sync_shows_every_plan_line(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "--verbose", "sync")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("zotero: create") == 17
    assert result.stdout.count("file:   line") == 17
    assert "more (--verbose" not in result.stdout


def test_quiet_sync_prints_nothing_and_still_syncs(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "-q", "sync")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert len(sandbox.items()) == 17


def test_quiet_keeps_the_json_document(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "--quiet", "sync", "--json")
    assert result.returncode == 0, result.stderr
    assert '"created": 17' in result.stdout


def test_quiet_still_reports_errors(config: Path, sandbox: Sandbox) -> None:
    (config.parent / "list.md").unlink()
    result = _zotmark(config, sandbox, "--quiet", "sync")
    assert result.returncode == 1
    assert "list.md" in result.stderr


def test_quiet_and_verbose_together_are_a_usage_error(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "-q", "-v", "sync")
    assert result.returncode == 2
